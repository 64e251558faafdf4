"""Leak safety: what a model must never see nor repeat, and the check of every output against it.

The hidden material of a problem is the input and expected output of every test a student may not see (all but
samples and tests marked ``visible``) and every reference solution of its package (``submissions/accepted/``).
Prompts are built without it (api/domain/ai_grading/prompts.py takes no test data but visible tests). Every output
is still checked: both sides are normalised (Unicode NFKC, case folded, all whitespace removed) and an output that
contains any :data:`FRAGMENT` characters in a row of a hidden text is withheld and flagged to staff. Runs of the
student's own answer are exempt: quoting the student to the student leaks nothing."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final
from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from judge_worker.contracts import TestSetData

__all__ = ["FRAGMENT", "Leak", "Secret", "find_leak", "hidden_material", "normalise"]

FRAGMENT: Final = 40  # normalised characters in a row that count as quoting a hidden text
MAX_SECRET_CHARS: Final = 256 * 1024  # of one hidden text, normalised; beyond, the start is checked
_REFERENCE_DIRS: Final = ("submissions/accepted/",)


@dataclass(frozen=True)
class Secret:
    label: str  # what it is, for staff: "hidden test secret/03 (expected output)"
    text: str


@dataclass(frozen=True)
class Leak:
    label: str
    fragment: str  # the normalised run found in the output


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _windows(text: str) -> set[str]:
    return {text[i : i + FRAGMENT] for i in range(len(text) - FRAGMENT + 1)}


def find_leak(output: str, secrets: Sequence[Secret], *, allowed: Iterable[str] = ()) -> Leak | None:
    """The first hidden text the output quotes (at least FRAGMENT normalised characters), or None."""
    said = normalise(output)
    if len(said) < FRAGMENT or not secrets:
        return None
    windows = _windows(said)
    for text in allowed:
        windows -= _windows(normalise(text))
    if not windows:
        return None
    for secret in secrets:
        hidden = normalise(secret.text)[:MAX_SECRET_CHARS]
        for i in range(len(hidden) - FRAGMENT + 1):
            piece = hidden[i : i + FRAGMENT]
            if piece in windows:
                return Leak(secret.label, piece)
    return None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


async def hidden_material(session: AsyncSession, problem_id: UUID | None) -> list[Secret]:
    """Hidden tests' inputs and expected outputs, and reference solutions, of a problem (none without one)."""
    if problem_id is None:
        return []
    problem = await session.get(m.Problem, problem_id)
    if problem is None:
        return []
    secrets: list[Secret] = []
    if problem.testset_digest:
        stored = await session.get(m.TestSet, problem.testset_digest)
        if stored is not None:
            data = msgspec.msgpack.decode(stored.data, type=TestSetData)
            for test in data.tests:
                if test.sample or test.visibility == "visible":
                    continue
                secrets.append(Secret(f"hidden test {test.name} (input)", _text(test.input)))
                secrets.append(Secret(f"hidden test {test.name} (expected output)", _text(test.expected)))
    if problem.package_digest:
        package = await session.get(m.ProblemPackage, problem.package_digest)
        if package is not None:
            files = msgspec.msgpack.decode(package.files, type=dict[str, bytes])
            for path, content in sorted(files.items()):
                if path.startswith(_REFERENCE_DIRS):
                    secrets.append(Secret(f"reference solution {path}", _text(content)))
    return [s for s in secrets if len(normalise(s.text)) >= FRAGMENT]
