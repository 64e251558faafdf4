"""Chaos over the whole platform: every kind of process is killed while real traffic flows, and nothing is lost.

A PostgreSQL server of the test's own, a Redis, two API replicas behind a round-robin
client (as behind a load balancer), the api-tasks worker and two judge workers with two slots each. 200 submissions
of a fast python3 program arrive at a steady pace while, in an order and at moments drawn from a seeded random
generator, each kind of process is hit once: an API replica SIGKILLed, api-tasks SIGKILLed, a judge worker
SIGKILLed while it judges, Redis SIGKILLed and started again empty (every queued job and lease lost), PostgreSQL
crash-stopped (``pg_ctl -m immediate``). Each is started
again after a short random time, as a supervisor or an orchestrator would.

Afterwards: every accepted submission (and any the database holds, answered or not) has exactly one final result
(AC, 100 points, its two tests once, attempt 1, no authoritative final event twice); no request was answered with a
5xx other than 503 with ``Retry-After`` while PostgreSQL or Redis was down. Each part's recovery time is printed and
written to ``bench/chaos.json``. ``CHAOS_SEED=<n>`` replays another draw; the seed is printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Final

import asyncpg
import pytest
from sqlalchemy import func, select

from api.db import models as m
from api.db.migrate import upgrade_async
from api.lib.redis_server import find_free_port
from api.settings import Settings
from judge_worker.contracts import LEASE_KEY_PREFIX
from tests.integration.fleet.test_reliability import count_finals
from tests.integration.problems.support import ROOMY_LIMITS, make_people
from tests.support.chaos import Outages, Recovery, Traffic
from tests.support.fleet import TASKS_HEALTH_KEY, FleetProcess, JudgeFleet
from tests.support.postgres import EphemeralPostgres

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.timeout(280)]

SEED: Final = int(os.environ.get("CHAOS_SEED") or 20261206)
LOAD: Final = 200
PACE_S: Final = 0.2  # one submission every PACE_S: 40 s of traffic
SOURCE: Final = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
TESTS: Final = [(b"1 2\n", b"3\n"), (b"20 22\n", b"42\n")]
REPORT: Final = Path(__file__).resolve().parents[2] / "bench" / "chaos.json"


@pytest.fixture
async def own_postgres() -> AsyncIterator[tuple[EphemeralPostgres, str]]:
    """A PostgreSQL server of this test's own (it is crashed), with a migrated database."""
    server = EphemeralPostgres(durable_commits=True)  # a confirmed commit must survive the crash, as in production
    await asyncio.to_thread(server.start)
    try:
        admin = await asyncpg.connect(f"postgresql://{server.user}@127.0.0.1:{server.port}/postgres")
        try:
            await admin.execute('CREATE DATABASE "chaos"')
        finally:
            await admin.close()
        url = f"postgresql+asyncpg://{server.user}@127.0.0.1:{server.port}/chaos"
        await upgrade_async(url)
        yield server, url
    finally:
        await asyncio.to_thread(server.stop)


