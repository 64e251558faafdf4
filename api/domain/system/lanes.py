"""The judge queue seen per lane: how many jobs wait in each, how long the oldest has waited, the estimated wait.

Every judge job sits in the one ``judge`` queue (see :mod:`api.queue`); its lane follows from how far its queue
score lies before its enqueue time (each lane's head start, :func:`api.queue.lane_of_head_start`). A job arq is
running stays in the queue until it ends, so jobs with an ``arq:in-progress:<id>`` key count as running, not waiting.
"""

from __future__ import annotations

import time
from typing import Any, Final

import msgspec
from redis.asyncio import Redis

from api.domain.system.services import estimate_wait_s
from api.queue import Lane, lane_of_head_start
from judge_worker.contracts import JUDGE_QUEUE, WorkerHeartbeat

__all__ = ["MAX_SCANNED_JOBS", "LaneStats", "QueueStats", "queue_stats"]

MAX_SCANNED_JOBS: Final = 20_000  # a scrape reads at most this many job records (the oldest first)
_JOB_PREFIX: Final = "arq:job:"
_IN_PROGRESS_PREFIX: Final = "arq:in-progress:"
_LANES_AHEAD: Final = {  # which lanes' waiting jobs start before a job enqueued now in this lane
    Lane.EXAM: (Lane.EXAM,),
    Lane.SUBMIT: (Lane.EXAM, Lane.SUBMIT),
    Lane.RUN: (Lane.EXAM, Lane.SUBMIT, Lane.RUN),
    Lane.BACKGROUND: (Lane.EXAM, Lane.SUBMIT, Lane.RUN, Lane.BACKGROUND),
}


class LaneStats(msgspec.Struct, kw_only=True, rename="camel"):
    lane: str
    waiting: int
    oldest_wait_s: float  # how long the longest-waiting job of this lane has waited (0 when none waits)
    estimated_wait_s: float | None  # before a job enqueued now in this lane starts (None: no judge is alive)


class QueueStats(msgspec.Struct, kw_only=True, rename="camel"):
    depth: int  # every job in the queue, running ones included
    running: int
    lanes: list[LaneStats]

    def lane(self, lane: Lane) -> LaneStats:
        return next(stats for stats in self.lanes if stats.lane == lane.value)


def _enqueued_s(raw: bytes | None) -> float | None:
    if raw is None:
        return None
    try:
        job: Any = msgspec.msgpack.decode(raw)
        return float(job["et"]) / 1000
    except (msgspec.DecodeError, KeyError, TypeError, ValueError):
        return None


async def queue_stats(redis: Redis, workers: list[WorkerHeartbeat], queue_name: str = JUDGE_QUEUE) -> QueueStats:
    depth = int(await redis.zcard(queue_name))
    scored: list[tuple[bytes, float]] = await redis.zrange(queue_name, 0, MAX_SCANNED_JOBS - 1, withscores=True)
    ids = [raw.decode() for raw, _score in scored]
    waiting: dict[Lane, int] = dict.fromkeys(Lane, 0)
    oldest: dict[Lane, float] = {}
    running = 0
    now = time.time()
    if ids:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.mget([_JOB_PREFIX + job_id for job_id in ids])
            pipe.mget([_IN_PROGRESS_PREFIX + job_id for job_id in ids])
            jobs, in_progress = await pipe.execute()
        for (_id, score), raw, busy in zip(scored, jobs, in_progress, strict=True):
            if busy is not None:
                running += 1
                continue
            enqueued = _enqueued_s(raw)
            if enqueued is None:
                continue
            lane = lane_of_head_start(enqueued - score / 1000)
            waiting[lane] += 1
            oldest[lane] = min(oldest.get(lane, enqueued), enqueued)
    lanes = [
        LaneStats(
            lane=lane.value,
            waiting=waiting[lane],
            oldest_wait_s=round(max(0.0, now - oldest[lane]), 3) if lane in oldest else 0.0,
            estimated_wait_s=estimate_wait_s(workers, running + sum(waiting[a] for a in _LANES_AHEAD[lane])),
        )
        for lane in Lane
    ]
    return QueueStats(depth=depth, running=running, lanes=lanes)
