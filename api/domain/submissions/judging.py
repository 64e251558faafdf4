"""From a stored submission to the judge's request, and back from the judge's report to the database."""

from __future__ import annotations

from typing import Final

from api.db import models as m
from judge_worker.contracts import CheckerSpec, JudgeLimits, JudgeRequest

__all__ = ["build_judge_request"]

_CHECKER_FIELDS: Final = frozenset(CheckerSpec.__struct_fields__)


def build_judge_request(submission: m.Submission, problem: m.Problem | None) -> JudgeRequest:
    limits = JudgeLimits()
    checker = CheckerSpec()
    if problem is not None:
        limits = JudgeLimits(time_ms=problem.time_limit_ms, memory_kib=problem.memory_limit_mb * 1024)
        checker = CheckerSpec(**{k: v for k, v in (problem.checker or {}).items() if k in _CHECKER_FIELDS})
    return JudgeRequest(
        submission_id=submission.id,
        attempt=submission.attempt,
        language=submission.language,
        files=dict(submission.files),
        limits=limits,
        checker=checker,
        testset_digest=submission.testset_digest,
        user_id=submission.user_id,
        kind=submission.kind.value,
    )
