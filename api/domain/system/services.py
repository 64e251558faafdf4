"""Health of the parts the API depends on: the database, Redis and the judge fleet."""

from __future__ import annotations

import time

import msgspec
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from judge_worker.contracts import HEARTBEAT_KEY_PREFIX, JUDGE_QUEUE, WorkerHeartbeat

__all__ = [
    "DEFAULT_JOB_SECONDS",
    "check_database",
    "check_redis",
    "estimate_start_s",
    "estimate_wait_s",
    "list_workers",
    "queue_depth",
]

_heartbeat_decoder = msgspec.json.Decoder(WorkerHeartbeat)
DEFAULT_JOB_SECONDS = 1.0  # a judge job's time until the fleet has measured its own


async def check_database(engine: AsyncEngine) -> str | None:
    """None when the database answers, else why not."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


async def check_redis(redis: Redis) -> str | None:
    try:
        await redis.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


async def list_workers(redis: Redis) -> list[WorkerHeartbeat]:
    """Live judge workers: each keeps its heartbeat key alive with a TTL, so a dead one disappears."""
    keys = [key async for key in redis.scan_iter(match=f"{HEARTBEAT_KEY_PREFIX}*", count=200)]
    if not keys:
        return []
    workers: list[WorkerHeartbeat] = []
    for raw in await redis.mget(keys):
        if raw is None:
            continue
        try:
            workers.append(_heartbeat_decoder.decode(raw))
        except msgspec.DecodeError:
            continue
    now = time.time()
    return sorted((w for w in workers if now - w.last_seen < 120), key=lambda w: w.id)


async def queue_depth(redis: Redis, queue_name: str = JUDGE_QUEUE) -> int:
    return int(await redis.zcard(queue_name))


def estimate_wait_s(workers: list[WorkerHeartbeat], depth: int) -> float | None:
    """Seconds before a job enqueued now starts, with ``depth`` jobs in the queue (arq keeps a running job in the
    queue until it ends, so the running ones are taken off). None: no worker."""
    running = sum(w.running for w in workers)
    return estimate_start_s(workers, max(0, depth - running))


def estimate_start_s(
    workers: list[WorkerHeartbeat], ahead: int, *, default_job_s: float | None = DEFAULT_JOB_SECONDS
) -> float | None:
    """Seconds before a waiting job starts with ``ahead`` jobs waiting before it. It needs ``ahead + 1`` slots
    to free up, less those free now; with every slot busy the fleet frees one every ``job_s / slots`` on average
    (the fleet's measured average judging time, weighted by how many jobs each worker judged), and the first one
    half of that from now: (needed - 1/2) x job_s / slots. None: no worker, or none has judged a job yet and
    ``default_job_s`` is None (a student is shown no estimate rather than a guessed one)."""
    slots = sum(w.slots for w in workers)
    if slots == 0:
        return None
    measured = [(w.job_seconds_avg, w.jobs_done) for w in workers if w.jobs_done > 0]
    total = sum(done for _, done in measured)
    job_s = sum(avg * done for avg, done in measured) / total if total else default_job_s
    if job_s is None:
        return None
    running = sum(w.running for w in workers)
    needed = ahead + 1 - max(0, slots - running)
    if needed <= 0:
        return 0.0
    return round((needed - 0.5) * job_s / slots, 1)
