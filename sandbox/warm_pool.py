"""Warm jails for callers that run one test at a time (the judge's grader): kept per submission while its tests run.

``WarmPool.execute`` runs a test of a program in a warm jail of that very submission: the jail is keyed by the
artifacts *object* the caller holds for the submission (the grader's compiled program), the language and the
limits, so two submissions never share one even when their sources are equal. A jail whose submission has not
asked for a test for ``linger_s`` is closed and its slot given back, at once when a new jail needs a slot and none
is free; tests that run at the same time get a jail each.

With the sandbox's ``warm_scope`` "slot" the key leaves the submission out: an idle jail of the same language and
limits takes the next submission's program (``WarmJail.adopt``), reset before each test as between any two tests.

A spare (scope "submission"): once a submission's jail is closed and nothing else holds a slot, a new jail of the
same language and limits is started in the background and waits up to ``spare_s`` for the next submission,
which takes it for its own: no program has run in a spare, so nothing is shared, but the next submission's first
test no longer waits for a jail and an interpreter to start. A run or jail that wants a slot while none is free
gets a spare's at once (``Sandbox.on_slot_wanted``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from sandbox.languages import LanguageSpec
from sandbox.limits import Limits
from sandbox.result import RunResult
from sandbox.runner import Sandbox
from sandbox.warm import TestRunner, WarmJail

__all__ = ["DEFAULT_LINGER_S", "DEFAULT_SPARE_S", "WarmPool"]

logger = logging.getLogger("verdict.sandbox")
DEFAULT_LINGER_S: Final = 0.05
DEFAULT_SPARE_S: Final = 30.0

# the whole language spec, not only its id: a Java or Kotlin program's run command names its own class
_Key = tuple[LanguageSpec, int, int, Limits]
_SpareKey = tuple[LanguageSpec, int, Limits]  # language, sandbox, limits: what a spare can serve


@dataclass(eq=False)
class _Held:
    block: AbstractAsyncContextManager[TestRunner]
    jail: TestRunner
    artifacts: Mapping[str, bytes]  # kept so that the id in the key cannot be reused while the jail lives
    closer: asyncio.TimerHandle | None = None
    parked: float = 0.0
    closing: asyncio.Task[None] | None = field(default=None)
    origin: tuple[Sandbox, LanguageSpec, Limits] | None = None  # to start a spare like it once it is closed


class WarmPool:
    """Idle warm jails by submission; at most one test at a time in each."""

    def __init__(
        self,
        *,
        linger_s: float = DEFAULT_LINGER_S,
        scope: Literal["submission", "slot"] | None = None,
        spare_s: float = DEFAULT_SPARE_S,
    ) -> None:
        self._linger_s = linger_s
        self._scope = scope  # None: the sandbox's ``warm_scope``
        self._spare_s = spare_s  # 0: no spares
        self.opened = 0  # warm jails opened for a submission so far (a spare taken counts as its submission's)
        self.spares_opened = 0
        self.spares_taken = 0
        self._idle: dict[_Key, list[_Held]] = {}
        self._spares: dict[_SpareKey, _Held] = {}
        self._opening: dict[_SpareKey, asyncio.Task[None]] = {}
        self._hooked: set[int] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False

    async def execute(
        self,
        sandbox: Sandbox,
        spec: LanguageSpec,
        artifacts: Mapping[str, bytes],
        *,
        files: Mapping[str, bytes],
        stdin: bytes | None,
        limits: Limits,
        collect: Sequence[str] = (),
    ) -> RunResult:
        per_slot = (self._scope or sandbox.config.warm_scope) == "slot"
        key = (spec, 0 if per_slot else id(artifacts), id(sandbox), limits)
        held = self._take(key)
        if held is not None and per_slot and held.artifacts is not artifacts:
            if isinstance(held.jail, WarmJail):
                held.jail.adopt(artifacts)
            held.artifacts = artifacts
        if held is None and not per_slot:
            held = await self._take_spare((spec, id(sandbox), limits))
            if held is not None:
                assert isinstance(held.jail, WarmJail)
                held.jail.adopt(artifacts)  # no program has run in a spare: it is this submission's from now on
                held.artifacts = artifacts
                self.opened += 1
        if held is None:
            if sandbox.free_slots == 0:
                await self._evict_one()
            block = sandbox.warm(spec, artifacts, limits)
            held = _Held(block=block, jail=await block.__aenter__(), artifacts=artifacts)
            self.opened += 1
        if not per_slot and self._spare_s > 0:
            held.origin = (sandbox, spec, limits)
        try:
            result = await held.jail.run(files=files, stdin=stdin, collect=collect)
        except BaseException:
            await self._close(held)
            raise
        self._park(key, held)
        return result

    def _take(self, key: _Key) -> _Held | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        held = idle.pop()
        if not idle:
            del self._idle[key]
        if held.closer is not None:
            held.closer.cancel()
        return held

    def _park(self, key: _Key, held: _Held) -> None:
        self._idle.setdefault(key, []).append(held)
        loop = asyncio.get_running_loop()
        held.parked = loop.time()
        held.closer = loop.call_later(self._linger_s, self._expire, key, held)

    def _expire(self, key: _Key, held: _Held) -> None:
        idle = self._idle.get(key, [])
        if held in idle:
            idle.remove(held)
            if not idle:
                self._idle.pop(key, None)
            self._background(self._retire(held))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _retire(self, held: _Held) -> None:
        """Close a submission's jail; then start a spare like it for the next submission."""
        await self._close(held)
        if held.origin is not None:
            self._start_spare(*held.origin)

    # -- spares ------------------------------------------------------------------------------------------------

    def _start_spare(self, sandbox: Sandbox, spec: LanguageSpec, limits: Limits) -> None:
        key = (spec, id(sandbox), limits)
        # only on an idle sandbox (when submissions keep coming, each brings its own jail and a spare would be
        # closed unused for a slot), and never in the last free slot: a compilation or checker starts beside it
        idle = sandbox.free_slots == sandbox.slots
        if self._closed or key in self._spares or key in self._opening or not idle or sandbox.slots < 2:
            return
        if id(sandbox) not in self._hooked:
            self._hooked.add(id(sandbox))
            sandbox.on_slot_wanted(lambda: self._give_back(id(sandbox)))
        task = asyncio.get_running_loop().create_task(self._open_spare(key, sandbox, spec, limits))
        self._opening[key] = task
        task.add_done_callback(lambda _: self._opening.pop(key, None))

    async def _open_spare(self, key: _SpareKey, sandbox: Sandbox, spec: LanguageSpec, limits: Limits) -> None:
        block = sandbox.warm(spec, {}, limits)
        try:
            jail = await block.__aenter__()
        except Exception as exc:  # the next submission opens its own jail (and reports what fails)
            logger.warning("a spare warm jail could not start: %s", exc)
            return
        held = _Held(block=block, jail=jail, artifacts={})
        # no free slot now: a run may be waiting for one (it asked before this spare could give its slot back)
        busy = sandbox.free_slots == 0
        if self._closed or busy or not isinstance(jail, WarmJail) or key in self._spares:
            await self._close(held)
            return
        self.spares_opened += 1
        self._spares[key] = held
        held.parked = asyncio.get_running_loop().time()
        held.closer = asyncio.get_running_loop().call_later(self._spare_s, self._drop_spare, key)

    async def _take_spare(self, key: _SpareKey) -> _Held | None:
        opening = self._opening.get(key)
        if opening is not None:  # started moments ago: sooner ready than a jail started now
            await asyncio.wait([opening])
        held = self._spares.pop(key, None)
        if held is None:
            return None
        if held.closer is not None:
            held.closer.cancel()
        self.spares_taken += 1
        return held

    def _drop_spare(self, key: _SpareKey) -> bool:
        held = self._spares.pop(key, None)
        if held is None:
            return False
        if held.closer is not None:
            held.closer.cancel()
        self._background(self._close(held))
        return True

    def _give_back(self, sandbox_id: int) -> bool:
        """``Sandbox.on_slot_wanted``: close one of that sandbox's spares so that its slot comes free."""
        for key in list(self._spares):
            if key[1] == sandbox_id:
                return self._drop_spare(key)
        return False

    async def _evict_one(self) -> None:
        """Close a spare, or else the idle jail parked longest (its submission has most likely ended), to free its
        slot."""
        if self._spares:
            spare = self._spares.pop(next(iter(self._spares)))
            if spare.closer is not None:
                spare.closer.cancel()
            await self._close(spare)
            return
        oldest: tuple[float, _Key, _Held] | None = None
        for key, group in self._idle.items():
            for held in group:
                if oldest is None or held.parked < oldest[0]:
                    oldest = (held.parked, key, held)
        if oldest is None:
            return
        _, key, held = oldest
        if held.closer is not None:
            held.closer.cancel()
        group = self._idle[key]
        group.remove(held)
        if not group:
            del self._idle[key]
        await self._close(held)

    async def _close(self, held: _Held) -> None:
        with contextlib.suppress(Exception):
            await held.block.__aexit__(None, None, None)

    async def close(self) -> None:
        """Close every idle jail and spare now (before the sandbox closes)."""
        self._closed = True
        if self._opening:
            await asyncio.wait(list(self._opening.values()))
        idle = [held for group in self._idle.values() for held in group] + list(self._spares.values())
        self._idle.clear()
        self._spares.clear()
        for held in idle:
            if held.closer is not None:
                held.closer.cancel()
            await self._close(held)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
