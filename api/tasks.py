"""The ``api-tasks`` arq worker: API-side jobs that need the database (judge reports, the stale-job reaper)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

import msgspec
from arq import Retry, cron, func
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, result_key_prefix
from arq.jobs import Job, JobStatus
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, WatchError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.ai_grading.jobs import ai_grading_functions
from api.domain.assessments.lanes import exam_submission_ids, requeue_lane
from api.domain.assessments.visibility import owner_hidden_until
from api.domain.courses.roster_jobs import IMPORT_ROSTER, import_roster
from api.domain.judge0.tasks import enqueue_judge0_callback, judge0_cron_jobs, judge0_functions
from api.domain.live.events import install_bus
from api.domain.lti.ags import ags_cron_jobs, ags_functions
from api.domain.notifications.hooks import submission_judged
from api.domain.notifications.tasks import notification_cron_jobs
from api.domain.scanning.tasks import enqueue_scan_after_judging, scanning_functions
from api.domain.similarity.tasks import similarity_functions
from api.domain.submissions.judging import (
    finalize_internal_error,
    publish_final,
    rebuild_judge_request,
    record_report,
)
from api.domain.system.metrics import count_verdict
from api.lib.timeutil import utcnow
from api.logging import configure_logging, submission_context
from api.queue import JudgeQueue, create_arq_pool, worker_redis_settings
from api.settings import Settings, load_settings
from judge_worker.contracts import (
    API_TASKS_QUEUE,
    JUDGE_QUEUE,
    LEASE_KEY_PREFIX,
    RECORD_JUDGE_REPORT,
    JudgeReport,
    heartbeat_key,
)
from judge_worker.wake import WakeableWorker

__all__ = [
    "FINAL_SEQ_WITHOUT_REPORT",
    "REDIS_MARK_KEY",
    "WorkerSettings",
    "judge_job_id",
    "reap_stale_submissions",
    "record_judge_report",
    "release_orphaned_jobs",
    "release_report_jobs",
    "report_job_id",
    "run_worker",
]

logger = logging.getLogger("verdict.tasks")
STALE_AFTER: Final = timedelta(minutes=5)
REAP_BATCH: Final = 500
# Kept in Redis by the reaper; its absence means Redis lost its data, and with it every queued and running job.
REDIS_MARK_KEY: Final = "verdict:redis:since"
REQUEUE_COUNT_TTL_S: Final = 7 * 24 * 3600
# The authoritative final event of a submission the reaper ends as IE: no worker events to follow, and far above
# any worker's sequence numbers, so a client de-duplicating by (attempt, seq) never drops it.
FINAL_SEQ_WITHOUT_REPORT: Final = 1 << 30
_ALIVE: Final = frozenset({JobStatus.queued, JobStatus.deferred, JobStatus.in_progress})


def judge_job_id(submission_id: UUID | str, attempt: int) -> str:
    return f"judge:{submission_id}:{attempt}"


def report_job_id(submission_id: UUID | str, attempt: int) -> str:
    return f"report:{submission_id}:{attempt}"


def _requeue_key(submission_id: UUID | str, attempt: int) -> str:
    return f"verdict:requeues:{submission_id}:{attempt}"


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or load_settings()
    ctx["settings"] = settings
    ctx["engine"] = create_engine(settings)
    ctx["sessions"] = session_factory(ctx["engine"])
    ctx["judge_queue"] = JudgeQueue(await create_arq_pool(settings.redis_url))
    install_bus(ctx["redis"])  # live events committed here (notifications) reach the API replicas' sockets
    await release_report_jobs(ctx["redis"])
    logger.info("api-tasks worker started")


async def shutdown(ctx: dict[str, Any]) -> None:
    if "judge_queue" in ctx:
        await ctx["judge_queue"].pool.aclose()
    if "engine" in ctx:
        await ctx["engine"].dispose()


async def record_judge_report(ctx: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Write a judge report (idempotent; a stale attempt is ignored), then publish the authoritative final event.

    Returns whether this delivery recorded it. A database outage retries the job; a bad payload is a bug and fails.
    """
    report = msgspec.convert(payload, JudgeReport)
    with submission_context(str(report.submission_id), report.request_id):
        return await _record(ctx, report)


