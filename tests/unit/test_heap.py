"""The app freezes its start-up heap once per process (api/lib/heap.py): collections skip what lived at start-up,
and a second app built in the same process freezes nothing more, so its garbage is still collected."""

from __future__ import annotations

import gc

from api.lib.heap import freeze_startup_heap


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_heap_is_frozen_once_and_later_garbage_is_still_collected() -> None:
    assert freeze_startup_heap() > 0
    before = gc.get_freeze_count()  # (frozen objects may still be freed when their last reference goes)
    freeze_startup_heap()  # a second start-up freezes nothing more
    assert gc.get_freeze_count() <= before
    gc.disable()  # no automatic collection in between: the one below must find them all
    try:
        for _ in range(1000):
            _Cycle()
        assert gc.collect() >= 1000  # cycles made after start-up are found and freed
    finally:
        gc.enable()
