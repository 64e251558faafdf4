"""Pure statistics of the dashboards (no database): mean, median, percentiles, a score histogram in bands of ten."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

__all__ = ["BANDS", "histogram", "mean", "median", "percent", "percentile"]

BANDS: Final = tuple(f"{low}-{low + 9}" if low < 90 else "90-100" for low in range(0, 100, 10))


def mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL's ``percentile_cont``); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 2)


def histogram(scores: Sequence[float]) -> list[int]:
    """How many scores fall in each band of :data:`BANDS` (0-9, 10-19, ..., 90-100; 100 is in the last band)."""
    counts = [0] * len(BANDS)
    for score in scores:
        counts[min(len(BANDS) - 1, max(0, int(score // 10)))] += 1
    return counts


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
