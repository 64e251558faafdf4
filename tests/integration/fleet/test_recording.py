"""The API side of judging, in-process against real PostgreSQL and Redis: the test-set endpoint, recording reports
(idempotent, stale attempts ignored), the authoritative final event, and the reaper that ends every submission."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from arq import Retry, func
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from arq.jobs import Job, JobStatus
from arq.worker import Worker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.internal.guards import requires_judge_token
from api.domain.submissions.judging import SubmissionJudged, build_judge_request
from api.lib.timeutil import utcnow
from api.queue import JudgeQueue, create_arq_pool
from api.settings import Settings
from api.tasks import (
    FINAL_SEQ_WITHOUT_REPORT,
    REDIS_MARK_KEY,
    judge_job_id,
    reap_stale_submissions,
    record_judge_report,
    release_orphaned_jobs,
    release_report_jobs,
)
from judge_worker.contracts import (
    JUDGE_QUEUE,
    JUDGE_SUBMISSION,
    CaseResult,
    Finished,
    JudgeReport,
    JudgeRequest,
    TestCaseData,
    TestSetData,
    Verdict,
    decode_event,
    heartbeat_key,
    lease_key,
    pack_testset,
    progress_key,
    submission_channel,
    user_channel,
)

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def ctx(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    """What the api-tasks worker gives its jobs: settings, database sessions, Redis, the judge queue."""
    engine = create_engine(settings)
    pool = await create_arq_pool(settings.redis_url)
    await pool.set(REDIS_MARK_KEY, "marked")  # a Redis that kept its data (the recovery sweep: test_redis_loss.py)
    try:
        yield {
            "settings": settings,
            "sessions": session_factory(engine),
            "redis": pool,
            "judge_queue": JudgeQueue(pool),
            "job_try": 1,
        }
    finally:
        await pool.aclose()
        await engine.dispose()


async def make_submission(ctx: dict[str, Any], **fields: Any) -> m.Submission:
    data = TestSetData(tests=(TestCaseData(name="t0", input=b"1 2\n", expected=b"3\n"),))
    digest, packed = pack_testset(data)
    async with ctx["sessions"]() as session:
        if await session.get(m.TestSet, digest) is None:
            session.add(m.TestSet(digest=digest, data=packed, size_bytes=len(packed), test_count=1))
            await session.flush()
        user = m.User(email=f"s-{uuid.uuid4().hex[:8]}@example.com", display_name="Student")
        problem = m.Problem(slug=f"p-{uuid.uuid4().hex[:8]}", title="P", languages=["python3"], testset_digest=digest)
        session.add_all([user, problem])
        await session.flush()
        submission: m.Submission = m.Submission(
            user_id=user.id,
            problem_id=problem.id,
            language="python3",
            files={"main.py": "print(3)"},
            testset_digest=digest,
            **fields,
        )
        session.add(submission)
        await session.commit()
        return submission


async def reload(ctx: dict[str, Any], submission_id: uuid.UUID) -> m.Submission:
    async with ctx["sessions"]() as session:
        row: m.Submission | None = await session.get(m.Submission, submission_id)
        assert row is not None
        return row


def report_for(submission: m.Submission, **fields: Any) -> dict[str, Any]:
    report = JudgeReport(
        submission_id=submission.id,
        attempt=submission.attempt,
        verdict=Verdict.WA,
        score=50.0,
        cpu_ms=12,
        memory_kib=4000,
        message="test 2: WA",
        cases=(CaseResult(index=0, verdict=Verdict.AC), CaseResult(index=1, verdict=Verdict.WA)),
        last_seq=7,
    )
    built: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(report, **fields))
    return built


class Listener:
    def __init__(self, ctx: dict[str, Any], *channels: str) -> None:
        self.pubsub = ctx["redis"].pubsub()
        self.channels = channels

    async def __aenter__(self) -> Listener:
        await self.pubsub.subscribe(*self.channels)
        for _ in self.channels:
            await self.pubsub.get_message(timeout=1)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.pubsub.aclose()

    async def drain(self, wait: float = 0.3) -> list[tuple[str, bytes]]:
        messages: list[tuple[str, bytes]] = []
        while (message := await self.pubsub.get_message(timeout=wait)) is not None:
            if message["type"] == "message":
                messages.append((message["channel"].decode(), message["data"]))
        return messages


# --- the test-set endpoint -------------------------------------------------------------------------------------


async def test_the_judge_downloads_a_test_set_with_its_token(client: Client, settings: Settings) -> None:
    data = TestSetData(tests=(TestCaseData(name="t", input=b"in", expected=b"out"),))
    digest, packed = pack_testset(data)
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        session.add(m.TestSet(digest=digest, data=packed, size_bytes=len(packed), test_count=1))
        await session.commit()
    await engine.dispose()
    auth = {"Authorization": f"Bearer {settings.judge_token}"}
    resp = await client.get(f"/internal/testsets/{digest}", headers=auth)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/octet-stream"
    assert hashlib.sha256(resp.content).hexdigest() == digest
    assert (await client.get(f"/internal/testsets/{'0' * 64}", headers=auth)).status_code == 404
    assert (await client.get("/internal/testsets/..%2F..%2Fetc", headers=auth)).status_code == 404


async def test_the_test_set_endpoint_refuses_anyone_else(client: Client, settings: Settings) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {settings.judge_token}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {settings.judge_token}x"},
    ):
        resp = await client.get(f"/internal/testsets/{'0' * 64}", headers=headers)
        assert resp.status_code == 401, headers
        assert resp.headers["www-authenticate"].startswith("Bearer")


def test_the_internal_route_is_guarded(app: Litestar) -> None:
    routes = [r for r in app.routes if r.path.startswith("/internal/testsets")]
    assert routes
    for route in routes:
        for handler in route.route_handlers:  # type: ignore[union-attr]
            assert requires_judge_token in [getattr(g, "func", g) for g in handler.resolve_guards()]


# --- recording ------------------------------------------------------------------------------------------------


async def test_a_report_is_recorded_then_announced(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx)
    await ctx["redis"].set(progress_key(submission.id), b"{}")
    channels = (submission_channel(submission.id), user_channel(submission.user_id or ""))
    async with Listener(ctx, *channels) as listener:
        assert await record_judge_report(ctx, report_for(submission)) is True
        messages = await listener.drain()
    row = await reload(ctx, submission.id)
    assert (row.status, row.verdict, row.score, row.cpu_ms, row.memory_kib) == ("done", "WA", 50.0, 12, 4000)
    assert row.message == "test 2: WA"
    assert [r["verdict"] for r in row.results] == ["AC", "WA"]
    assert row.judged_at is not None
    assert [channel for channel, _ in messages] == list(channels)
    final = decode_event(messages[0][1])
    assert isinstance(final, Finished)
    assert final.authoritative
    assert final.seq == 8
    assert (final.verdict, final.score) == (Verdict.WA, 50.0)
    note = msgspec.json.decode(messages[1][1], type=SubmissionJudged)
    assert note.submission_id == submission.id
    assert note.verdict == "WA"
    assert await ctx["redis"].exists(progress_key(submission.id)) == 0


async def test_the_same_report_twice_is_recorded_once(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx)
    assert await record_judge_report(ctx, report_for(submission)) is True
    first = await reload(ctx, submission.id)
    async with Listener(ctx, submission_channel(submission.id)) as listener:
        assert await record_judge_report(ctx, report_for(submission, verdict=Verdict.AC, score=100.0)) is False
        assert await listener.drain() == []
    again = await reload(ctx, submission.id)
    assert (again.verdict, again.score, again.judged_at) == ("WA", 50.0, first.judged_at)


async def test_a_report_for_a_stale_attempt_is_ignored(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx, attempt=2)
    assert await record_judge_report(ctx, report_for(submission, attempt=1)) is False
    row = await reload(ctx, submission.id)
    assert row.status == m.SubmissionStatus.QUEUED
    assert row.verdict is None


async def test_a_database_outage_retries_the_recording(ctx: dict[str, Any], settings: Settings) -> None:
    submission = await make_submission(ctx)
    broken = msgspec.structs.replace(settings, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    engine = create_engine(broken)
    try:
        with pytest.raises(Retry):
            await record_judge_report({**ctx, "sessions": session_factory(engine)}, report_for(submission))
    finally:
        await engine.dispose()


# --- the reaper -----------------------------------------------------------------------------------------------


async def age(ctx: dict[str, Any], submission_id: uuid.UUID, seconds: int = 3600) -> None:
    async with ctx["sessions"]() as session:
        await session.execute(
            update(m.Submission)
            .where(m.Submission.id == submission_id)
            .values(updated_at=utcnow() - timedelta(seconds=seconds))
        )
        await session.commit()


async def test_a_stale_submission_whose_job_was_lost_is_enqueued_again(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx)
    await age(ctx, submission.id)
    assert await reap_stale_submissions(ctx) == 1
    job = Job(
        judge_job_id(submission.id, 1), ctx["redis"], _queue_name=JUDGE_QUEUE, _deserializer=msgspec.msgpack.decode
    )
    assert await job.status() is JobStatus.queued
    info = await job.info()
    assert info is not None
    assert info.args[0]["submission_id"] == str(submission.id)
    row = await reload(ctx, submission.id)
    assert row.status == m.SubmissionStatus.QUEUED
    assert row.updated_at > utcnow() - timedelta(minutes=1)  # the next look is a whole deadline away
    assert await reap_stale_submissions(ctx) == 0  # queued again: alive, left alone


async def test_a_fresh_or_queued_submission_is_left_alone(ctx: dict[str, Any]) -> None:
    fresh = await make_submission(ctx)
    waiting = await make_submission(ctx)
    problem_row = None
    await ctx["judge_queue"].enqueue_judge(build_judge_request(waiting, problem_row))
    await age(ctx, waiting.id)
    assert await reap_stale_submissions(ctx) == 0
    assert (await reload(ctx, fresh.id)).status == m.SubmissionStatus.QUEUED


async def test_too_many_requeues_end_as_ie_with_a_reason(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx)
    limit = ctx["settings"].judge_max_requeues
    async with Listener(ctx, submission_channel(submission.id)) as listener:
        for _ in range(limit):
            await age(ctx, submission.id)
            await ctx["redis"].delete(f"arq:job:{judge_job_id(submission.id, 1)}", JUDGE_QUEUE)
            assert await reap_stale_submissions(ctx) == 1
        await ctx["redis"].delete(f"arq:job:{judge_job_id(submission.id, 1)}", JUDGE_QUEUE)
        await age(ctx, submission.id)
        assert await reap_stale_submissions(ctx) == 1
        messages = await listener.drain()
    row = await reload(ctx, submission.id)
    assert (row.status, row.verdict) == ("done", "IE")
    assert f"did not finish after {limit} re-enqueues" in row.message
    final = decode_event(messages[-1][1])
    assert isinstance(final, Finished)
    assert final.authoritative
    assert final.seq == FINAL_SEQ_WITHOUT_REPORT


async def test_a_judge_job_that_failed_for_good_ends_as_ie(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx)
    pool: ArqRedis = ctx["redis"]

    async def crashing_judge(_ctx: dict[str, Any], _payload: dict[str, Any]) -> None:
        raise RuntimeError("a bug in the judge")

    await ctx["judge_queue"].enqueue_judge(build_judge_request(submission, None))
    worker = Worker(
        functions=[func(crashing_judge, name=JUDGE_SUBMISSION)],  # type: ignore[arg-type]
        queue_name=JUDGE_QUEUE,
        redis_pool=pool,
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        job_serializer=msgspec.msgpack.encode,
        job_deserializer=msgspec.msgpack.decode,
    )
    await worker.main()
    await age(ctx, submission.id)
    assert await reap_stale_submissions(ctx) == 1
    row = await reload(ctx, submission.id)
    assert (row.status, row.verdict) == ("done", "IE")
    assert "the judge failed on every try" in row.message


async def test_a_run_is_rebuilt_with_its_own_input(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx, kind=m.SubmissionKind.RUN, stdin=b"7 8\n")
    await age(ctx, submission.id)
    assert await reap_stale_submissions(ctx) == 1
    info = await Job(
        judge_job_id(submission.id, 1), ctx["redis"], _queue_name=JUDGE_QUEUE, _deserializer=msgspec.msgpack.decode
    ).info()
    assert info is not None
    rebuilt = msgspec.convert(info.args[0], JudgeRequest)
    assert rebuilt.testset_digest is None
    assert [(t.input, t.expected) for t in rebuilt.inline_tests] == [(b"7 8\n", None)]


async def test_a_dead_workers_job_is_released_at_once(ctx: dict[str, Any]) -> None:
    redis: ArqRedis = ctx["redis"]
    await redis.set(lease_key("judge:a:1"), "dead-worker")
    await redis.set(in_progress_key_prefix + "judge:a:1", b"1", px=600_000)
    await redis.set(lease_key("judge:b:1"), "live-worker")
    await redis.set(in_progress_key_prefix + "judge:b:1", b"1", px=600_000)
    await redis.set(heartbeat_key("live-worker"), b"{}", ex=30)
    assert await release_orphaned_jobs(redis) == 1
    assert await redis.exists(in_progress_key_prefix + "judge:a:1", lease_key("judge:a:1")) == 0
    assert await redis.exists(in_progress_key_prefix + "judge:b:1", lease_key("judge:b:1")) == 2


async def test_the_reaper_keeps_its_deadline(ctx: dict[str, Any]) -> None:
    submission = await make_submission(ctx)
    started = time.monotonic()
    assert await reap_stale_submissions(ctx, older_than=timedelta(hours=1)) == 0
    await asyncio.sleep(0)
    assert time.monotonic() - started < 5
    assert (await reload(ctx, submission.id)).status == m.SubmissionStatus.QUEUED


async def test_report_jobs_left_in_progress_are_released_at_start_up(ctx: dict[str, Any]) -> None:
    redis: ArqRedis = ctx["redis"]
    await redis.set(in_progress_key_prefix + "report:a:1", b"1", px=600_000)  # a killed api-tasks worker's
    await redis.set(in_progress_key_prefix + "judge:a:1", b"1", px=600_000)  # a judge's: not ours to free
    assert await release_report_jobs(redis) == 1
    assert await redis.exists(in_progress_key_prefix + "report:a:1") == 0
    assert await redis.exists(in_progress_key_prefix + "judge:a:1") == 1
