"""Time limits measured from the reference solutions, for packages that give none (no ``limits.time_limit``, no
``.timelimit``): the accepted solutions run first with a generous limit, and the limit becomes their slowest test's
CPU time times ``ac_to_time_limit`` (legacy: ``time_multiplier``), as problemtools' verifyproblem sets it."""

from __future__ import annotations

import math
from typing import Final

__all__ = ["MAX_MEASURED_MS", "MEASURING_LIMIT_MS", "MIN_MEASURED_MS", "measured_limit_ms"]

MEASURING_LIMIT_MS: Final = 10_000  # what the accepted solutions may take while they are measured
MIN_MEASURED_MS: Final = 200  # below this, a limit measures the sandbox's start-up noise, not the solution
MAX_MEASURED_MS: Final = 60_000
_STEP_MS: Final = 100


def measured_limit_ms(slowest_cpu_ms: int, ac_to_time_limit: float) -> int:
    """The slowest accepted test's time times the multiplier, rounded up to 100 ms, within 200 ms .. 60 s."""
    wanted = math.ceil(max(0, slowest_cpu_ms) * ac_to_time_limit / _STEP_MS) * _STEP_MS
    return min(MAX_MEASURED_MS, max(MIN_MEASURED_MS, wanted))
