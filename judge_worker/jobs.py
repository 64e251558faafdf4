"""The ``judge_submission`` job: typed input, idempotent output, retries only for host faults.

A worker keeps one :class:`WorkerState` for all its jobs (sandbox executor, slots, test-data cache, compiled
checkers). The job holds one CPU slot while it judges, and a lease in Redis naming this worker, so the API's reaper
can free the job at once if this worker dies (instead of waiting for arq's in-progress timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
from arq import Retry
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from judge_worker.checkers.custom import CheckerCache
from judge_worker.contracts import (
    API_TASKS_QUEUE,
    RECORD_JUDGE_REPORT,
    JudgeReport,
    JudgeRequest,
    TestSetData,
    Verdict,
    lease_key,
)
from judge_worker.events import EventStream
from judge_worker.execution import Executor
from judge_worker.grader import grade
from judge_worker.logs import job_context
from judge_worker.metrics import JOBS, JUDGE_SECONDS, PICKUP_SECONDS, SANDBOX_FAULTS
from judge_worker.settings import JudgeSettings
from judge_worker.slots import SlotPool
from judge_worker.testdata import TestDataCache, TestDataError
from judge_worker.wake import wake
from sandbox import SandboxError

__all__ = ["JUDGE_MAX_TRIES", "WorkerState", "judge_submission", "report_job_id"]

logger = logging.getLogger("verdict.judge")

JUDGE_MAX_TRIES: Final = 3
_REPORT_ENQUEUE_ATTEMPTS: Final = 60  # ~1 minute of Redis outage before the job gives up (and arq retries it)


@dataclass
class WorkerState:
    """What every job of one worker process shares."""

    settings: JudgeSettings
    executor: Executor
    slots: SlotPool
    testdata: TestDataCache
    languages: tuple[str, ...]
    checkers: CheckerCache = field(default_factory=CheckerCache)
    started_at: float = field(default_factory=time.time)
    jobs_done: int = 0
    jobs_running: int = 0
    job_seconds_avg: float = 0.0  # exponential moving average of judging time (the API's wait estimate)
    draining: bool = False  # takes no new jobs (see ResilientWorker in judge_worker.main)

    def job_finished(self, seconds: float) -> None:
        self.jobs_done += 1
        weight = 0.2 if self.jobs_done > 1 else 1.0
        self.job_seconds_avg += weight * (seconds - self.job_seconds_avg)


def report_job_id(request: JudgeRequest) -> str:
    return f"report:{request.submission_id}:{request.attempt}"


def _internal_error(request: JudgeRequest, worker: str, reason: str, last_seq: int) -> JudgeReport:
    return JudgeReport(
        submission_id=request.submission_id,
        attempt=request.attempt,
        verdict=Verdict.IE,
        message=reason[:1000],
        worker=worker,
        testset_digest=request.testset_digest,
        last_seq=last_seq,
    )


async def _enqueue_report(redis: ArqRedis, request: JudgeRequest, report: JudgeReport) -> None:
    """Hand the report to the API side. Retried across a Redis outage: the report is what must not be lost."""
    for attempt in range(_REPORT_ENQUEUE_ATTEMPTS):
        try:
            await redis.enqueue_job(
                RECORD_JUDGE_REPORT,
                msgspec.to_builtins(report),
                _queue_name=API_TASKS_QUEUE,
                _job_id=report_job_id(request),
            )
        except (RedisError, OSError) as exc:
            if attempt + 1 == _REPORT_ENQUEUE_ATTEMPTS:
                raise
            logger.warning("enqueueing the report of %s failed (%s); retrying", request.submission_id, exc)
            await asyncio.sleep(1.0)
        else:
            await wake(redis, API_TASKS_QUEUE)
            return


async def _grade(ctx: dict[str, Any], state: WorkerState, request: JudgeRequest, events: EventStream) -> JudgeReport:
    worker = state.settings.worker_id
    job_try = int(ctx.get("job_try", 1))
    last_try = job_try >= JUDGE_MAX_TRIES
    try:
        _require_language(state, request.language)
        testset: TestSetData | None = None
        if request.testset_digest:
            testset = await state.testdata.get(request.testset_digest)
        return await grade(
            request,
            testset,
            executor=state.executor,
            events=events,
            slots=state.slots,
            checkers=state.checkers,
            worker=worker,
        )
    except TestDataError as exc:
        SANDBOX_FAULTS.labels(kind="testdata").inc()
        if exc.retryable and not last_try:
            logger.warning("test data for %s unavailable (try %d): %s", request.submission_id, job_try, exc)
            raise Retry(defer=job_try * 2) from exc
        reason = f"test data unavailable: {exc}"
    except (SandboxError, LanguageUnavailableError) as exc:  # the host failed, not the program
        SANDBOX_FAULTS.labels(kind="language" if isinstance(exc, LanguageUnavailableError) else "sandbox").inc()
        if not last_try:
            logger.warning("host fault judging %s (try %d): %s", request.submission_id, job_try, exc)
            raise Retry(defer=job_try) from exc
        reason = f"the judge failed {job_try} times: {exc}"
    logger.error("submission %s ends as IE: %s", request.submission_id, reason)
    report = _internal_error(request, worker, reason, events.last_seq)
    await events.finished(verdict=Verdict.IE, score=0.0, cpu_ms=0, memory_kib=0, message=reason)
    return msgspec.structs.replace(report, last_seq=events.last_seq)


class LanguageUnavailableError(SandboxError):
    """The request's language is not enabled on this worker (its toolchain or self-test failed here)."""