async def _record(ctx: dict[str, Any], report: JudgeReport) -> bool:
    try:
        async with ctx["sessions"]() as session:
            submission = await record_report(session, report)
            hidden_until = await owner_hidden_until(session, submission) if submission is not None else None
    except (OperationalError, InterfaceError, OSError) as exc:
        logger.warning("recording the report of %s failed, will retry: %s", report.submission_id, exc)
        raise Retry(defer=min(30, 2 ** int(ctx.get("job_try", 1)))) from exc
    if submission is None:
        logger.info("report of %s attempt %d ignored (stale)", report.submission_id, report.attempt)
        return False
    logger.info(
        "recorded %s attempt %d: %s from %s", report.submission_id, report.attempt, report.verdict, report.worker
    )
    with contextlib.suppress(RedisError, OSError):
        await count_verdict(ctx["redis"], report.verdict.value, report.language or submission.language)
    await publish_final(ctx["redis"], submission, seq=report.last_seq + 1, hidden_until=hidden_until)
    await submission_judged(ctx["sessions"], submission)  # the author's notification (live toast, bell)
    await enqueue_judge0_callback(ctx["redis"], submission)  # a Judge0 submission's callback_url, if it has one
    await enqueue_scan_after_judging(ctx, submission)  # a scanned code question's static checks
    return True


async def release_report_jobs(redis: ArqRedis) -> int:
    """At start-up: free the report jobs marked in progress. After an api-tasks worker was killed, arq would hold
    them until its in-progress timeout (a minute and more) and the results would wait that long; recording is
    idempotent, so should another worker still be running one, running it twice changes nothing."""
    released = 0
    async for raw_key in redis.scan_iter(match=f"{in_progress_key_prefix}report:*", count=500):
        released += int(await redis.delete(raw_key))
    if released:
        logger.warning("released %d report job(s) left in progress by a stopped api-tasks worker", released)
    return released


async def release_orphaned_jobs(redis: ArqRedis) -> int:
    """Free the judge jobs of workers whose heartbeat expired (killed, host lost), so a live worker takes them at
    once instead of after arq's in-progress timeout (the job timeout plus 10 s)."""
    released = 0
    async for raw_key in redis.scan_iter(match=f"{LEASE_KEY_PREFIX}*", count=500):
        key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
        job_id = key[len(LEASE_KEY_PREFIX) :]
        worker = await redis.get(key)
        if worker is None:
            continue
        if await redis.exists(heartbeat_key(worker.decode())):
            continue
        # Delete the lease first: were the worker to come back, its job still runs to the end (and its report is
        # recorded once); meanwhile another worker may take the job, which is the point.
        await redis.delete(key, in_progress_key_prefix + job_id)
        released += 1
        logger.warning("worker %s is gone; released its job %s", worker.decode(), job_id)
    return released


async def _job_status(redis: ArqRedis, job_id: str, queue_name: str) -> tuple[JobStatus, bool | None]:
    """A job's status, and for a finished one whether it succeeded (None when unknown)."""
    job = Job(job_id, redis, _queue_name=queue_name, _deserializer=msgspec.msgpack.decode)
    status = await job.status()
    if status is not JobStatus.complete:
        return status, None
    info = await job.result_info()
    return status, None if info is None else bool(info.success)


async def _redis_lost_its_data(redis: ArqRedis) -> bool:
    """Whether Redis has lost its data since the last look (restarted without persistence, flushed, replaced, or
    never marked yet): the marker the reaper keeps there is gone. It is put back now, so this answers True once."""
    return bool(await redis.set(REDIS_MARK_KEY, utcnow().isoformat(), nx=True))


