"""The API's handle on the arq queues: judge requests go to ``judge``, API-side jobs to ``api-tasks``.

Lanes: every judge job goes to the one ``judge`` queue (so the judge workers, the reaper and the fleet view need no
change), and arq starts, whenever a worker has a free slot, the waiting job with the lowest score (its enqueue time
in milliseconds). A lane enqueues with a head start taken off that score: exam submissions first (an hour ahead of
other students' work); students' submissions next; Run on
custom input after every submission enqueued up to 10 s after it (lower priority, never starved); rejudges and
package validation only when no student work waits, so an instructor's rejudge of a whole problem never delays a
student.
"""

from __future__ import annotations

import enum
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.logging import request_id_var, submission_context
from judge_worker.contracts import API_TASKS_QUEUE, JUDGE_QUEUE, JUDGE_SUBMISSION, JudgeRequest
from judge_worker.wake import wake

__all__ = [
    "JudgeQueue",
    "Lane",
    "create_arq_pool",
    "lane_for",
    "lane_of_head_start",
    "redis_settings",
    "worker_redis_settings",
]

logger = logging.getLogger("verdict.queue")


class Lane(enum.Enum):
    EXAM = "exam"  # submissions inside an exam: ahead of every other submission enqueued up to EXAM_AHEAD later
    SUBMIT = "submit"  # students' submissions (and any other kind): first
    RUN = "run"  # Run on custom input and Judge0 runs: behind submissions enqueued up to RUN_DELAY later
    BACKGROUND = "background"  # rejudges, package validation: when no student work waits


RUN_DELAY: Final = timedelta(seconds=10)
EXAM_AHEAD: Final = timedelta(hours=1)
_SUBMIT_HEAD_START: Final = timedelta(days=2)
_HEAD_START: Final = {
    Lane.EXAM: _SUBMIT_HEAD_START + EXAM_AHEAD,
    Lane.SUBMIT: _SUBMIT_HEAD_START,
    Lane.RUN: _SUBMIT_HEAD_START - RUN_DELAY,
    Lane.BACKGROUND: timedelta(0),
}
_JOB_EXPIRES: Final = timedelta(days=1)  # arq's default; given explicitly because the score lies in the past


def lane_of_head_start(head_start_s: float) -> Lane:
    """The lane a queued job was enqueued in, from how far before its enqueue time its queue score lies."""
    return min(_HEAD_START, key=lambda lane: abs(_HEAD_START[lane].total_seconds() - head_start_s))


def lane_for(kind: str) -> Lane:
    # Judge0 ad-hoc runs share Run's lane: an API client with a backlog never delays students' submissions.
    return {"run": Lane.RUN, "judge0": Lane.RUN, "validation": Lane.BACKGROUND}.get(kind, Lane.SUBMIT)


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 2
    settings.conn_retry_delay = 1
    return settings


def worker_redis_settings(url: str) -> RedisSettings:
    """For long-running workers: wait for Redis at start-up, and retry a command across a brief outage."""
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 30
    settings.conn_retry_delay = 1
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    settings.retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=5)
    return settings


async def create_arq_pool(url: str) -> ArqRedis:
    return await create_pool(
        redis_settings(url),
        job_serializer=msgspec.msgpack.encode,
        job_deserializer=msgspec.msgpack.decode,
        default_queue_name=JUDGE_QUEUE,
    )


class JudgeQueue:
    """Enqueues judge requests with a deterministic job id, so one attempt is never judged twice at once."""

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def enqueue_judge(
        self, request: JudgeRequest, *, queue_name: str = JUDGE_QUEUE, lane: Lane | None = None
    ) -> bool:
        """Enqueue in ``lane`` (default: by the request's kind; see the module's docstring)."""
        if not request.request_id and (request_id := request_id_var.get()):
            request = msgspec.structs.replace(request, request_id=request_id)
        head_start = _HEAD_START[lane or lane_for(request.kind)]
        timing: dict[str, Any] = {}
        if head_start:
            timing = {"_defer_until": datetime.now(UTC) - head_start, "_expires": _JOB_EXPIRES}
        job = await self.pool.enqueue_job(
            JUDGE_SUBMISSION,
            msgspec.to_builtins(request),
            _job_id=f"judge:{request.submission_id}:{request.attempt}",
            _queue_name=queue_name,
            **timing,
        )
        if job is not None:
            await wake(self.pool, queue_name)
        with submission_context(str(request.submission_id)):
            logger.info("enqueued attempt %d (%s) in the judge queue", request.attempt, request.kind)
        return job is not None

    async def enqueue_task(self, function: str, *args: Any, job_id: str | None = None) -> bool:
        job = await self.pool.enqueue_job(function, *args, _job_id=job_id, _queue_name=API_TASKS_QUEUE)
        if job is not None:
            await wake(self.pool, API_TASKS_QUEUE)
        return job is not None

    async def depth(self, queue_name: str = JUDGE_QUEUE) -> int:
        return int(await self.pool.zcard(queue_name))
