"""Redis loses its data (restarted without persistence): every queued and in-flight submission is found in the
database and enqueued again at once (not a reaper deadline later), and a live page resumes from the database."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from arq.jobs import Job, JobStatus
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import WebSocketTestSession

from api.db import models as m
from api.domain.submissions.judging import build_judge_request
from api.lib.timeutil import utcnow
from api.settings import Settings
from api.tasks import REDIS_MARK_KEY, judge_job_id, reap_stale_submissions
from judge_worker.contracts import JUDGE_QUEUE
from tests.integration.conftest import FleetFactory
from tests.integration.fleet.test_recording import age, ctx, make_submission, reload
from tests.integration.fleet.test_reliability import SLOW_SUM, count_finals, sums
from tests.integration.problems.support import Client, People, app_client, make_people
from tests.support.fleet import JudgeFleet

__all__ = ["ctx"]  # the api-tasks job context fixture, shared with test_recording


async def _queued(ctx: dict[str, Any], submission: m.Submission) -> bool:
    job = Job(judge_job_id(submission.id, 1), ctx["redis"], _queue_name=JUDGE_QUEUE)
    return await job.status() is JobStatus.queued


# --- the sweep, against a real Redis and PostgreSQL -------------------------------------------------------------


async def test_with_the_mark_gone_every_unfinished_submission_is_looked_at_at_once(ctx: dict[str, Any]) -> None:
    fresh = await make_submission(ctx)  # committed a moment ago: far from any deadline
    judging = await make_submission(ctx, status=m.SubmissionStatus.JUDGING)
    waiting = await make_submission(ctx)
    await ctx["judge_queue"].enqueue_judge(build_judge_request(waiting, None))  # its job is alive: left alone
    done = await make_submission(ctx, status=m.SubmissionStatus.DONE, verdict="AC", score=100.0)
    assert await reap_stale_submissions(ctx) == 0  # Redis kept its data: nothing is past the deadline

    await ctx["redis"].flushall()  # what a restart without persistence leaves
    await ctx["judge_queue"].enqueue_judge(build_judge_request(waiting, None))
    assert await reap_stale_submissions(ctx) == 2
    assert await _queued(ctx, fresh)
    assert await _queued(ctx, judging)
    assert await ctx["redis"].exists(REDIS_MARK_KEY)
    assert (await reload(ctx, done.id)).status == m.SubmissionStatus.DONE
    assert not await _queued(ctx, done)
    assert await reap_stale_submissions(ctx) == 0  # marked again: back to the deadline


async def test_the_recovery_sweep_goes_through_every_batch(
    ctx: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.tasks.REAP_BATCH", 2)
    subs = [await make_submission(ctx) for _ in range(5)]
    alive = subs[1]
    await ctx["redis"].flushall()
    await ctx["judge_queue"].enqueue_judge(build_judge_request(alive, None))
    for offset, sub in enumerate(subs):
        await age(ctx, sub.id, seconds=60 - offset)  # distinct, ordered update times
    assert await reap_stale_submissions(ctx) == 4
    assert all([await _queued(ctx, sub) for sub in subs])


async def test_a_failed_recovery_sweep_is_tried_again(ctx: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    sub = await make_submission(ctx)
    await ctx["redis"].flushall()

    async def broken(*_args: Any) -> int:
        raise RuntimeError("the database went away mid-sweep")

    monkeypatch.setattr("api.tasks._reap", broken)
    with pytest.raises(RuntimeError):
        await reap_stale_submissions(ctx)
    assert not await ctx["redis"].exists(REDIS_MARK_KEY)
    monkeypatch.undo()
    assert await reap_stale_submissions(ctx) == 1
    assert await _queued(ctx, sub)


async def test_an_explicit_deadline_is_kept_even_after_a_loss(ctx: dict[str, Any]) -> None:
    sub = await make_submission(ctx)
    await ctx["redis"].flushall()
    assert await reap_stale_submissions(ctx, older_than=timedelta(hours=1)) == 0
    assert (await reload(ctx, sub.id)).updated_at > utcnow() - timedelta(minutes=1)


# --- the whole platform: real workers, a real Redis restarted empty, a live page ----------------------------------


@dataclass
class Watcher:
    socket: WebSocketTestSession
    messages: list[dict[str, Any]]

    async def receive(self, within: float = 60) -> dict[str, Any]:
        try:
            message = await asyncio.to_thread(self.socket.receive, True, within)
        except WebSocketDisconnect as closed:
            decoded: dict[str, Any] = {"type": "<closed>", "code": closed.code}
        else:
            text = message.get("text")
            assert isinstance(text, str), f"every message is a JSON text frame, got {message!r}"
            decoded = json.loads(text)
        self.messages.append(decoded)
        return decoded


@dataclass
class Platform:
    fleet: JudgeFleet
    client: Client
    people: People


@pytest.fixture
async def platform(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings
) -> AsyncIterator[Platform]:
    # The ordinary reaper's deadline is an hour: only the recovery sweep can bring the lost jobs back in time.
    async with (
        fleet_factory(judges=1, slots=2, env={"JUDGE_REAP_AFTER": "3600"}) as fleet,
        app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, _settings),
    ):
        yield Platform(fleet=fleet, client=client, people=await make_people(settings))


@pytest.mark.sandbox
@pytest.mark.slow
async def test_redis_restarted_empty_loses_no_submission_and_the_live_page_resumes(platform: Platform) -> None:
    fleet, student = platform.fleet, platform.people.student
    problem = await fleet.create_problem(tests=sums(2))
    ids = [
        await fleet.submit(problem, "python3", SLOW_SUM.format(delay=0.15), user_id=student.user_id) for _ in range(24)
    ]
    watched = ids[-1]  # queued behind the others when Redis goes
    session = await platform.client.websocket_connect(f"/ws/submissions/{watched}", headers=student.headers)
    watcher = Watcher(socket=await asyncio.to_thread(session.__enter__), messages=[])
    first = await watcher.receive()
    assert first["type"] == "snapshot"
    assert first["submission"]["status"] in {"queued", "judging"}

    async with count_finals(fleet) as finals:
        await fleet.wait_final(ids[2])
        lost = time.monotonic()
        await asyncio.to_thread(fleet.restart_redis, empty=True, down_for=1.0)
        rows = await fleet.wait_all_final(ids, within=90)
        recovered = time.monotonic() - lost
        await asyncio.sleep(0.5)
    print(f"\nRedis restarted empty: all {len(ids)} submissions final {recovered:.1f} s after the loss")
    assert [r["verdict"] for r in rows] == ["AC"] * len(ids)
    assert [r["score"] for r in rows] == [100.0] * len(ids)
    assert max(finals.finals.values(), default=0) <= 1  # never two authoritative results for one submission
    assert "Redis has no judge state" in next(p for p in fleet.processes if p.name == "api-tasks").tail(20000)
    assert all(p.alive for p in fleet.processes), fleet.logs()

    # The live page: after the interruption a fresh snapshot from the database, then the end, nothing lost.
    while watcher.messages[-1]["type"] != "<closed>":
        last = await watcher.receive()
        if last["type"] == "finished" and last.get("authoritative"):
            break
        if last["type"] == "snapshot" and last["submission"]["status"] == "done":
            break
    kinds = [msg["type"] for msg in watcher.messages]
    resyncs = [msg for msg in watcher.messages[1:] if msg["type"] == "snapshot"]
    assert resyncs, kinds  # the fresh snapshot once live events were back
    assert resyncs[0]["submission"]["status"] in {"queued", "judging"}, kinds
    assert "case_finished" in kinds[kinds.index("snapshot", 1) :], kinds  # then live events again
    final = watcher.messages[-1]
    assert (final["type"], final.get("authoritative"), final.get("verdict")) == ("finished", True, "AC"), kinds
    await asyncio.to_thread(watcher.socket.__exit__, None, None, None)