async def reap_stale_submissions(ctx: dict[str, Any], *, older_than: timedelta | None = None) -> int:
    """Make sure every submission reaches a final state, whatever crashed.

    A submission still ``queued`` or ``judging`` past the deadline is looked at: if its judge job or report job is
    still queued or running it is left alone; if its judge job failed for good (a bug, or the worker died on it
    every try) it ends as ``IE`` with the reason; otherwise (the job was lost, e.g. with Redis, or its report
    never arrived) it is enqueued again, at most ``judge_max_requeues`` times, after which it ends as ``IE``.

    When Redis has lost its data (see :func:`_redis_lost_its_data`) every job went with it: then the deadline is
    now, and every unfinished submission is looked at at once (in batches), not after the deadline.
    Returns how many submissions were re-enqueued or ended.
    """
    settings: Settings = ctx["settings"]
    redis: ArqRedis = ctx["redis"]
    await release_orphaned_jobs(redis)
    recovering = older_than is None and await _redis_lost_its_data(redis)
    deadline = older_than if older_than is not None else timedelta(seconds=settings.judge_reap_after_s)
    cutoff = utcnow() if recovering else utcnow() - deadline
    if recovering:
        logger.warning("Redis has no judge state (restarted empty?): looking at every unfinished submission now")
    handled = 0
    after: tuple[datetime, UUID] | None = None
    try:
        while True:
            async with ctx["sessions"]() as session:
                query = (
                    select(m.Submission)
                    .where(m.Submission.status.in_([m.SubmissionStatus.QUEUED, m.SubmissionStatus.JUDGING]))
                    .where(m.Submission.updated_at < cutoff)
                )
                if after is not None:
                    seen_at, seen_id = after
                    query = query.where(
                        or_(
                            m.Submission.updated_at > seen_at,
                            and_(m.Submission.updated_at == seen_at, m.Submission.id > seen_id),
                        )
                    )
                stale = list(
                    await session.scalars(query.order_by(m.Submission.updated_at, m.Submission.id).limit(REAP_BATCH))
                )
                if stale:
                    after = (stale[-1].updated_at, stale[-1].id)  # before handling moves updated_at
                handled += await _reap(ctx, session, stale)
                await session.commit()
            if not recovering or len(stale) < REAP_BATCH:
                break
    except BaseException:
        if recovering:  # look again next time
            with contextlib.suppress(Exception):
                await redis.delete(REDIS_MARK_KEY)
        raise
    if recovering:
        logger.warning("recovery after Redis lost its data: %d submission(s) enqueued again or ended", handled)
    return handled


async def _reap(ctx: dict[str, Any], session: AsyncSession, stale: list[m.Submission]) -> int:
    settings: Settings = ctx["settings"]
    redis: ArqRedis = ctx["redis"]
    queue: JudgeQueue = ctx["judge_queue"]
    handled = 0
    plans: list[tuple[m.Submission, str | None]] = []
    for submission in stale:
        judge_id = judge_job_id(submission.id, submission.attempt)
        report_id = report_job_id(submission.id, submission.attempt)
        judge_status, judge_ok = await _job_status(redis, judge_id, JUDGE_QUEUE)
        report_status, _ = await _job_status(redis, report_id, API_TASKS_QUEUE)
        if judge_status in _ALIVE or report_status in _ALIVE:
            continue
        if judge_ok is False:
            plans.append((submission, "the judge failed on every try (see the judge worker's log)"))
            continue
        requeues = int(await redis.incr(_requeue_key(submission.id, submission.attempt)))
        await redis.expire(_requeue_key(submission.id, submission.attempt), REQUEUE_COUNT_TTL_S)
        if requeues > settings.judge_max_requeues:
            plans.append((submission, f"judging did not finish after {requeues - 1} re-enqueues"))
            continue
        plans.append((submission, None))
    exams = await exam_submission_ids(session, (s.id for s, reason in plans if reason is None))
    for submission, reason in plans:
        if reason is not None:
            handled += await _end(ctx, submission, reason)
            continue
        request = await rebuild_judge_request(session, submission, settings)
        if request is None:
            handled += await _end(ctx, submission, "the judge job was lost and cannot be rebuilt")
            continue
        # The finished jobs' results would make arq refuse the same job id: they are dead, drop them.
        await redis.delete(
            result_key_prefix + judge_job_id(submission.id, submission.attempt),
            result_key_prefix + report_job_id(submission.id, submission.attempt),
        )
        if await queue.enqueue_judge(request, lane=requeue_lane(submission, exams)):
            submission.updated_at = utcnow()  # the next look is a whole deadline away
            handled += 1
            logger.warning("re-enqueued stale submission %s (attempt %d)", submission.id, submission.attempt)
    return handled


