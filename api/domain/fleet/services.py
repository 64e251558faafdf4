"""Drain and autoscale, independent of where workers run (plain processes, Docker containers, Kubernetes pods).

Draining is a request in Redis (``drain_key(worker_id)``) that the worker itself acts on: it takes no new job,
finishes the running ones (their reports enqueued), removes its heartbeat and exits with status 0. A job it never
took stays in the queue for the others, so nothing is lost; when Redis is unreachable the request fails with a
clear error and nothing changes.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.domain.system.lanes import QueueStats
from api.domain.system.services import DEFAULT_JOB_SECONDS, list_workers
from judge_worker.contracts import WorkerHeartbeat, drain_key

__all__ = [
    "DRAIN_REQUEST_TTL_S",
    "FleetError",
    "ScaleDecision",
    "check_worker_count",
    "desired_workers",
    "request_drain",
    "wait_drained",
]

DRAIN_REQUEST_TTL_S: Final = 24 * 3600  # a request nobody acted on (the worker died) does not linger for ever


class FleetError(RuntimeError):
    """An operation on the fleet that cannot be done; the message says why and what to do."""


HARD_MAX_WORKERS: Final = 256


def check_worker_count(count: int, maximum: int) -> None:
    """A fleet size an operator may ask for: 0..maximum (itself at most 256)."""
    if not 1 <= maximum <= HARD_MAX_WORKERS:
        raise FleetError(f"--max-workers must be between 1 and {HARD_MAX_WORKERS}, got {maximum}")
    if count < 0:
        raise FleetError(f"a fleet cannot have {count} workers")
    if count > maximum:
        raise FleetError(f"{count} workers is beyond the limit of {maximum} (raise --max-workers, at most 256)")


async def request_drain(redis: Redis, worker_id: str) -> WorkerHeartbeat:
    """Ask one live worker to drain. Raises :class:`FleetError` for an unknown worker or when Redis is down."""
    try:
        workers = {w.id: w for w in await list_workers(redis)}
        if worker_id not in workers:
            known = ", ".join(sorted(workers)) or "none"
            raise FleetError(f"no live judge worker {worker_id!r} (live workers: {known})")
        await redis.set(drain_key(worker_id), str(time.time()), ex=DRAIN_REQUEST_TTL_S)
    except (RedisError, OSError) as exc:
        raise FleetError(f"Redis is unreachable, nothing was drained: {exc}") from exc
    return workers[worker_id]


async def wait_drained(redis: Redis, worker_id: str, *, within: float, poll_s: float = 0.5) -> bool:
    """True once the worker's heartbeat is gone (it finished its jobs and exited); False after ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if worker_id not in {w.id for w in await list_workers(redis)}:
                return True
        except (RedisError, OSError) as exc:
            raise FleetError(f"Redis became unreachable while waiting for {worker_id} to drain: {exc}") from exc
        await asyncio.sleep(poll_s)
    return False


@dataclass(frozen=True)
class ScaleDecision:
    workers: int
    reason: str


def desired_workers(
    stats: QueueStats,
    workers: list[WorkerHeartbeat],
    *,
    current: int,
    slots_per_worker: int,
    minimum: int,
    maximum: int,
    target_wait_s: float = 30.0,
) -> ScaleDecision:
    """How many judge workers the queue needs: enough slots for the running jobs plus those that let every waiting
    job start within ``target_wait_s`` (at the fleet's measured job time), clamped to [minimum, maximum]. Shrinks
    by at most one worker per decision, and only when nothing waits, so a burst is not answered by flapping."""
    if not 0 <= minimum <= maximum:
        raise FleetError(f"--min {minimum} and --max {maximum}: need 0 <= min <= max")
    measured = [(w.job_seconds_avg, w.jobs_done) for w in workers if w.jobs_done > 0]
    done = sum(n for _, n in measured)
    job_s = sum(avg * n for avg, n in measured) / done if done else DEFAULT_JOB_SECONDS
    waiting = sum(lane.waiting for lane in stats.lanes)
    slots = stats.running + math.ceil(waiting * job_s / max(target_wait_s, 0.1))
    need = math.ceil(slots / max(1, slots_per_worker))
    oldest = max((lane.oldest_wait_s for lane in stats.lanes), default=0.0)
    if oldest > target_wait_s and need <= current:
        need = current + 1
        reason = f"the oldest job has waited {oldest:.0f} s (> {target_wait_s:.0f} s)"
    else:
        reason = f"{stats.running} running, {waiting} waiting at ~{job_s:.1f} s a job"
    if need < current:
        need = current - 1 if waiting == 0 else current
    clamped = min(maximum, max(minimum, need))
    if clamped != need:
        reason += f"; clamped to [{minimum}, {maximum}]"
    return ScaleDecision(workers=clamped, reason=reason)
