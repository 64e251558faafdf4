"""Wake tokens (judge_worker.wake): an idle worker starts an enqueued job at once, not at its next poll, and a full
worker starts its next job the moment one of its jobs ends; a token is only ever a hint."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, cast

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import func

from judge_worker.wake import WAKE_TOKENS_KEPT, WakeableWorker, wake, wake_key

pytestmark = pytest.mark.integration

QUEUE = "verdict-wake-test"
NEVER_S = 30.0  # the workers' poll interval: nothing here may wait for it


async def _started(ctx: dict[str, Any], name: str, hold_s: float) -> str:
    ctx["started"].append(name)
    await asyncio.sleep(hold_s)
    return name


@pytest.fixture
async def pool(redis_url: str) -> Any:
    arq = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=QUEUE)
    yield arq
    await arq.aclose()


def _worker(redis_url: str, *, max_jobs: int) -> WakeableWorker:
    return WakeableWorker(
        functions=[func(_started, name="started")],
        queue_name=QUEUE,
        redis_settings=RedisSettings.from_dsn(redis_url),
        poll_delay=NEVER_S,
        max_jobs=max_jobs,
        handle_signals=False,
        ctx={"started": []},
    )


async def _until(predicate: Any, within: float = 5.0) -> None:
    for _ in range(int(within / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {within} s")


async def test_an_enqueue_with_a_token_wakes_an_idle_worker_at_once(redis_url: str, pool: ArqRedis) -> None:
    worker = _worker(redis_url, max_jobs=1)
    running = asyncio.create_task(worker.main())
    try:
        await _until(lambda: worker._pool is not None)
        await asyncio.sleep(0.2)  # the worker's first poll found nothing: it now waits for a token
        await pool.enqueue_job("started", "first", 0.0)
        await wake(pool, QUEUE)
        await _until(lambda: worker.ctx["started"] == ["first"])  # far sooner than the 30 s poll
        assert worker.wakes == 1
    finally:
        running.cancel()
        await worker.close()


async def test_a_full_worker_starts_its_next_job_when_one_ends(redis_url: str, pool: ArqRedis) -> None:
    worker = _worker(redis_url, max_jobs=1)
    running = asyncio.create_task(worker.main())
    try:
        await _until(lambda: worker._pool is not None)
        await pool.enqueue_job("started", "long", 0.3)
        await wake(pool, QUEUE)
        await _until(lambda: worker.ctx["started"] == ["long"])
        await pool.enqueue_job("started", "next", 0.5)
        await wake(pool, QUEUE)  # nobody is idle: the token stays, the full worker does not take it
        await _until(lambda: worker.ctx["started"] == ["long", "next"])
        assert worker.wakes == 1  # "next" started because "long" ended, not by its token
    finally:
        running.cancel()
        await worker.close()


async def test_the_wake_list_stays_small_when_nobody_listens(pool: ArqRedis) -> None:
    for _ in range(WAKE_TOKENS_KEPT * 3):
        await wake(pool, QUEUE)
    assert await cast("Awaitable[int]", pool.llen(wake_key(QUEUE))) == WAKE_TOKENS_KEPT


async def test_a_wake_without_redis_is_not_an_error() -> None:
    unreachable = ArqRedis(host="127.0.0.1", port=1, socket_connect_timeout=1)  # nothing listens on port 1
    try:
        await wake(unreachable, QUEUE)  # the job is enqueued already; a lost token costs one poll interval
    finally:
        await unreachable.aclose()
