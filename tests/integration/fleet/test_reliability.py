"""Nothing is lost, nothing is recorded twice: real workers killed, Redis restarted, jobs duplicated, a burst."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import msgspec
import pytest
from redis.asyncio import Redis

from api.db import models as m
from api.domain.submissions.judging import build_judge_request
from judge_worker.contracts import (
    JUDGE_SUBMISSION,
    CaseFinished,
    Compiling,
    Finished,
    decode_event,
)
from tests.integration.conftest import FleetFactory
from tests.support.fleet import JudgeFleet

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SUM = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
SLOW_SUM = "import sys, time\ntime.sleep({delay})\nprint(sum(map(int, sys.stdin.read().split())))\n"


def sums(n: int) -> list[tuple[bytes, bytes]]:
    return [(f"{i} {i + 1}\n".encode(), f"{2 * i + 1}\n".encode()) for i in range(n)]


class FinalCounter:
    """Counts authoritative final events per submission on every ``submission:*`` channel."""

    def __init__(self) -> None:
        self.finals: Counter[str] = Counter()

    async def read(self, redis: Redis) -> None:
        pubsub = redis.pubsub()
        await pubsub.psubscribe("submission:*")
        try:
            async for message in pubsub.listen():
                if message.get("type") != "pmessage":
                    continue
                event = decode_event(message["data"])
                if isinstance(event, Finished) and event.authoritative:
                    self.finals[str(event.submission_id)] += 1
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]


@contextlib.asynccontextmanager
async def count_finals(fleet: JudgeFleet) -> AsyncIterator[FinalCounter]:
    counter = FinalCounter()
    # A connection of its own that survives a Redis restart by reconnecting (the pub/sub listener is restarted).
    redis = Redis.from_url(fleet.redis_url)

    async def keep_reading() -> None:
        while True:
            with contextlib.suppress(Exception):
                await counter.read(redis)
            await asyncio.sleep(0.2)

    task = asyncio.create_task(keep_reading())
    await asyncio.sleep(0.2)
    try:
        yield counter
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await redis.aclose()


async def test_a_worker_killed_mid_job_still_gives_exactly_one_final_result(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=2, slots=1) as fleet:
        problem = await fleet.create_problem(tests=sums(6))
        sid = uuid.uuid4()
        async with count_finals(fleet) as finals, fleet.events(sid) as log:
            await fleet.submit(problem, "python3", SLOW_SUM.format(delay=0.4), submission_id=sid)
            started = await log.wait_for(lambda e: isinstance(e, Compiling))
            await log.wait_for(lambda e: isinstance(e, CaseFinished))
            assert isinstance(started, Compiling)
            (victim,) = [p for p in fleet.processes if p.env.get("JUDGE_WORKER_ID") == started.worker]
            fleet.kill(victim)  # SIGKILL, mid-job
            row = await fleet.wait_final(sid, within=90)
            await asyncio.sleep(1.0)
        assert row["verdict"] == "AC"
        assert row["score"] == 100.0
        assert finals.finals[str(sid)] == 1
        workers = {e.worker for e in log.events if isinstance(e, Compiling)}
        assert len(workers) == 2  # the survivor judged it again from the start


async def test_redis_restarted_mid_flight_loses_nothing(fleet_factory: FleetFactory) -> None:
    async with fleet_factory(judges=1, slots=2) as fleet:
        problem = await fleet.create_problem(tests=sums(2))
        ids = [await fleet.submit(problem, "python3", SLOW_SUM.format(delay=0.05)) for _ in range(30)]
        await fleet.wait_final(ids[2])  # judging is under way (jobs run roughly in order)
        fleet.redis_server.kill()  # a crash: whatever the append-only file did not hold yet is gone
        await asyncio.sleep(1.5)
        fleet.redis_server.start()
        rows = await fleet.wait_all_final(ids, within=120)
        assert [r["verdict"] for r in rows] == ["AC"] * 30
        assert all(p.alive for p in fleet.processes), fleet.logs()


async def test_the_same_job_delivered_twice_is_recorded_once(judge_fleet: JudgeFleet) -> None:
    problem = await judge_fleet.create_problem(tests=sums(3))
    sid = uuid.uuid4()
    async with count_finals(judge_fleet) as finals, judge_fleet.events(sid) as log:
        await judge_fleet.submit(problem, "python3", SUM, submission_id=sid)
        async with judge_fleet.sessions() as session:
            row = await session.get(m.Submission, sid)
            problem_row = await session.get(m.Problem, problem)
            assert row is not None
            again = build_judge_request(row, problem_row)
        # The same request again under another job id: arq's de-duplication cannot see it.
        await judge_fleet.queue.pool.enqueue_job(
            JUDGE_SUBMISSION, msgspec.to_builtins(again), _job_id=f"duplicate:{sid}"
        )
        await log.wait_for(lambda e: sum(isinstance(x, Compiling) for x in log.events) >= 2 and e is not None)
        first = await judge_fleet.wait_final(sid)
        await log.wait_for(lambda e: sum(isinstance(x, Finished) for x in log.events) >= 3)
        await asyncio.sleep(1.0)
    assert first["verdict"] == "AC"
    assert finals.finals[str(sid)] == 1
    assert (await judge_fleet.submission(sid))["judged_at"] == first["judged_at"]


async def test_two_hundred_submissions_at_once_give_two_hundred_results(judge_fleet: JudgeFleet) -> None:
    problem = await judge_fleet.create_problem(tests=sums(2))
    async with count_finals(judge_fleet) as finals:
        ids = await asyncio.gather(*(judge_fleet.submit(problem, "python3", SUM) for _ in range(200)))
        rows = await judge_fleet.wait_all_final(ids, within=240)
        await asyncio.sleep(1.0)
    assert len(rows) == 200
    assert Counter(r["verdict"] for r in rows) == {"AC": 200}
    assert {r["id"] for r in rows} == {str(i) for i in ids}
    assert set(finals.finals) == {str(i) for i in ids}
    assert set(finals.finals.values()) == {1}
