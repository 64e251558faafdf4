"""AI grading on the real api-tasks worker (arq on Redis, PostgreSQL, its own process): a TA starts a run over
HTTP, the worker grades every answer against the stand-in endpoint and writes its progress; the run can be
followed to the end, and the proposals are there for staff."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from api.settings import Settings
from tests.integration.ai_grading.fake_openai import FakeOpenAI
from tests.integration.ai_grading.support import make_lab
from tests.integration.conftest import FleetFactory
from tests.integration.courses.conftest import build_cast
from tests.integration.problems.support import app_client


async def test_the_worker_runs_ai_grading_with_progress(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings, fake_openai: FakeOpenAI
) -> None:
    openai_env = {k: v for k, v in settings_env.items() if k.startswith("OPENAI_")}
    fake_openai.default, fake_openai.slow_s = "slow", 0.2
    async with (
        fleet_factory(judges=0, api=False, env=openai_env) as fleet,
        app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, _settings),
    ):
        cast = await build_cast(client, settings)
        lab = await make_lab(client, cast, settings)
        started = await client.post(f"{lab.ai}/assessments/{lab.assessment_id}/runs", json={}, headers=cast.ta.headers)
        assert started.status_code == 202, started.text
        url = f"{lab.ai}/runs/{started.json()['id']}"
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = (await client.get(url, headers=cast.ta.headers)).json()
            seen.append(run)
            if run["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
        assert seen[-1]["status"] == "done", seen[-1]
        assert (seen[-1]["done"], seen[-1]["total"], seen[-1]["proposed"]) == (5, 5, 5)
        assert any(0 < r["done"] < r["total"] for r in seen)  # progress was visible on the way
        assert len(fake_openai.requests) == 5
        found = (await client.get(f"{lab.ai}/proposals", headers=cast.ta.headers)).json()
        assert {p["status"] for p in found} == {"proposed"}
        assert {p["model"] for p in found} == {fake_openai.model}
