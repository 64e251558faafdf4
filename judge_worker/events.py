"""Live events: sequence-numbered, coalesced to at most ~10 per second per submission, the last always sent.

Each flush is one Redis round trip (a pipeline): PUBLISH on ``submission:<id>`` and SET of the in-flight progress
at ``progress:<id>`` (with a TTL), so a viewer who arrives late reads the progress, then follows the channel.
Events are best effort: if Redis is unreachable they are logged and dropped; the durable result travels through
the report job, never through events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Final

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

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
    encode_event,
    progress_key,
    submission_channel,
)

__all__ = ["MIN_INTERVAL_S", "EventStream"]

logger = logging.getLogger("verdict.judge.events")

MIN_INTERVAL_S: Final = 0.1  # at most ~10 events per second per submission
PROGRESS_TTL_S: Final = 900


class EventStream:
    """The events of one judge attempt. Not thread-safe; one per job."""

    def __init__(
        self,
        redis: Redis,
        request: JudgeRequest,
        *,
        worker: str,
        min_interval_s: float = MIN_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._submission_id = request.submission_id
        self._attempt = request.attempt
        self._worker = worker
        self._channel = submission_channel(request.submission_id)
        self._progress_key = progress_key(request.submission_id)
        self._interval = min_interval_s
        self._clock = clock
        self._seq = 0
        self._last_sent = float("-inf")
        self._pending: list[CaseResult] = []
        self._total = 0
        self._timer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._progress = JudgeProgress(submission_id=request.submission_id, attempt=request.attempt, worker=worker)
        self._failed = False
        self.sent: int = 0  # events published (for tests and logs)

    @property
    def last_seq(self) -> int:
        return self._seq

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def compiling(self) -> None:
        event = Compiling(submission_id=self._submission_id, attempt=self._attempt, seq=0, worker=self._worker)
        await self._send([event], paced=False)

    async def compile_finished(self, *, ok: bool, output: str, cpu_ms: int) -> None:
        self._progress = msgspec.structs.replace(self._progress, compiled=ok, compile_output=output)
        event = CompileFinished(
            submission_id=self._submission_id, attempt=self._attempt, seq=0, ok=ok, output=output, cpu_ms=cpu_ms
        )
        await self._send([event], paced=False)

    async def case_finished(self, result: CaseResult, *, total: int) -> None:
        """Queue a test's result; it is sent now if the last event is ~100 ms old, else with the next flush."""
        self._pending.append(result)
        self._total = total
        wait = self._last_sent + self._interval - self._clock()
        if wait <= 0:
            await self._flush_cases()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_later(wait))

    async def cases_finished(self, results: list[CaseResult], *, total: int) -> None:
        """Queue several results at once (the skipped tests at the end), sent with the next flush."""
        if not results:
            return
        self._pending.extend(results[:-1])
        await self.case_finished(results[-1], total=total)

    async def finished(self, *, verdict: Verdict, score: float, cpu_ms: int, memory_kib: int, message: str) -> None:
        """Send what is pending, then the (non-authoritative) Finished event, in one round trip."""
        self._cancel_timer()
        events: list[JudgeEvent] = []
        if self._pending:
            events.append(self._cases_event())
        events.append(
            Finished(
                submission_id=self._submission_id,
                attempt=self._attempt,
                seq=0,
                verdict=verdict,
                score=score,
                cpu_ms=cpu_ms,
                memory_kib=memory_kib,
                message=message,
            )
        )
        await self._send(events)

    async def aclose(self) -> None:
        self._cancel_timer()

    def _cancel_timer(self) -> None:
        if self._timer is not None and not self._timer.done() and self._timer is not asyncio.current_task():
            self._timer.cancel()
        self._timer = None

    async def _flush_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._timer = None
        await self._flush_cases()

    async def _flush_cases(self) -> None:
        if self._pending:
            await self._send([self._cases_event()])

    def _cases_event(self) -> CaseFinished:
        batch, self._pending = tuple(self._pending), []
        last = batch[-1]
        return CaseFinished(
            submission_id=self._submission_id,
            attempt=self._attempt,
            seq=0,
            index=last.index,
            verdict=last.verdict,
            cpu_ms=last.cpu_ms,
            memory_kib=last.memory_kib,
            total=self._total,
            result=last,
            batch=batch,
        )

    async def _send(self, events: list[JudgeEvent], *, paced: bool = True) -> None:
        """Publish ``events`` (numbered in order) and the progress, in one round trip. Only test results are
        paced: the one-off compile events never hold back the first test's result."""
        async with self._lock:
            numbered = [msgspec.structs.replace(event, seq=self._next_seq()) for event in events]
            for event in numbered:
                self._apply(event)
            if paced:
                self._last_sent = self._clock()
            if self._failed:
                return
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for event in numbered:
                        pipe.publish(self._channel, encode_event(event))
                    pipe.set(self._progress_key, msgspec.json.encode(self._progress), ex=PROGRESS_TTL_S)
                    await pipe.execute()
                self.sent += len(numbered)
            except (RedisError, OSError) as exc:
                # Live events are best effort; stop trying for this job rather than slow judging down.
                self._failed = True
                logger.warning("live events for %s stopped: %s", self._submission_id, exc)

    def _apply(self, event: JudgeEvent) -> None:
        progress = msgspec.structs.replace(self._progress, last_seq=event.seq)
        if isinstance(event, CaseFinished):
            progress = msgspec.structs.replace(progress, cases=(*progress.cases, *event.batch), total=event.total)
        elif isinstance(event, Finished):
            progress = msgspec.structs.replace(progress, finished=event)
        self._progress = progress