class Chaos:
    def __init__(self, fleet: JudgeFleet, postgres: EphemeralPostgres, traffic: Traffic, rng: random.Random) -> None:
        self.fleet = fleet
        self.postgres = postgres
        self.traffic = traffic
        self.rng = rng
        self.outages = Outages(grace=3.0)
        self.recoveries: list[Recovery] = []
        self.apis: dict[int, FleetProcess] = {}
        self.problem = uuid.uuid4()

    async def probe(self, recovery: Recovery) -> None:
        """A submission made once the part is back: the fault is behind us when it has its final result."""
        sid = await self.traffic.submit(self.problem, SOURCE)
        await self.fleet.wait_final(sid, within=120)
        recovery.recovered_after_s = time.monotonic() - recovery.injected_at

    async def kill_api(self) -> Recovery:
        port = self.rng.choice(sorted(self.apis))
        down = self.rng.uniform(0.5, 2.0)
        recovery = Recovery("api", time.monotonic(), down, detail=f"replica on port {port} SIGKILLed")
        self.fleet.kill(self.apis[port])
        await asyncio.sleep(down)
        self.apis[port] = await self.fleet.start_api(port=port)
        recovery.back_after_s = time.monotonic() - recovery.injected_at
        await self.probe(recovery)
        return recovery

    async def kill_tasks(self) -> Recovery:
        (tasks,) = [p for p in self.fleet.processes if p.name == "api-tasks" and p.alive]
        down = self.rng.uniform(0.5, 2.0)
        recovery = Recovery("api-tasks", time.monotonic(), down, detail="SIGKILLed")
        self.fleet.kill(tasks)
        await self.fleet.redis.delete(TASKS_HEALTH_KEY)  # so that the restart is seen by its own first poll
        await asyncio.sleep(down)
        await self.fleet.start_tasks()
        recovery.back_after_s = time.monotonic() - recovery.injected_at
        await self.probe(recovery)
        return recovery

    async def kill_judge(self) -> Recovery:
        """SIGKILL a judge worker that holds a job (it is judging), then start a new one."""
        judges = {p.env["JUDGE_WORKER_ID"]: p for p in self.fleet.processes if p.name.startswith("judge") and p.alive}
        deadline = time.monotonic() + 30
        while True:
            leases: dict[str, list[str]] = {}
            async for key in self.fleet.redis.scan_iter(match=f"{LEASE_KEY_PREFIX}*"):
                worker = await self.fleet.redis.get(key)
                if worker is not None and worker.decode() in judges:
                    leases.setdefault(worker.decode(), []).append(key.decode()[len(LEASE_KEY_PREFIX) :])
            if leases or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        assert leases, "no judge was judging anything to be killed mid-job"
        victim = self.rng.choice(sorted(leases))
        in_flight = [uuid.UUID(job.split(":")[1]) for job in leases[victim]]
        down = self.rng.uniform(0.5, 2.0)
        recovery = Recovery("judge", time.monotonic(), down, detail=f"SIGKILLed judging {len(in_flight)} job(s)")
        self.fleet.kill(judges[victim])
        await asyncio.sleep(down)
        await self.fleet.start_judge(slots=2)
        recovery.back_after_s = time.monotonic() - recovery.injected_at
        await self.fleet.wait_all_final(in_flight, within=120)  # judged again, by the survivor or the newcomer
        recovery.recovered_after_s = time.monotonic() - recovery.injected_at
        return recovery

    async def kill_redis(self) -> Recovery:
        down = self.rng.uniform(0.5, 2.0)
        recovery = Recovery("redis", time.monotonic(), down, detail="SIGKILLed, started again empty (no persistence)")
        await asyncio.to_thread(self.fleet.restart_redis, empty=True, down_for=down)
        recovery.back_after_s = time.monotonic() - recovery.injected_at
        self.outages.add("redis", recovery.injected_at, time.monotonic())
        await self.probe(recovery)
        return recovery

    async def restart_postgres(self) -> Recovery:
        down = self.rng.uniform(1.0, 3.0)
        recovery = Recovery("postgres", time.monotonic(), down, detail="crash-stopped (immediate), started again")
        await asyncio.to_thread(self.postgres.crash)
        await asyncio.sleep(down)
        await asyncio.to_thread(self.postgres.restart)
        recovery.back_after_s = time.monotonic() - recovery.injected_at
        self.outages.add("postgres", recovery.injected_at, time.monotonic())
        await self.probe(recovery)
        return recovery

    async def run(self) -> None:
        faults: dict[str, Callable[[], Awaitable[Recovery]]] = {
            "api": self.kill_api,
            "api-tasks": self.kill_tasks,
            "judge": self.kill_judge,
            "redis": self.kill_redis,
            "postgres": self.restart_postgres,
        }
        order = sorted(faults)
        self.rng.shuffle(order)
        print(f"fault order: {', '.join(order)}")
        await asyncio.sleep(self.rng.uniform(2.0, 5.0))  # traffic under way first
        for name in order:
            self.recoveries.append(await faults[name]())
            await asyncio.sleep(self.rng.uniform(0.5, 3.0))


