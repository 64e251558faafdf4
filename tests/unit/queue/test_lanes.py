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
