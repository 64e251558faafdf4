"""The dashboards' pure statistics against values worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from api.domain.dashboards.sqlparts import DateRange
from api.domain.dashboards.stats import BANDS, histogram, mean, median, percent, percentile
from api.lib.exceptions import ApplicationClientError


def test_mean_and_median() -> None:
    assert mean([]) is None
    assert median([]) is None
    assert mean([100, 50, 0]) == 50.0
    assert mean([1, 2]) == 1.5
    assert median([100, 0, 50]) == 50.0
    assert median([1, 2, 3, 10]) == 2.5


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [([1000, 2000, 3000, 4000], 50, 2500.0), ([1000, 2000, 3000, 4000], 90, 3700.0), ([7], 90, 7.0)],
)
def test_percentile_interpolates_like_percentile_cont(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == expected


def test_histogram_puts_100_in_the_last_band() -> None:
    assert BANDS[0] == "0-9"
    assert BANDS[-1] == "90-100"
    assert histogram([0, 9.99, 10, 55, 89.9, 90, 100]) == [2, 1, 0, 0, 0, 1, 0, 0, 1, 2]


def test_percent() -> None:
    assert percent(3, 4) == 75.0
    assert percent(1, 3) == 33.3
    assert percent(0, 0) is None


def test_date_range_is_whole_days_and_bounded() -> None:
    span = DateRange.ending(date(2026, 12, 6), 3)
    assert span.days() == ["2026-12-04", "2026-12-05", "2026-12-06"]
    assert span.start.isoformat() == "2026-12-04T00:00:00+00:00"
    assert span.end.isoformat() == "2026-12-07T00:00:00+00:00"
    for bad in (0, 367):
        with pytest.raises(ApplicationClientError):
            DateRange.ending(date(2026, 12, 6), bad)
