"""The start-up heap, frozen out of the garbage collector's reach.

By the time the app serves, the interpreter holds a few hundred thousand long-lived objects (modules, SQLAlchemy
mappers, Litestar's routes, compiled templates). Every full collection walks all of them, and a request that builds
many objects (a course dashboard loads thousands of rows) triggers several: measured with ``make bench-web``, a
third of the course dashboard's time. ``gc.freeze`` moves them to a permanent generation that collections skip; the
collector still runs for everything made afterwards. They were never going to be freed anyway."""

from __future__ import annotations

import functools
import gc

__all__ = ["freeze_startup_heap"]


@functools.cache
def freeze_startup_heap() -> int:
    """Collect once, then freeze what survives; returns how many objects are frozen. Once per process: a process
    that builds several apps (the tests do) freezes the first start-up only, so the later apps' garbage is still
    collected."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
