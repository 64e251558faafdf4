"""Roster import as a background job on the api-tasks worker (#11): the API keeps the file and answers 202 at once;
the job (the worker's own ``import_roster``, run here with the worker's context) reports ``done`` of ``total`` as
it writes, imports 10,000 rows in bounded time and memory, and stays all or nothing."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.db.engine import create_engine, session_factory
from api.domain.courses.roster_jobs import IMPORT_ROSTER, import_roster
from api.queue import create_arq_pool
from api.settings import Settings
from api.tasks import WorkerSettings
from tests.integration.courses.conftest import Cast, Client
from tests.integration.courses.test_roster_import import CSV, _members, _url

ROWS = 10_000


@pytest.fixture
async def ctx(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    """What the api-tasks worker gives its jobs."""
    engine = create_engine(settings)
    pool = await create_arq_pool(settings.redis_url)
    try:
        yield {"settings": settings, "sessions": session_factory(engine), "redis": pool}
    finally:
        await pool.aclose()
        await engine.dispose()


def test_the_worker_runs_roster_imports() -> None:
    assert IMPORT_ROSTER in {f.name for f in WorkerSettings.functions}


async def _start(client: Client, cast: Cast, data: bytes) -> str:
    resp = await client.post(_url(cast, "roster/jobs"), content=data, headers={**cast.instructor.headers, **CSV})
    assert resp.status_code == 202, resp.text
    assert resp.json()["state"] == "queued"
    job_id: str = resp.json()["id"]
    return job_id


async def test_ten_thousand_rows_in_the_background_with_progress(
    client: Client, cast: Cast, settings: Settings, ctx: dict[str, Any]
) -> None:
    lines = ["email,name,group"] + [f"pupil{i:05d}@example.org,Pupil {i},G{i % 7}" for i in range(ROWS)]
    job_id = await _start(client, cast, "\n".join(lines).encode())
    status_url = _url(cast, f"roster/jobs/{job_id}")
    assert (await client.get(status_url, headers=cast.ta.headers)).json()["state"] == "queued"
    assert (await client.get(status_url, headers=cast.student.headers)).status_code == 403

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    running = asyncio.create_task(import_roster(ctx, job_id))
    seen: list[tuple[str, int, int]] = []
    seconds = None  # until the rows are written and committed (the invitation mails go out after that)
    while not running.done():
        body = (await client.get(status_url, headers=cast.instructor.headers)).json()
        seen.append((body["state"], body["done"], body["total"]))
        if body["state"] == "done" and seconds is None:
            seconds = time.perf_counter() - started
        await asyncio.sleep(0.1)
    assert await running == "done"
    mails_too = time.perf_counter() - started
    seconds = seconds or mails_too
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    print(f"{ROWS} rows as a job: imported in {seconds:.1f} s, with the {ROWS} invitation mails {mails_too:.1f} s;")
    print(f"peak RSS grew {grown_kib / 1024:.1f} MiB; {len(seen)} polls")
    final = (await client.get(status_url, headers=cast.instructor.headers)).json()
    assert final["state"] == "done"
    assert (final["done"], final["total"]) == (ROWS, ROWS)
    assert final["result"]["added"] == ROWS
    assert len(final["result"]["newGroups"]) == 7
    assert any(state == "running" for state, _done, _total in seen)
    dones = [done for state, done, _total in seen if state == "running"]
    assert dones == sorted(dones)  # progress only goes forward
    assert seconds < 120  # a shared, busy test machine; a few seconds when idle
    assert grown_kib < 300 * 1024  # bounded memory: the peak RSS of the whole test process grew this little
    assert await _members(settings, cast) == ROWS + 3


async def test_a_bad_row_fails_the_job_and_writes_nothing(
    client: Client, cast: Cast, settings: Settings, ctx: dict[str, Any]
) -> None:
    before = await _members(settings, cast)
    data = b"email,name\nfine@example.org,Fine\nnot-an-address,Broken\nalso@example.org,Also\n"
    job_id = await _start(client, cast, data)
    assert await import_roster(ctx, job_id) == "failed"
    body = (await client.get(_url(cast, f"roster/jobs/{job_id}"), headers=cast.instructor.headers)).json()
    assert body["state"] == "failed"
    assert "nothing was imported" in body["error"]
    assert "line 3" in body["error"]
    assert await _members(settings, cast) == before
    missing = await client.get(_url(cast, f"roster/jobs/{cast.course_id}"), headers=cast.instructor.headers)
    assert missing.status_code == 404
    assert (
        await client.post(_url(cast, "roster/jobs"), content=b"  ", headers={**cast.ta.headers, **CSV})
    ).status_code == 400