def _require_language(state: WorkerState, language: str) -> None:
    """A known language this worker cannot run is a host fault (another worker may); an unknown one is CE later."""
    try:
        state.executor.language(language)
    except KeyError:
        return
    if language not in state.languages:
        raise LanguageUnavailableError(f"language {language!r} is not enabled on judge {state.settings.worker_id}")


async def judge_submission(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    """Judge one request and enqueue its report (job id ``report:<submission>:<attempt>``)."""
    request = msgspec.convert(payload, JudgeRequest)
    with job_context(submission_id=str(request.submission_id), request_id=request.request_id):
        return await _judge(ctx, request)


async def _judge(ctx: dict[str, Any], request: JudgeRequest) -> str:
    state: WorkerState = ctx["state"]
    redis: ArqRedis = ctx["redis"]
    job_id = str(ctx.get("job_id", ""))
    enqueued = ctx.get("enqueue_time")
    if int(ctx.get("job_try", 1)) == 1 and isinstance(enqueued, datetime):
        PICKUP_SECONDS.labels(kind=request.kind).observe(max(0.0, (datetime.now(UTC) - enqueued).total_seconds()))
    started = time.monotonic()
    lease = lease_key(job_id)
    await redis.set(lease, state.settings.worker_id, ex=state.settings.job_timeout_s + 60)
    events = EventStream(redis, request, worker=state.settings.worker_id)
    state.jobs_running += 1
    try:
        async with state.slots.hold():
            report = await _grade(ctx, state, request, events)
        report = msgspec.structs.replace(report, request_id=request.request_id, language=request.language)
        await _enqueue_report(redis, request, report)
    finally:
        state.jobs_running -= 1
        with contextlib.suppress(RedisError, OSError):
            await redis.delete(lease)
    elapsed = time.monotonic() - started
    state.job_finished(elapsed)
    JUDGE_SECONDS.labels(language=request.language).observe(elapsed)
    JOBS.labels(language=request.language, verdict=report.verdict.value).inc()
    logger.info(
        "judged %s attempt %d: %s %.1f in %.0f ms",
        request.submission_id,
        request.attempt,
        report.verdict.value,
        report.score,
        elapsed * 1000,
    )
    return report.verdict.value
