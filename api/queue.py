"""The API's handle on the arq queues: judge requests go to ``judge``, API-side jobs to ``api-tasks``."""

from __future__ import annotations

from typing import Any

import msgspec
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from judge_worker.contracts import API_TASKS_QUEUE, JUDGE_QUEUE, JUDGE_SUBMISSION, JudgeRequest

__all__ = ["JudgeQueue", "create_arq_pool", "redis_settings", "worker_redis_settings"]


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

    async def enqueue_judge(self, request: JudgeRequest, *, queue_name: str = JUDGE_QUEUE) -> bool:
        job = await self.pool.enqueue_job(
            JUDGE_SUBMISSION,
            msgspec.to_builtins(request),
            _job_id=f"judge:{request.submission_id}:{request.attempt}",
            _queue_name=queue_name,
        )
        return job is not None

    async def enqueue_task(self, function: str, *args: Any, job_id: str | None = None) -> bool:
        job = await self.pool.enqueue_job(function, *args, _job_id=job_id, _queue_name=API_TASKS_QUEUE)
        return job is not None

    async def depth(self, queue_name: str = JUDGE_QUEUE) -> int:
        return int(await self.pool.zcard(queue_name))
