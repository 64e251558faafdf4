"""From a stored submission to the judge's request, and back from the judge's report to the database.

Recording is idempotent: the report of the submission's current attempt is written once (a report for another
attempt is stale and ignored, a second delivery of the same report finds the submission done and changes nothing),
then the authoritative ``Finished`` event goes to ``submission:<id>`` and a notification to ``user:<id>``.
"""

from __future__ import annotations

import logging
from typing import Any, Final
from uuid import UUID

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.lib.timeutil import utcnow
from api.settings import Settings
from judge_worker.contracts import (
    CheckerSpec,
    Finished,
    GradingPolicy,
    InlineTest,
    JudgeLimits,
    JudgeReport,
    JudgeRequest,
    Verdict,
    encode_event,
    progress_key,
    submission_channel,
    user_channel,
)

__all__ = [
    "SubmissionJudged",
    "build_judge_request",
    "finalize_internal_error",
    "publish_final",
    "rebuild_judge_request",
    "record_report",
]

logger = logging.getLogger("verdict.judging")

_CHECKER_FIELDS: Final = frozenset(CheckerSpec.__struct_fields__)
_INTERACTIVE_KINDS: Final = frozenset({"interactor", "icpc_interactor", "testlib_interactor"})
MESSAGE_CAP: Final = 4000
COMPILE_OUTPUT_CAP: Final = 64 * 1024


class SubmissionJudged(msgspec.Struct, frozen=True, kw_only=True, tag="submission_judged", tag_field="type"):
    """The notification a student's ``user:<id>`` channel gets when one of their submissions is judged. An
    assessment's submission whose results are hidden from the student carries no verdict or score, and says until
    when (``results_hidden_until``)."""

    submission_id: UUID
    problem_id: UUID | None
    attempt: int
    verdict: str | None
    score: float | None
    results_hidden_until: str | None = None


def build_judge_request(submission: m.Submission, problem: m.Problem | None) -> JudgeRequest:
    """The request for the submission's current attempt.

    ``problem.checker`` holds the checker fields and may also carry ``input_file`` / ``output_file`` (file I/O
    problems) and ``policy`` (a ``GradingPolicy``); the time limit is scaled by the problem's multiplier for the
    language. A Run (``kind`` run) is judged on its own ``stdin`` only, with any output accepted.
    """
    limits = JudgeLimits()
    checker = CheckerSpec()
    policy = GradingPolicy()
    input_file: str | None = None
    output_file: str | None = None
    if problem is not None:
        config: dict[str, Any] = dict(problem.checker or {})
        multiplier = float((problem.language_multipliers or {}).get(submission.language, 1.0))
        limits = JudgeLimits(
            time_ms=max(1, round(problem.time_limit_ms * multiplier)), memory_kib=problem.memory_limit_mb * 1024
        )
        checker = msgspec.convert({k: v for k, v in config.items() if k in _CHECKER_FIELDS}, CheckerSpec)
        if isinstance(config.get("policy"), dict):
            policy = msgspec.convert(config["policy"], GradingPolicy)
        input_file = config.get("input_file") or None
        output_file = config.get("output_file") or None
    testset_digest = submission.testset_digest
    inline: tuple[InlineTest, ...] = ()
    if submission.kind is m.SubmissionKind.RUN:
        testset_digest = None
        inline = (InlineTest(input=submission.stdin or b"", expected=None, visible=True),)
        if checker.kind in _INTERACTIVE_KINDS:
            checker = CheckerSpec()  # a Run shows the program's output; an interactor needs the test set
    return JudgeRequest(
        submission_id=submission.id,
        attempt=submission.attempt,
        language=submission.language,
        files=dict(submission.files),
        limits=limits,
        checker=checker,
        testset_digest=testset_digest,
        inline_tests=inline,
        policy=policy,
        user_id=submission.user_id,
        kind=submission.kind.value,
        input_file=input_file,
        output_file=output_file,
    )


