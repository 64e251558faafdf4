"""The autoscaler's decision: slots for what runs plus what waits, within the target wait, clamped, no flapping."""

from __future__ import annotations

import pytest

from api.domain.fleet.services import FleetError, check_worker_count, desired_workers
from api.domain.system.lanes import LaneStats, QueueStats
from judge_worker.contracts import WorkerHeartbeat


def stats(running: int, submit: int = 0, run: int = 0, background: int = 0, oldest: float = 0.0) -> QueueStats:
    lanes = [
        LaneStats(lane="submit", waiting=submit, oldest_wait_s=oldest, estimated_wait_s=0.0),
        LaneStats(lane="run", waiting=run, oldest_wait_s=0.0, estimated_wait_s=0.0),
        LaneStats(lane="background", waiting=background, oldest_wait_s=0.0, estimated_wait_s=0.0),
    ]
    return QueueStats(depth=running + submit + run + background, running=running, lanes=lanes)


def fleet(n: int, job_s: float = 2.0) -> list[WorkerHeartbeat]:
    return [WorkerHeartbeat(id=f"w{i}", host="h", slots=2, jobs_done=10, job_seconds_avg=job_s) for i in range(n)]


@pytest.mark.parametrize(
    ("queue", "current", "expected"),
    [
        (stats(0), 2, 1),  # idle: shrink one step at a time
        (stats(0), 1, 1),  # never below --min
        (stats(4, submit=0), 2, 2),  # busy, nothing waiting: keep
        (stats(4, submit=60), 2, 4),  # 60 jobs x 2 s within 30 s: 4 more slots -> 8 slots -> 4 workers
        (stats(4, submit=600), 2, 10),  # clamped to --max
        (stats(2, submit=1, oldest=45.0), 2, 3),  # a job waited beyond the target: one more
        (stats(0, background=2), 3, 3),  # something waits: do not shrink
    ],
)
def test_desired_workers(queue: QueueStats, current: int, expected: int) -> None:
    decision = desired_workers(
        queue, fleet(current), current=current, slots_per_worker=2, minimum=1, maximum=10, target_wait_s=30
    )
    assert decision.workers == expected, decision.reason
    assert decision.reason


def test_bad_limits_are_refused() -> None:
    with pytest.raises(FleetError, match="need 0 <= min <= max"):
        desired_workers(stats(0), [], current=0, slots_per_worker=1, minimum=3, maximum=2)
    with pytest.raises(FleetError, match="beyond the limit of 8"):
        check_worker_count(9, 8)
    with pytest.raises(FleetError, match="cannot have -2"):
        check_worker_count(-2, 8)
    with pytest.raises(FleetError, match="between 1 and 256"):
        check_worker_count(1, 1000)
