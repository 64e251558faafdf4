"""Warm jails for callers that run one test at a time (the judge's grader): kept per submission while its tests run.

``WarmPool.execute`` runs a test of a program in a warm jail of that very submission: the jail is keyed by the
artifacts *object* the caller holds for the submission (the grader's compiled program), the language and the
limits, so two submissions never share one even when their sources are equal. A jail whose submission has not
asked for a test for ``linger_s`` is closed and its slot given back, at once when a new jail needs a slot and none
is free; tests that run at the same time get a jail each.

With the sandbox's ``warm_scope`` "slot" the key leaves the submission out: an idle jail of the same language and
limits takes the next submission's program (``WarmJail.adopt``), reset before each test as between any two tests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Final, Literal

from sandbox.languages import LanguageSpec
from sandbox.limits import Limits
from sandbox.result import RunResult
from sandbox.runner import Sandbox
from sandbox.warm import TestRunner, WarmJail

__all__ = ["DEFAULT_LINGER_S", "WarmPool"]

DEFAULT_LINGER_S: Final = 0.05

_Key = tuple[str, int, int, Limits]


@dataclass(eq=False)
class _Held:
    block: AbstractAsyncContextManager[TestRunner]
    jail: TestRunner
    artifacts: Mapping[str, bytes]  # kept so that the id in the key cannot be reused while the jail lives
    closer: asyncio.TimerHandle | None = None
    parked: float = 0.0
    closing: asyncio.Task[None] | None = field(default=None)


class WarmPool:
    """Idle warm jails by submission; at most one test at a time in each."""

    def __init__(
        self, *, linger_s: float = DEFAULT_LINGER_S, scope: Literal["submission", "slot"] | None = None
    ) -> None:
        self._linger_s = linger_s
        self._scope = scope  # None: the sandbox's ``warm_scope``
        self.opened = 0  # warm jails opened so far
        self._idle: dict[_Key, list[_Held]] = {}
        self._closing: set[asyncio.Task[None]] = set()

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
        key = (spec.id, 0 if per_slot else id(artifacts), id(sandbox), limits)
        held = self._take(key)
        if held is not None and per_slot and held.artifacts is not artifacts:
            if isinstance(held.jail, WarmJail):
                held.jail.adopt(artifacts)
            held.artifacts = artifacts
        if held is None:
            if sandbox.free_slots == 0:
                await self._evict_one()
            block = sandbox.warm(spec, artifacts, limits)
            held = _Held(block=block, jail=await block.__aenter__(), artifacts=artifacts)
            self.opened += 1
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
            task = asyncio.get_running_loop().create_task(self._close(held))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _evict_one(self) -> None:
        """Close the idle jail parked longest (its submission has most likely ended) to free its slot."""
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
        """Close every idle jail now (before the sandbox closes)."""
        idle = [held for group in self._idle.values() for held in group]
        self._idle.clear()
        for held in idle:
            if held.closer is not None:
                held.closer.cancel()
            await self._close(held)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
