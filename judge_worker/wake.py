"""Waking an idle arq worker when a job is enqueued, instead of at its next poll.

arq finds work by polling its queue (a sorted set). A short poll interval makes pickup fast but costs Redis a
command per worker per interval, which at fleet scale (hundreds of workers) is most of Redis's load. So whoever
enqueues a job also pushes a token onto the queue's wake list (``wake``), and a worker with a free slot waits
for one with ``BLPOP`` (``WakeableWorker``): Redis hands each token to exactly one waiting worker, which polls at
once. A worker polls anyway every ``poll_delay`` (for delayed jobs, retries and enqueuers that send no token), and
a full worker polls the moment one of its jobs ends, so a queued job never waits for the next interval.

A token is a hint, never a job: a lost one (Redis restarted, an enqueuer without ``wake``) costs at most one poll
interval, and a stale one (nobody was idle) one empty poll. The list keeps at most ``WAKE_TOKENS_KEPT``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Final

from arq.worker import Worker
from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["WAKE_TOKENS_KEPT", "WakeableWorker", "wake", "wake_key"]

WAKE_TOKENS_KEPT: Final = 64


def wake_key(queue_name: str) -> str:
    return f"verdict:wake:{queue_name}"


async def wake(redis: Redis, queue_name: str) -> None:
    """After enqueueing to ``queue_name``: let one idle worker of that queue poll now. Best effort: the job is
    enqueued already, and without the token a worker finds it at its next poll."""
    key = wake_key(queue_name)
    with contextlib.suppress(RedisError, OSError):
        async with redis.pipeline(transaction=False) as pipe:
            pipe.lpush(key, b"1")
            pipe.ltrim(key, 0, WAKE_TOKENS_KEPT - 1)
            await pipe.execute()


class WakeableWorker(Worker):
    """An arq worker that waits between polls for a wake token (while it has a free slot) or for one of its jobs
    to end (while it has none), at most ``poll_delay`` either way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle_poll_s = self.poll_delay_s
        self.poll_delay_s = 0.0  # arq's own loop no longer sleeps: ``_poll_iteration`` ends with the wait
        self._job_ended = asyncio.Event()
        self.wakes = 0  # polls started by a token (for tests and the metrics)

    def _release_sem_dec_counter_on_complete(self) -> None:
        super()._release_sem_dec_counter_on_complete()
        self._job_ended.set()

    async def _poll_iteration(self) -> None:
        self._job_ended.clear()
        await super()._poll_iteration()
        await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        if self._job_ended.is_set():  # a slot came free during the poll: look for the next job now
            return
        if self.allow_pick_jobs and self.job_counter < self.max_jobs:
            # a draining or full worker never takes a token: another worker may be idle
            # BLPOP takes a fractional timeout (Redis 6 and later; redis-py's signature says int)
            popped = await self.pool.execute_command(  # type: ignore[no-untyped-call]  # untyped in redis-py 5
                "BLPOP", wake_key(self.queue_name), self.idle_poll_s
            )
            if popped is not None:
                self.wakes += 1
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._job_ended.wait(), self.idle_poll_s)