async def test_every_process_killed_under_traffic_loses_nothing_and_counts_nothing_twice(
    own_postgres: tuple[EphemeralPostgres, str], tmp_path: Path
) -> None:
    print(f"\nchaos seed {SEED} (CHAOS_SEED={SEED} reproduces this draw)")
    started = time.monotonic()
    postgres, database_url = own_postgres
    fleet = JudgeFleet(database_url=database_url, workdir=tmp_path / "fleet", env=dict(ROOMY_LIMITS))
    try:
        await fleet.open()
        await fleet.start(judges=2, slots=2)
        second = await fleet.start_api(port=find_free_port())
        student = (await make_people(Settings.from_env(fleet.base_env()))).student
        replicas = [fleet.api_url, f"http://127.0.0.1:{second.env['PORT']}"]
        traffic = Traffic(replicas, student.headers)
        chaos = Chaos(fleet, postgres, traffic, random.Random(SEED))
        chaos.apis = {fleet.api_port: fleet.processes[0], int(second.env["PORT"]): second}
        chaos.problem = await fleet.create_problem(tests=TESTS)
        assert chaos.apis[fleet.api_port].name == "api"

        async def load() -> list[uuid.UUID]:
            submits = []
            for _ in range(LOAD):
                submits.append(asyncio.create_task(traffic.submit(chaos.problem, SOURCE)))
                await asyncio.sleep(PACE_S)
            return list(await asyncio.gather(*submits))

        stop_polling = asyncio.Event()
        async with count_finals(fleet) as finals:
            poller = asyncio.create_task(traffic.poll(stop_polling))
            loaded, _ = await asyncio.gather(load(), chaos.run())
            async with fleet.sessions() as session:
                every = list(await session.scalars(select(m.Submission.id)))
            rows = await fleet.wait_all_final(every, within=150)
            stop_polling.set()
            await poller
            await asyncio.sleep(1.0)  # the last final events
        await traffic.close()
        elapsed = time.monotonic() - started

        # Every accepted submission, and every one the database holds: one final result, counted once.
        assert len(loaded) == LOAD
        assert set(traffic.accepted) <= set(every)
        by_id = {uuid.UUID(r["id"]): r for r in rows}
        wrong = {sid: (r["verdict"], r["score"], r["attempt"]) for sid, r in by_id.items() if r["verdict"] != "AC"}
        assert not wrong, f"{len(wrong)} submissions not AC: {list(wrong.items())[:5]}\n{fleet.logs()}"
        assert {(r["score"], r["attempt"], len(r["results"])) for r in rows} == {(100.0, 1, len(TESTS))}
        twice = {sid: n for sid, n in finals.finals.items() if n > 1}
        assert not twice, f"authoritative final results published more than once: {twice}"
        async with fleet.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(m.SubmissionAttempt)) == 0
            total = await session.scalar(select(func.sum(m.Submission.score)))
        assert total == 100.0 * len(rows)

        # No 5xx but 503 with Retry-After, and only while a store was down.
        bad = [
            a
            for a in traffic.answers
            if a.status is not None
            and a.status >= 500
            and not (a.status == 503 and a.retry_after and chaos.outages.covering(a.at))
        ]
        assert not bad, f"5xx outside the rules: {bad[:10]}"
        unexpected = {a.status for a in traffic.answers} - {None, 200, 201, 503}
        assert not unexpected, traffic.statuses()
        assert all(p.alive for p in chaos.apis.values()), fleet.logs()
        assert [p.name for p in fleet.processes if p.alive and p.name == "api-tasks"] == ["api-tasks"], fleet.logs()
        assert sum(p.alive for p in fleet.processes if p.name.startswith("judge")) == 2, fleet.logs()

        while_down = Counter(chaos.outages.covering(a.at) for a in traffic.answers if a.status == 503)
        assert while_down["postgres"] > 0, "PostgreSQL was down, yet no request was answered 503"
        parts = {r.part: r.as_json() for r in chaos.recoveries}
        assert set(parts) == {"api", "api-tasks", "judge", "redis", "postgres"}
        report = {
            "seed": SEED,
            "submissions": {"load": LOAD, "in_database": len(rows), "accepted": len(traffic.accepted)},
            "answers": dict(sorted(traffic.statuses().items())),
            "503_while_down": dict(while_down),
            "recovery": parts,
            "duration_s": round(elapsed, 1),
        }
        print(json.dumps(report, indent=2))
        REPORT.write_text(json.dumps(report, indent=2) + "\n")
    finally:
        await fleet.close()
