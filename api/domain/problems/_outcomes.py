"""The outcome of judging one reference solution of a package, in the words the upload's answer uses."""

from __future__ import annotations

from api.db import models as m
from api.domain.problems import schemas
from api.domain.problems.package import ReferenceSolution

__all__ = ["failure_message", "outcome_of", "skip_of"]


def skip_of(reference: ReferenceSolution, reason: str) -> schemas.SkippedReference:
    return schemas.SkippedReference(path=reference.path, language=reference.language, reason=reason)


def outcome_of(reference: ReferenceSolution, submission: m.Submission, names: list[str]) -> schemas.ValidationOutcome:
    """What a judged reference got, and whether its folder promised that; ``names``: the test set's test names."""
    first_failure: str | None = None
    for case in submission.results:
        if case.get("verdict") != "AC" and not case.get("skipped"):
            index = int(case.get("index", -1))
            first_failure = names[index] if 0 <= index < len(names) else f"#{index}"
            break
    return schemas.ValidationOutcome(
        path=reference.path,
        language=reference.language or "",
        expected=reference.expected,
        verdict=submission.verdict,
        ok=reference.accepts(submission.verdict),
        submission_id=submission.id,
        test=first_failure,
        message=submission.message or submission.compile_output[:500],
        cpu_ms=submission.cpu_ms or 0,
    )


def failure_message(outcome: schemas.ValidationOutcome) -> str:
    got = outcome.verdict or "no verdict"
    if outcome.test is not None:
        where = f" on test {outcome.test}"
    elif outcome.verdict == "AC":
        where = " (every test passed)"
    else:
        where = ""
    detail = f": {outcome.message.strip()[:300]}" if outcome.message.strip() else ""
    expected = {"REJECTED": "a verdict other than AC", "AC_OR_TLE": "AC or TLE"}.get(outcome.expected, outcome.expected)
    return f"expected {expected}, got {got}{where}{detail}"
