"""Judging status is honest: with no judge worker alive the probes and the fleet view say so, without pulling the API
replica out of service; with the database down the API answers 503 with Retry-After."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.integration.conftest import FleetFactory
from tests.support.fleet import JudgeFleet

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


async def _probes(fleet: JudgeFleet) -> tuple[httpx.Response, httpx.Response, httpx.Response]:
    async with httpx.AsyncClient(base_url=fleet.api_url, timeout=10) as client:
        return await asyncio.gather(
            client.get("/ready"), client.get("/ready/judges"), client.get("/api/system/workers")
        )


async def _until_no_judge(fleet: JudgeFleet, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while await fleet.workers():
        assert time.monotonic() < deadline, "the killed worker's heartbeat did not expire"
        await asyncio.sleep(0.2)


async def test_no_judge_is_reported_apart_from_the_replicas_readiness(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=1, slots=2) as fleet:
        ready, judges, workers = await _probes(fleet)
        assert ready.status_code == 200
        assert ready.json()["judge"]["workers"] == 1
        assert judges.status_code == 200
        assert (judges.json()["ok"], judges.json()["workers"], judges.json()["slots"]) == (True, 1, 2)
        assert workers.json()["judging"] is True

        (judge,) = [p for p in fleet.processes if p.name.startswith("judge")]
        fleet.kill(judge)  # SIGKILL: no goodbye, only the heartbeat's expiry tells
        await _until_no_judge(fleet)
        ready, judges, workers = await _probes(fleet)
        assert ready.status_code == 200, ready.text  # the API still serves: judges are not its readiness
        assert ready.json()["ready"] is True
        assert ready.json()["judge"] == {"ok": False, "workers": 0, "slots": 0, "queue_depth": 0}
        assert judges.status_code == 503  # an operator's alert fires
        assert (judges.json()["ok"], judges.json()["workers"]) == (False, 0)
        assert workers.json()["judging"] is False


async def test_a_database_outage_is_a_503_with_retry_after(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(
        judges=0, tasks=False, env={"DATABASE_URL": "postgresql+asyncpg://x@127.0.0.1:1/x"}
    ) as fleet:
        async with httpx.AsyncClient(base_url=fleet.api_url, timeout=10) as client:
            ready = await client.get("/ready")
            login = await client.post(
                "/api/auth/login", json={"email": "student@example.com", "password": "a password of some length"}
            )
        assert ready.status_code == 503
        assert ready.json()["database"]["ok"] is False
        assert login.status_code == 503, login.text
        assert login.headers["retry-after"] == "5"
        assert "database cannot be reached" in login.json()["detail"]
