"""Output checkers: built-in pure functions, and custom checker programs run in the sandbox."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Final

from judge_worker.checkers.builtin import CheckResult, exact, icpc_default, lines, unordered_lines
from judge_worker.contracts import CheckerSpec

__all__ = [
    "BUILTIN_KINDS",
    "CUSTOM_KINDS",
    "INTERACTOR_KINDS",
    "CheckResult",
    "CheckerSpecError",
    "builtin_checker",
    "convention",
    "validate_spec",
]

Checker = Callable[[bytes, bytes], CheckResult]

BUILTIN_KINDS: Final = frozenset({"exact", "lines", "default", "unordered"})
CUSTOM_KINDS: Final = frozenset({"icpc_validator", "testlib"})
INTERACTOR_KINDS: Final = frozenset({"icpc_interactor", "testlib_interactor", "interactor"})


class CheckerSpecError(ValueError):
    """The problem's checker is misconfigured: the submission ends as IE with this message (not the student's fault)."""


def validate_spec(spec: CheckerSpec, files: dict[str, bytes]) -> None:
    kinds = BUILTIN_KINDS | CUSTOM_KINDS | INTERACTOR_KINDS
    if spec.kind not in kinds:
        raise CheckerSpecError(f"unknown checker kind {spec.kind!r} (expected one of {', '.join(sorted(kinds))})")
    if spec.kind in CUSTOM_KINDS | INTERACTOR_KINDS:
        if not spec.source or not spec.language:
            raise CheckerSpecError(f"a {spec.kind} checker needs a source file and a language")
        if spec.source not in files:
            raise CheckerSpecError(f"the checker source {spec.source!r} is not in the test set")


def convention(spec: CheckerSpec) -> str:
    """``icpc`` or ``testlib``: how a custom checker or interactor reports its verdict."""
    return "testlib" if spec.kind in {"testlib", "testlib_interactor"} else "icpc"


def builtin_checker(spec: CheckerSpec) -> Checker:
    """The pure function for a built-in kind (the caller checks ``spec.kind in BUILTIN_KINDS``)."""
    if spec.kind == "exact":
        return exact
    if spec.kind == "lines":
        return lines
    if spec.kind == "unordered":
        return unordered_lines
    if spec.kind == "default":
        return functools.partial(
            icpc_default,
            case_sensitive=spec.case_sensitive,
            space_change_sensitive=spec.space_change_sensitive,
            float_absolute_tolerance=spec.float_absolute_tolerance,
            float_relative_tolerance=spec.float_relative_tolerance,
            float_tolerance=spec.float_tolerance,
        )
    raise CheckerSpecError(f"{spec.kind!r} is not a built-in checker")
