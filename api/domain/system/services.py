"""Health of the parts the API depends on: the database, Redis and the judge fleet."""

from __future__ import annotations

import time

import msgspec
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from judge_worker.contracts import HEARTBEAT_KEY_PREFIX, JUDGE_QUEUE, WorkerHeartbeat

__all__ = ["check_database", "check_redis", "list_workers", "queue_depth"]

_heartbeat_decoder = msgspec.json.Decoder(WorkerHeartbeat)


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
