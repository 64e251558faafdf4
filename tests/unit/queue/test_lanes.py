from __future__ import annotations

import pytest

from api.queue import Lane, lane_for


@pytest.mark.parametrize(
    ("kind", "lane"),
    [
        ("submission", Lane.SUBMIT),
        ("run", Lane.RUN),
        ("judge0", Lane.RUN),  # an API client's backlog must never delay students' graded submissions
        ("validation", Lane.BACKGROUND),
        ("something-new", Lane.SUBMIT),
    ],
)
def test_each_kind_of_job_has_its_lane(kind: str, lane: Lane) -> None:
    assert lane_for(kind) is lane


@pytest.mark.parametrize("lane", list(Lane))
def test_a_queued_jobs_lane_is_read_back_from_its_head_start(lane: Lane) -> None:
    from api.queue import _HEAD_START, lane_of_head_start

    head_start = _HEAD_START[lane].total_seconds()
    # Read back a little later than enqueued (the score is fixed, the clock moves on while it waits): same lane.
    assert lane_of_head_start(head_start) is lane
    assert lane_of_head_start(head_start + 0.5) is lane
