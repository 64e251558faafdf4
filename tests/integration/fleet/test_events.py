"""Live events on real Redis: sequence numbers, coalescing to ~10 per second (the last always sent), progress."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from redis.asyncio import Redis

from judge_worker.contracts import (
    CaseFinished,
    CaseResult,
    CompileFinished,
    Compiling,
    Finished,
    JudgeEvent,
    JudgeProgress,
    JudgeRequest,
    Verdict,
    decode_event,
    progress_key,
    submission_channel,
)
from judge_worker.events import MIN_INTERVAL_S, PROGRESS_TTL_S, EventStream


class Received:
    def __init__(self) -> None:
        self.events: list[tuple[float, JudgeEvent]] = []

    def of(self, kind: type[JudgeEvent]) -> list[tuple[float, JudgeEvent]]:
        return [(t, e) for t, e in self.events if isinstance(e, kind)]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def listen(redis: Redis, request: JudgeRequest, received: Received) -> None:
    pubsub = redis.pubsub()
    await pubsub.subscribe(submission_channel(request.submission_id))
    try:
        async for message in pubsub.listen():
            if message["type"] == "message":
                received.events.append((time.monotonic(), decode_event(message["data"])))
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]


def case(index: int) -> CaseResult:
    return CaseResult(index=index, verdict=Verdict.AC, cpu_ms=index)


async def stream(redis: Redis) -> AsyncIterator[tuple[EventStream, JudgeRequest, Received]]:
    request = JudgeRequest(submission_id=uuid.uuid4(), attempt=2, language="python3", files={})
    received = Received()
    reader = asyncio.create_task(listen(redis, request, received))
    await asyncio.sleep(0.05)
    yield EventStream(redis, request, worker="w1"), request, received
    await asyncio.sleep(0.05)
    reader.cancel()


async def test_the_first_result_is_not_held_back_by_the_compile_events(redis: Redis) -> None:
    async for events, _request, received in stream(redis):
        await events.compiling()
        await events.compile_finished(ok=True, output="", cpu_ms=0)
        await events.case_finished(case(0), total=3)
        assert events.sent == 3  # published before case_finished returned, not held for the pacing window
        await asyncio.sleep(0.05)
        ((_, first),) = received.of(CaseFinished)
        assert isinstance(first, CaseFinished)
        assert first.batch == (case(0),)
        assert first.total == 3
        await events.finished(verdict=Verdict.AC, score=100.0, cpu_ms=0, memory_kib=0, message="")


async def test_results_are_coalesced_and_the_last_always_sent(redis: Redis) -> None:
    async for events, request, received in stream(redis):
        await events.compiling()
        started = time.monotonic()
        for index in range(40):
            await events.case_finished(case(index), total=40)
            await asyncio.sleep(0.01)
        await events.finished(verdict=Verdict.AC, score=100.0, cpu_ms=39, memory_kib=1, message="")
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.05)
        cases = received.of(CaseFinished)
        assert len(cases) <= elapsed / MIN_INTERVAL_S + 2  # ~10 per second at most
        assert len(cases) >= 3
        times = [t for t, _ in cases][:-1]  # the last one goes out with Finished, whenever that is
        assert all(b - a > MIN_INTERVAL_S * 0.8 for a, b in itertools.pairwise(times))
        batches = [c for _, e in cases if isinstance(e, CaseFinished) for c in e.batch]
        assert [c.index for c in batches] == list(range(40))  # nothing lost, nothing repeated
        all_events = [e for _, e in received.events]
        assert [e.seq for e in all_events] == list(range(1, len(all_events) + 1))
        assert {e.attempt for e in all_events} == {2}
        assert isinstance(all_events[0], Compiling)
        assert isinstance(all_events[-1], Finished)
        assert events.last_seq == all_events[-1].seq
        progress = msgspec.json.decode(await redis.get(progress_key(request.submission_id)), type=JudgeProgress)
        assert [c.index for c in progress.cases] == list(range(40))
        assert progress.last_seq == events.last_seq
        assert progress.finished is not None
        assert 0 < await redis.ttl(progress_key(request.submission_id)) <= PROGRESS_TTL_S


async def test_a_late_viewer_catches_up_from_the_progress(redis: Redis) -> None:
    async for events, request, _received in stream(redis):
        await events.compiling()
        await events.compile_finished(ok=True, output="warning: unused", cpu_ms=5)
        for index in range(3):
            await events.case_finished(case(index), total=5)
        await asyncio.sleep(MIN_INTERVAL_S * 1.5)  # the trailing flush
        progress = msgspec.json.decode(await redis.get(progress_key(request.submission_id)), type=JudgeProgress)
        assert progress.compiled is True
        assert progress.compile_output == "warning: unused"
        assert [c.index for c in progress.cases] == [0, 1, 2]
        assert progress.total == 5
        assert progress.finished is None
        assert progress.worker == "w1"
        await events.finished(verdict=Verdict.WA, score=0.0, cpu_ms=0, memory_kib=0, message="")


async def test_events_are_best_effort_when_redis_is_gone() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0")
    request = JudgeRequest(submission_id=uuid.uuid4(), language="python3", files={})
    events = EventStream(dead, request, worker="w1")
    await events.compiling()
    await events.case_finished(case(0), total=1)
    await events.finished(verdict=Verdict.AC, score=100.0, cpu_ms=0, memory_kib=0, message="")
    assert events.sent == 0
    assert events.last_seq == 3  # numbering goes on, so the report's last_seq is still right
    await dead.aclose()


def test_compile_finished_carries_the_output() -> None:
    event = CompileFinished(submission_id=uuid.uuid4(), attempt=1, seq=2, ok=False, output="error: x")
    assert decode_event(msgspec.json.encode(event)) == event
