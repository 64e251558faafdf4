"""From a parsed package to the judge's test set (``TestSetData``) and the manifest the API reads.

How the ICPC format maps onto Verdict's grading (``judge_worker.policy``):

- samples and the tests directly in ``data/secret`` are ungrouped; each first-level directory of ``data/secret``
  is a group named ``secret/<dir>``, run in lexicographic order after the ungrouped tests;
- a test's points are its ``accept_score`` (``testdata.yaml``, inherited), default 1; in a scoring problem (any
  ``accept_score``, ``grader_flags`` or group points given) samples are worth 0, as ICPC scoring ignores them;
- a group whose ``grader_flags`` hold ``min`` earns ``accept_score`` only when all its tests pass (a subtask);
  otherwise it earns the sum of its tests' points. ``verdict.groups.<name>.points`` overrides either;
- ``on_reject: continue`` turns short-circuit off for a group (``verdict.groups.<name>.short_circuit`` too);
- visibility: samples ``visible``, others ``hidden``, unless ``verdict.visibility`` maps a path prefix
  (``secret/group1``, or a test's name) to another value; the longest matching prefix wins.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Final

from api.domain.problems._config import VerdictSettings
from api.domain.problems.errors import PackageError, PackageIssue
from api.domain.problems.package import ParsedPackage, ParsedTest
from judge_worker.contracts import TestCaseData, TestGroup, TestSetData

__all__ = ["MANIFEST_VERSION", "build_testset", "manifest_of", "resolve_visibility", "text_preview"]

MANIFEST_VERSION: Final = 1
SAMPLE_PREVIEW_BYTES: Final = 64 * 1024
TEST_PREVIEW_BYTES: Final = 4 * 1024  # of a test that is (or may become) visible, shown with its result


def resolve_visibility(name: str, *, sample: bool, overrides: dict[str, str]) -> str:
    best, best_length = ("visible" if sample else "hidden"), -1
    for prefix, visibility in overrides.items():
        if (name == prefix or name.startswith(prefix + "/")) and len(prefix) > best_length:
            best, best_length = visibility, len(prefix)
    return best


def _group_of(test: ParsedTest) -> str | None:
    parts = PurePosixPath(test.directory).parts
    if test.sample or len(parts) < 2:
        return None
    return f"{parts[0]}/{parts[1]}"


def _is_scoring(parsed: ParsedPackage) -> bool:
    settings = parsed.config.verdict
    if any(g.points is not None for g in settings.groups.values()):
        return True
    if parsed.config.raw.get("type") == "scoring" or (
        parsed.config.format is not None and "scoring" in parsed.config.format.types
    ):
        return True
    return any(t.settings.accept_score is not None or t.settings.grader_flags for t in parsed.tests)


def _groups(parsed: ParsedPackage, names: list[str], settings: VerdictSettings) -> tuple[TestGroup, ...]:
    issues: list[PackageIssue] = []
    for name in settings.groups:
        if name not in names:
            issues.append(
                PackageIssue(
                    "problem.yaml",
                    f"no test group {name!r}; groups are {', '.join(names) or 'none'}",
                    field=f"verdict.groups.{name}",
                )
            )
    groups: list[TestGroup] = []
    for name in names:
        members = [t for t in parsed.tests if _group_of(t) == name]
        first = members[0].settings
        override = settings.groups.get(name)
        points = 0.0
        if "min" in first.grader_flags:
            points = first.accept_score if first.accept_score is not None else 1.0
        if override is not None and override.points is not None:
            points = override.points
        short_circuit = first.on_reject != "continue"
        if override is not None and override.short_circuit is not None:
            short_circuit = override.short_circuit
        depends_on = override.depends_on if override is not None else ()
        for dep in depends_on:
            if dep not in names:
                issues.append(
                    PackageIssue(
                        "problem.yaml", f"depends on unknown group {dep!r}", field=f"verdict.groups.{name}.depends_on"
                    )
                )
        groups.append(TestGroup(name=name, points=points, depends_on=depends_on, short_circuit=short_circuit))
    if issues:
        raise PackageError.of(issues)
    return tuple(groups)


def build_testset(parsed: ParsedPackage) -> TestSetData:
    """The judge's test set for a package. Deterministic: the same package always gives the same bytes."""
    settings = parsed.config.verdict
    scoring = _is_scoring(parsed)
    group_names = sorted({g for t in parsed.tests if (g := _group_of(t)) is not None})
    groups = _groups(parsed, group_names, settings)
    tests = tuple(
        TestCaseData(
            name=test.name,
            input=test.input,
            expected=test.answer,
            points=0.0 if (test.sample and scoring) else (test.settings.accept_score or 1.0),
            group=_group_of(test),
            visibility=resolve_visibility(test.name, sample=test.sample, overrides=settings.visibility),
            sample=test.sample,
        )
        for test in parsed.tests
    )
    return TestSetData(tests=tests, groups=groups, checker=parsed.checker, files=dict(parsed.checker_files))


def text_preview(data: bytes, limit: int = SAMPLE_PREVIEW_BYTES) -> str:
    """Bytes as text for people: UTF-8 where it is, ``\\xNN`` escapes where it is not; capped."""
    return data[:limit].decode("utf-8", errors="backslashreplace")


def _test_entry(test: TestCaseData) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": test.name,
        "points": test.points,
        "group": test.group,
        "visibility": test.visibility,
        "sample": test.sample,
        "input_bytes": len(test.input),
        "answer_bytes": len(test.expected),
    }
    if test.sample or test.visibility != "hidden":
        entry["input_preview"] = text_preview(test.input, TEST_PREVIEW_BYTES)
        entry["answer_preview"] = text_preview(test.expected, TEST_PREVIEW_BYTES)
    return entry


def manifest_of(data: TestSetData) -> dict[str, Any]:
    """What the API needs without unpacking the test data: per-test metadata, groups, the samples' text, and a
    preview of every test that is not ``hidden`` (shown with results once its visibility allows)."""
    return {
        "version": MANIFEST_VERSION,
        "tests": [_test_entry(t) for t in data.tests],
        "groups": [
            {"name": g.name, "points": g.points, "depends_on": list(g.depends_on), "short_circuit": g.short_circuit}
            for g in data.groups
        ],
        "samples": [
            {"name": t.name, "input": text_preview(t.input), "output": text_preview(t.expected)}
            for t in data.tests
            if t.sample
        ],
        "checker": data.checker.kind,
    }
