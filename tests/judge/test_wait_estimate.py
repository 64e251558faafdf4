"""The fleet view's wait estimate, from the workers' heartbeats and the queue depth."""

from __future__ import annotations

import pytest

from api.domain.system.services import DEFAULT_JOB_SECONDS, estimate_start_s, estimate_wait_s
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
        # every slot busy: a slot frees every 0.5 / 2 s on average, the first half of that from now
        ([beat(2, running=2, done=10, avg=0.5)], 2, 0.1),  # (1 - 1/2) x 0.25 = 0.125
        ([beat(2, running=2, done=10, avg=0.5)], 3, 0.4),  # one ahead: (2 - 1/2) x 0.25 = 0.375
        ([beat(2, running=2, done=10, avg=0.5)], 4, 0.6),  # two ahead: (3 - 1/2) x 0.25 = 0.625
        ([beat(2, running=2, done=10, avg=0.5)], 42, 10.1),  # 40 ahead: (41 - 1/2) x 0.25 = 10.125 -> 10.1
        # averages are weighted by jobs judged: (2 x 1 + 1 x 3) / 4 = 1.25 s a job; two ahead, two slots
        ([beat(1, running=1, done=1, avg=2.0), beat(1, running=1, done=3, avg=1.0)], 4, 1.6),
        ([beat(4, running=4)], 5, round(1.5 * DEFAULT_JOB_SECONDS / 4, 1)),  # nothing measured yet: the default
    ],
)
def test_the_estimate_spreads_waiting_jobs_over_the_slots(
    workers: list[WorkerHeartbeat], depth: int, wait: float
) -> None:
    assert estimate_wait_s(workers, depth) == pytest.approx(wait)


def test_a_slot_free_now_takes_the_first_waiting_jobs() -> None:
    workers = [beat(4, running=1, done=5, avg=2.0)]  # three slots free
    assert [estimate_start_s(workers, ahead) for ahead in range(5)] == [0.0, 0.0, 0.0, 0.2, 0.8]


def test_students_get_no_estimate_before_the_fleet_has_measured_a_job() -> None:
    assert estimate_start_s([beat(2, running=2)], 5, default_job_s=None) is None
    assert estimate_start_s([beat(2, running=2, done=1, avg=0.4)], 5, default_job_s=None) == pytest.approx(1.1)
