"""The fleet view's wait estimate, from the workers' heartbeats and the queue depth."""

from __future__ import annotations

import pytest

from api.domain.system.services import DEFAULT_JOB_SECONDS, estimate_wait_s
from judge_worker.contracts import WorkerHeartbeat


def beat(slots: int, *, running: int = 0, done: int = 0, avg: float = 0.0) -> WorkerHeartbeat:
    return WorkerHeartbeat(id="w", host="h", slots=slots, running=running, jobs_done=done, job_seconds_avg=avg)


def test_no_worker_no_estimate() -> None:
    assert estimate_wait_s([], 5) is None


@pytest.mark.parametrize(
    ("workers", "depth", "wait"),
    [
        ([beat(2)], 0, 0.0),
        ([beat(2)], 1, 0.0),  # a free slot takes it at once
        ([beat(2, running=1, done=10, avg=0.5)], 1, 0.0),  # the queue holds only the running job; a slot is free
        ([beat(2, running=2, done=10, avg=0.5)], 2, 0.5),  # every slot busy: a new job waits one round
        ([beat(2, running=2, done=10, avg=0.5)], 3, 0.5),  # one ahead of it: still the first round
        ([beat(2, running=2, done=10, avg=0.5)], 4, 1.0),  # two ahead: the second round
        # averages are weighted by jobs judged: (2 x 1 + 1 x 3) / 4 = 1.25 s a job
        ([beat(1, running=1, done=1, avg=2.0), beat(1, running=1, done=3, avg=1.0)], 4, 2.5),
        ([beat(4, running=4)], 5, DEFAULT_JOB_SECONDS),
    ],
)
def test_the_estimate_spreads_waiting_jobs_over_the_slots(
    workers: list[WorkerHeartbeat], depth: int, wait: float
) -> None:
    assert estimate_wait_s(workers, depth) == pytest.approx(wait)
