"""The operator page and the fleet API for admins, on a real judge worker: who may see and drain, and a drain from
the page's API that makes the worker finish and exit."""

from __future__ import annotations

import asyncio
from typing import Any

from api.db.seed import seed
from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import Client, app_client

HTML = {"Accept": "text/html"}


async def sign_in(client: Client, email: str) -> dict[str, str]:
    client.cookies.clear()
    resp = await client.post("/api/auth/session", json={"email": email, "password": "verdict-demo"})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return {"X-CSRF-Token": body["csrfToken"]}


async def test_admins_see_the_fleet_and_drain_a_worker_from_the_page(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings
) -> None:
    await seed(settings, demo=True)
    async with fleet_factory(judges=0, api=False, tasks=False) as fleet:
        worker = await fleet.start_judge(slots=2)
        worker_id = worker.env["JUDGE_WORKER_ID"]
        problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n")])
        for _ in range(2):
            await fleet.submit(problem, "python3", "print(3)", enqueue=True)
        async with app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, _):
            anonymous = await client.get("/api/fleet")
            assert anonymous.status_code == 401
            assert (await client.get("/admin/fleet", headers=HTML, follow_redirects=False)).status_code == 303

            csrf = await sign_in(client, "student@example.com")
            assert (await client.get("/api/fleet")).status_code == 403
            assert (await client.get("/admin/fleet", headers=HTML)).status_code == 403
            denied = await client.post(f"/api/fleet/workers/{worker_id}/drain", headers=csrf)
            assert denied.status_code == 403

            csrf = await sign_in(client, "admin@example.com")
            page = await client.get("/admin/fleet", headers=HTML)
            assert page.status_code == 200
            assert f'data-worker="{worker_id}"' in page.text
            assert f'data-api="/api/fleet/workers/{worker_id}/drain"' in page.text
            assert 'data-lane="submit"' in page.text
            assert 'href="/admin/fleet" aria-current="page"' in page.text  # the admin's nav link

            status = (await client.get("/api/fleet")).json()
            assert [w["id"] for w in status["workers"]] == [worker_id]
            assert {lane["lane"] for lane in status["queue"]["lanes"]} == {"exam", "submit", "run", "background"}

            unknown = await client.post("/api/fleet/workers/no-such-worker/drain", headers=csrf)
            assert unknown.status_code == 404
            assert "no live judge worker" in unknown.json()["detail"]
            hostile = await client.post("/api/fleet/workers/bad%20id%3B/drain", headers=csrf)
            assert hostile.status_code == 400

            drained = await client.post(f"/api/fleet/workers/{worker_id}/drain", headers=csrf)
            assert drained.status_code == 202, drained.text
            assert drained.json()["worker"] == worker_id
            assert await asyncio.to_thread(worker.popen.wait, 60) == 0
            after = await client.get("/admin/fleet", headers=HTML)
            assert f'data-worker="{worker_id}"' not in after.text
            assert "No judge worker has a live heartbeat" in after.text