async def _end(ctx: dict[str, Any], submission: m.Submission, reason: str) -> int:
    async with ctx["sessions"]() as session:
        ended = await finalize_internal_error(session, submission.id, reason)
        hidden_until = await owner_hidden_until(session, ended) if ended is not None else None
    if ended is None:
        return 0
    await publish_final(ctx["redis"], ended, seq=FINAL_SEQ_WITHOUT_REPORT, hidden_until=hidden_until)
    return 1


IDLE_POLL_S: Final = 0.1


class ResilientWorker(WakeableWorker):
    """An arq worker that outlives a Redis outage: a poll that fails on the connection is logged and tried again
    (arq's own loop would end the process), and jobs resume once Redis is back."""

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (RedisConnectionError, RedisTimeoutError, WatchError, ConnectionError, OSError) as exc:
            logger.warning("Redis unreachable (%s); retrying", exc)
            await asyncio.sleep(0.5)


def _functions() -> list[Any]:
    return [
        func(record_judge_report, name=RECORD_JUDGE_REPORT, max_tries=20, timeout=60, keep_result=3600),
        *judge0_functions(),
        *similarity_functions(),
        *ai_grading_functions(),
        *ags_functions(),
        *scanning_functions(),
        func(import_roster, name=IMPORT_ROSTER, max_tries=1, timeout=600, keep_result=3600),
    ]


class WorkerSettings:
    functions: list[Any] = _functions()
    cron_jobs = [
        cron(reap_stale_submissions, second={0, 30}, run_at_startup=True, unique=True, timeout=60),
        *judge0_cron_jobs(),
        *notification_cron_jobs(),
        *ags_cron_jobs(),
    ]
    queue_name = API_TASKS_QUEUE
    on_startup = startup
    on_shutdown = shutdown
    poll_delay = 0.02
    max_jobs = 20
    job_serializer = msgspec.msgpack.encode
    job_deserializer = msgspec.msgpack.decode
    health_check_key = "verdict:api-tasks:health"


def _reaper_seconds(interval_s: int) -> set[int]:
    interval = max(1, min(60, interval_s))
    return set(range(0, 60, interval))


def run_worker() -> int:
    settings = load_settings()
    if not settings.redis_url:
        raise SystemExit("REDIS_URL must be set for the api-tasks worker (verdict dev sets it for you)")
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    reaper = cron(
        reap_stale_submissions,
        second=_reaper_seconds(settings.judge_reap_interval_s),
        run_at_startup=True,
        unique=True,
        timeout=60,
        keep_result=0,
    )
    worker = ResilientWorker(
        functions=WorkerSettings.functions,
        cron_jobs=[reaper, *judge0_cron_jobs(), *notification_cron_jobs(), *ags_cron_jobs()],
        queue_name=WorkerSettings.queue_name,
        on_startup=startup,
        on_shutdown=shutdown,
        poll_delay=IDLE_POLL_S,  # woken at once by each enqueue that sends a token (judge_worker.wake)
        max_jobs=WorkerSettings.max_jobs,
        job_serializer=WorkerSettings.job_serializer,
        job_deserializer=WorkerSettings.job_deserializer,
        health_check_key=WorkerSettings.health_check_key,
        redis_settings=worker_redis_settings(settings.redis_url),
        ctx={"settings": settings},
    )
    worker.run()
    return 0