async def rebuild_judge_request(
    session: AsyncSession, submission: m.Submission, settings: Settings
) -> JudgeRequest | None:
    """The request for a submission's current attempt, rebuilt from the database (the reaper's way back when a
    job was lost); None when it cannot be rebuilt."""
    if submission.kind is m.SubmissionKind.JUDGE0:
        from api.domain.judge0.services import build_judge_request as judge0_request  # noqa: PLC0415

        row = await session.scalar(select(m.Judge0Submission).where(m.Judge0Submission.submission_id == submission.id))
        if row is None:
            return None
        return judge0_request(row, submission, max_cpu_time_limit=settings.judge0_max_cpu_time_limit)
    problem = await session.get(m.Problem, submission.problem_id) if submission.problem_id else None
    return build_judge_request(submission, problem)


async def _locked(session: AsyncSession, submission_id: UUID) -> m.Submission | None:
    result = await session.scalars(
        select(m.Submission).where(m.Submission.id == submission_id).with_for_update().limit(1)
    )
    return result.first()


async def record_report(session: AsyncSession, report: JudgeReport) -> m.Submission | None:
    """Write the report; return the submission if it was recorded now, None if it was stale or already recorded."""
    submission = await _locked(session, report.submission_id)
    if submission is None:
        logger.warning("report for unknown submission %s ignored", report.submission_id)
        return None
    if report.attempt != submission.attempt:
        logger.info(
            "stale report for %s ignored (attempt %d, current %d)",
            report.submission_id,
            report.attempt,
            submission.attempt,
        )
        return None
    if submission.status is m.SubmissionStatus.DONE:
        logger.info("report for %s attempt %d already recorded", report.submission_id, report.attempt)
        return None
    submission.status = m.SubmissionStatus.DONE
    submission.verdict = report.verdict.value
    submission.score = report.score
    submission.cpu_ms = report.cpu_ms
    submission.memory_kib = report.memory_kib
    submission.compile_output = report.compile_output[:COMPILE_OUTPUT_CAP]
    submission.message = report.message[:MESSAGE_CAP]
    submission.results = [msgspec.to_builtins(case) for case in report.cases]
    submission.judged_at = utcnow()
    await session.commit()
    return submission


async def finalize_internal_error(session: AsyncSession, submission_id: UUID, reason: str) -> m.Submission | None:
    """End a submission that the judge could not finish as IE with ``reason`` (unless it is already done)."""
    submission = await _locked(session, submission_id)
    if submission is None or submission.status is m.SubmissionStatus.DONE:
        return None
    submission.status = m.SubmissionStatus.DONE
    submission.verdict = Verdict.IE.value
    submission.score = 0.0
    submission.message = reason[:MESSAGE_CAP]
    submission.judged_at = utcnow()
    await session.commit()
    logger.warning("submission %s ended as IE: %s", submission_id, reason)
    return submission


async def publish_final(redis: Redis, submission: m.Submission, *, seq: int, hidden_until: str | None = None) -> None:
    """Publish the authoritative final event and the student's notification (without verdict or score when
    ``hidden_until`` says the student may not see them yet). Best effort: the database is the record, and a viewer
    who missed the event reads it there."""
    final = Finished(
        submission_id=submission.id,
        attempt=submission.attempt,
        seq=seq,
        verdict=Verdict(submission.verdict or Verdict.IE.value),
        score=submission.score or 0.0,
        cpu_ms=submission.cpu_ms or 0,
        memory_kib=submission.memory_kib or 0,
        authoritative=True,
        message=submission.message,
    )
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.publish(submission_channel(submission.id), encode_event(final))
            if submission.user_id is not None:
                note = SubmissionJudged(
                    submission_id=submission.id,
                    problem_id=submission.problem_id,
                    attempt=submission.attempt,
                    verdict=None if hidden_until else final.verdict.value,
                    score=None if hidden_until else final.score,
                    results_hidden_until=hidden_until,
                )
                pipe.publish(user_channel(submission.user_id), msgspec.json.encode(note))
            pipe.delete(progress_key(submission.id))
            await pipe.execute()
    except (RedisError, OSError) as exc:
        logger.warning("final event for %s not published: %s", submission.id, exc)
