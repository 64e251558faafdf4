"""Draining and rolling updates with real arq judge workers (plain processes) and the real ``verdict fleet`` CLI."""

from __future__ import annotations

import asyncio
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable

from tests.integration.conftest import FleetFactory
from tests.support.fleet import FleetProcess, JudgeFleet

AC = "print(sum(map(int, input().split())))"
SLOW = "import time\ntime.sleep({delay})\nprint(sum(map(int, input().split())))"


async def verdict_fleet(fleet: JudgeFleet, *args: str, redis_url: str | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "fleet",
        *args,
        env={**fleet.base_env(), "REDIS_URL": redis_url or fleet.redis_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def until(predicate: Callable[[], object], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not met")


def judged_by(process: FleetProcess) -> Counter[str]:
    """How many times this worker judged each submission (its 'judged <id> attempt n' log lines)."""
    return Counter(re.findall(r"judged ([0-9a-f-]{36}) attempt", process.tail(10**7)))


async def running_on(fleet: JudgeFleet, worker_id: str) -> int:
    return next((w.running for w in await fleet.workers() if w.id == worker_id), 0)


async def test_a_drained_worker_finishes_its_job_takes_no_new_one_and_exits(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=0) as fleet:
        old = await fleet.start_judge(slots=1)
        old_id = old.env["JUDGE_WORKER_ID"]
        problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n")], time_limit_ms=8000)
        slow = await fleet.submit(problem, "python3", SLOW.format(delay=4))
        await until(lambda: running_on(fleet, old_id))

        drain = asyncio.create_task(verdict_fleet(fleet, "drain", old_id, "--wait", "60"))

        async def draining() -> bool:
            return any(w.id == old_id and w.draining for w in await fleet.workers())

        await until(draining)
        later = [await fleet.submit(problem, "python3", AC) for _ in range(3)]
        code, out = await drain
        assert code == 0, out
        assert "has drained and exited" in out
        assert await asyncio.to_thread(old.popen.wait, 30) == 0  # exited by itself, status 0
        assert (await fleet.wait_final(slow))["verdict"] == "AC"  # the running job was finished, not cut
        await asyncio.sleep(0.5)
        assert [(await fleet.submission(s))["status"] for s in later] == ["queued"] * 3  # no new job taken
        assert await fleet.redis.zcard("judge") == 3

        new = await fleet.start_judge(slots=2)
        rows = await fleet.wait_all_final(later)
        assert [r["verdict"] for r in rows] == ["AC"] * 3
        assert judged_by(old) == {str(slow): 1}
        assert judged_by(new) == {str(s): 1 for s in later}


async def test_a_rolling_update_judges_every_submission_exactly_once(fleet_factory: FleetFactory) -> None:
    """Old workers and new ones side by side while submissions keep coming; then the old ones drain."""
    async with fleet_factory(judges=0) as fleet:
        old = [
            await fleet.start_judge(slots=2, extra_env={"JUDGE_WORKER_ID": f"old-{i}-{uuid.uuid4().hex[:4]}"})
            for i in range(2)
        ]
        problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n"), (b"2 2\n", b"4\n")], time_limit_ms=5000)
        ids: list[uuid.UUID] = []

        async def keep_submitting(count: int) -> None:
            for i in range(count):
                ids.append(await fleet.submit(problem, "python3", SLOW.format(delay=0.2 if i % 3 else 0.6)))
                await asyncio.sleep(0.1)

        submitting = asyncio.create_task(keep_submitting(30))
        await until(lambda: len(ids) >= 8)
        new = [
            await fleet.start_judge(slots=2, extra_env={"JUDGE_WORKER_ID": f"new-{i}-{uuid.uuid4().hex[:4]}"})
            for i in range(2)
        ]
        both = {w.id for w in await fleet.workers()}
        assert {p.env["JUDGE_WORKER_ID"] for p in old + new} <= both  # side by side
        for process in old:
            code, out = await verdict_fleet(fleet, "drain", process.env["JUDGE_WORKER_ID"])
            assert code == 0, out
        await submitting
        for process in old:
            assert await asyncio.to_thread(process.popen.wait, 60) == 0
        rows = await fleet.wait_all_final(ids, within=180)
        assert [r["verdict"] for r in rows] == ["AC"] * len(ids)
        assert {r["attempt"] for r in rows} == {1}
        counts: Counter[str] = Counter()
        for process in old + new:
            counts.update(judged_by(process))
        assert counts == {str(i): 1 for i in ids}, counts  # each judged once, by exactly one worker
        assert sum(judged_by(p).total() for p in old) > 0
        assert sum(judged_by(p).total() for p in new) > 0
        status_code, status = await verdict_fleet(fleet, "status")
        assert status_code == 0
        assert all(p.env["JUDGE_WORKER_ID"] in status for p in new)
        assert not any(p.env["JUDGE_WORKER_ID"] in status for p in old)


async def test_bad_fleet_requests_are_refused_with_a_reason(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=0, tasks=False, api=False) as fleet:
        code, out = await verdict_fleet(fleet, "drain", "no-such-worker")
        assert code == 1
        assert "no live judge worker 'no-such-worker'" in out
        code, out = await verdict_fleet(fleet, "up", "500", "--max-workers", "8")
        assert code == 2
        assert "beyond the limit of 8" in out
        code, out = await verdict_fleet(fleet, "scale", "-1")
        assert code == 2
        assert "cannot have -1 workers" in out
        code, out = await verdict_fleet(fleet, "autoscale", "--min", "5", "--max", "2", "--once")
        assert code == 2
        assert "need 0 <= min <= max" in out
        dead = "redis://127.0.0.1:1/0"
        code, out = await verdict_fleet(fleet, "drain", "anything", redis_url=dead)
        assert code == 1
        assert "Redis is unreachable, nothing was drained" in out
        code, out = await verdict_fleet(fleet, "status", redis_url=dead)
        assert code == 1
        assert "Redis is unreachable" in out


async def test_a_drain_survives_a_redis_restart_and_loses_nothing(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=0) as fleet:
        worker = await fleet.start_judge(slots=1)
        worker_id = worker.env["JUDGE_WORKER_ID"]
        problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n")], time_limit_ms=8000)
        slow = await fleet.submit(problem, "python3", SLOW.format(delay=3))
        await until(lambda: running_on(fleet, worker_id))
        code, out = await verdict_fleet(fleet, "drain", worker_id)
        assert code == 0, out
        await asyncio.sleep(0.8)  # the worker has seen the request
        fleet.redis_server.stop()
        await asyncio.sleep(1.0)
        fleet.redis_server.start()
        assert await asyncio.to_thread(worker.popen.wait, 60) == 0
        assert (await fleet.wait_final(slow, within=60))["verdict"] == "AC"
