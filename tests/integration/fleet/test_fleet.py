"""The fleet as operators run it: real API, api-tasks and judge worker processes sharing one Redis."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from judge_worker.contracts import CaseFinished, Compiling, Finished, progress_key
from tests.integration.conftest import FleetFactory
from tests.support.fleet import JudgeFleet, sweep_dead_sessions

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SUM = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
SLOW_SUM = "import sys, time\ntime.sleep({delay})\nprint(sum(map(int, sys.stdin.read().split())))\n"


def sums(n: int) -> list[tuple[bytes, bytes]]:
    return [(f"{i} {i + 1}\n".encode(), f"{2 * i + 1}\n".encode()) for i in range(n)]


async def test_a_submission_streams_every_test_and_ends_with_one_final_result(judge_fleet: JudgeFleet) -> None:
    problem = await judge_fleet.create_problem(tests=sums(10))
    sid = uuid.uuid4()
    async with judge_fleet.events(sid) as log:
        await judge_fleet.submit(problem, "python3", SUM, submission_id=sid)
        final = await log.authoritative()
        await asyncio.sleep(0.2)  # anything after the final event would show here
    row = await judge_fleet.wait_final(sid)
    assert row["verdict"] == "AC"
    assert row["score"] == 100.0
    assert len(row["results"]) == 10
    assert isinstance(log.events[0], Compiling)
    assert [e.seq for e in log.events] == sorted(e.seq for e in log.events)
    cases = [c.index for e in log.events if isinstance(e, CaseFinished) for c in e.batch]
    assert cases == list(range(10))
    finals = [e for e in log.events if isinstance(e, Finished)]
    assert [f.authoritative for f in finals] == [False, True]
    assert final.seq == finals[0].seq + 1
    assert await judge_fleet.redis.get(progress_key(sid)) is None  # dropped once the result is recorded


async def test_a_python_syntax_error_is_recorded_as_ce_with_the_interpreters_message(judge_fleet: JudgeFleet) -> None:
    problem = await judge_fleet.create_problem(tests=sums(3))
    sid = await judge_fleet.submit(problem, "python3", "print(sum(map(int, input().split()))\n")
    row = await judge_fleet.wait_final(sid)
    assert row["verdict"] == "CE"
    assert row["results"] == []
    assert 'File "main.py", line 1' in row["compile_output"]
    assert "SyntaxError: '(' was never closed" in row["compile_output"]


async def test_the_fleet_is_visible_and_ready(judge_fleet: JudgeFleet) -> None:
    problem = await judge_fleet.create_problem(tests=sums(4))
    sid = await judge_fleet.submit(problem, "python3", SLOW_SUM.format(delay=0.4))
    async with httpx.AsyncClient(base_url=judge_fleet.api_url) as client:
        busy = 0
        fleet = {}
        for _ in range(60):
            fleet = (await client.get("/api/system/workers")).json()
            busy = max(busy, fleet["busy"])
            if busy:
                break
            await asyncio.sleep(0.1)
        assert busy >= 1
        (worker,) = fleet["workers"]
        assert worker["slots"] == 2
        assert set(worker["languages"]) == {"python3", "cpp17"}
        ready = (await client.get("/ready")).json()
        assert ready["judge"]["ok"] is True
        assert ready["judge"]["workers"] == 1
    (judge,) = [p for p in judge_fleet.processes if p.name.startswith("judge")]
    assert "languages enabled: cpp17, python3" in judge.tail(100_000)
    assert (await judge_fleet.wait_final(sid))["verdict"] == "AC"


async def test_two_workers_share_the_queue(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=2, slots=1) as fleet:
        problem = await fleet.create_problem(tests=sums(1))
        ids = [await fleet.submit(problem, "python3", SLOW_SUM.format(delay=0.3)) for _ in range(12)]
        results = await fleet.wait_all_final(ids)
        assert {r["verdict"] for r in results} == {"AC"}
        await asyncio.sleep(1.5)  # one more heartbeat, with the final job counts
        beats = await fleet.workers()
        assert len(beats) == 2
        assert all(beat.jobs_done >= 1 for beat in beats), beats
        assert sum(beat.jobs_done for beat in beats) == 12


async def test_sigterm_drains_the_job_in_hand(judge_fleet: JudgeFleet) -> None:
    problem = await judge_fleet.create_problem(tests=sums(3))
    (judge,) = [p for p in judge_fleet.processes if p.name.startswith("judge")]
    sid = uuid.uuid4()
    async with judge_fleet.events(sid) as log:
        await judge_fleet.submit(problem, "python3", SLOW_SUM.format(delay=0.5), submission_id=sid)
        await log.wait_for(lambda e: isinstance(e, CaseFinished))
        code = await judge_fleet.stop(judge, within=60)
        final = await log.authoritative()
    assert code == 0
    assert final.verdict.value == "AC"
    assert sum(isinstance(e, Compiling) for e in log.events) == 1  # judged once, not retried


async def test_a_worker_refuses_to_start_on_a_host_that_cannot_sandbox(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=0, tasks=False, api=False) as fleet:
        process = await fleet.start_judge(extra_env={"SANDBOX_NSJAIL": "/nonexistent/nsjail"}, wait=False)
        code = await asyncio.to_thread(process.popen.wait, 60)
        assert code == 1
        assert "refusing to start" in process.tail()
        assert "nsjail" in process.tail()
        assert await fleet.workers() == []


def test_a_dead_sessions_sandbox_leftovers_are_swept(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    dead_pid = next(pid for pid in range(4_000_000, 4_100_000) if not Path(f"/proc/{pid}").exists())
    dead = tmp_path / f"verdict-fleet-{dead_pid}-abc123"
    alive = tmp_path / f"verdict-fleet-{os.getpid()}-def456"
    (dead / "slot0").mkdir(parents=True)
    alive.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "verdict-test-box", str(dead / "slot0")], check=True)
    assert sweep_dead_sessions(tmp_path) == [dead]
    assert not dead.exists()
    assert alive.exists()
    assert f" {dead}/slot0 " not in Path("/proc/mounts").read_text()
