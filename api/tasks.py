"""The ``api-tasks`` arq worker: API-side jobs that need the database (judge reports, the stale-job reaper)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Final

import msgspec
from arq import cron
from arq.worker import run_worker as arq_run_worker
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.submissions.judging import build_judge_request
from api.lib.timeutil import utcnow
from api.logging import configure_logging
from api.queue import JudgeQueue, create_arq_pool, redis_settings
from api.settings import Settings, load_settings
from judge_worker.contracts import API_TASKS_QUEUE

__all__ = ["WorkerSettings", "reap_stale_submissions", "run_worker"]

logger = logging.getLogger("verdict.tasks")
STALE_AFTER: Final = timedelta(minutes=5)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or load_settings()
    ctx["settings"] = settings
    ctx["engine"] = create_engine(settings)
    ctx["sessions"] = session_factory(ctx["engine"])
    ctx["judge_queue"] = JudgeQueue(await create_arq_pool(settings.redis_url))
    logger.info("api-tasks worker started")


async def shutdown(ctx: dict[str, Any]) -> None:
    if "judge_queue" in ctx:
        await ctx["judge_queue"].pool.aclose()
    if "engine" in ctx:
        await ctx["engine"].dispose()


async def reap_stale_submissions(ctx: dict[str, Any], *, older_than: timedelta = STALE_AFTER) -> int:
    """Re-enqueue submissions stuck in ``queued`` or ``judging``.

    The job id is deterministic per attempt, so a job still waiting or running in arq is not duplicated.
    """
    queue: JudgeQueue = ctx["judge_queue"]
    cutoff = utcnow() - older_than
    requeued = 0
    async with ctx["sessions"]() as session:
        stale = await session.scalars(
            select(m.Submission)
            .where(m.Submission.status.in_([m.SubmissionStatus.QUEUED, m.SubmissionStatus.JUDGING]))
            .where(m.Submission.updated_at < cutoff)
            .limit(500)
        )
        for submission in stale:
            problem = await session.get(m.Problem, submission.problem_id) if submission.problem_id else None
            if await queue.enqueue_judge(build_judge_request(submission, problem)):
                requeued += 1
    if requeued:
        logger.warning("re-enqueued %d stale submissions", requeued)
    return requeued


class WorkerSettings:
    functions: list[Any] = []
    cron_jobs = [cron(reap_stale_submissions, second={0, 30}, run_at_startup=True, unique=True, timeout=60)]
    queue_name = API_TASKS_QUEUE
    on_startup = startup
    on_shutdown = shutdown
    poll_delay = 0.05
    max_jobs = 20
    job_serializer = msgspec.msgpack.encode
    job_deserializer = msgspec.msgpack.decode
    health_check_key = "verdict:api-tasks:health"


def run_worker() -> int:
    settings = load_settings()
    if not settings.redis_url:
        raise SystemExit("REDIS_URL must be set for the api-tasks worker (verdict dev sets it for you)")
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    arq_run_worker(WorkerSettings, redis_settings=redis_settings(settings.redis_url), ctx={"settings": settings})  # type: ignore[arg-type]
    return 0
