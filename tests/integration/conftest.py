"""Fixtures shared by the integration tests. The judge fleet (``judge_fleet``, ``fleet_factory``): see
``tests/support/fleet.py``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.support.fleet import JudgeFleet

FleetFactory = Callable[..., contextlib.AbstractAsyncContextManager[JudgeFleet]]


@pytest.fixture
def fleet_factory(database_url: str, tmp_path: Path) -> FleetFactory:
    """``async with fleet_factory(judges=1, slots=2, tasks=True, api=True, env={...}) as fleet: ...``"""
    counter = 0

    @contextlib.asynccontextmanager
    async def make(
        *, judges: int = 1, slots: int = 2, tasks: bool = True, api: bool = True, env: dict[str, str] | None = None
    ) -> AsyncIterator[JudgeFleet]:
        nonlocal counter
        counter += 1
        fleet = JudgeFleet(database_url=database_url, workdir=tmp_path / f"fleet{counter}", env=env)
        try:
            await fleet.open()
            await fleet.start(judges=judges, slots=slots, tasks=tasks, api=api)
            yield fleet
        finally:
            await fleet.close()

    return make


@pytest.fixture
async def judge_fleet(fleet_factory: FleetFactory) -> AsyncIterator[JudgeFleet]:
    """A started fleet: the API, the api-tasks worker and one judge worker with 2 slots."""
    async with fleet_factory() as fleet:
        yield fleet
