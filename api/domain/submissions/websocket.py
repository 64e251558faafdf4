"""``WS /ws/submissions/{id}``: live results for the submission's owner and for instructors.

Protocol (server to client; every message is one JSON text frame with camelCase keys and a ``type``):

1. ``{"type": "snapshot", "submission": {...}, "progress": {...} | null, "queuePosition": n | null, "judges": n,
   "estimatedWaitS": s | null}`` — sent first, right after the subscription to ``submission:<id>`` is in place: the
   submission as ``GET /api/submissions/{id}`` shows it; when it is still being judged, ``progress`` holds every test
   judged so far (``cases``), the last event seq (``lastSeq``), ``total`` and the compile state; ``queuePosition``
   is 1 for the next job to start (jobs being judged are not counted); ``judges`` counts the live judge workers (0:
   it waits for a judge; null: unknown); ``estimatedWaitS`` is the estimated time before judging starts (null
   until a judge has measured its average job time).
2. while it waits in the queue, ``{"type": "queue", "queuePosition": n, "estimatedWaitS": s | null, "judges": n}``
   whenever the position or the estimate changed (looked at every :data:`QUEUE_TICK_S`), until the judge starts;
3. then the judge's events as they happen: ``compiling``, ``compile_finished``, ``case_finished`` (with ``result``
   and ``batch``, the tests finished since the previous event) and ``finished``; each carries ``attempt`` and
   ``seq``. Events may repeat what the snapshot holds: drop duplicates by ``(attempt, seq)``.
4. after an interruption of the live stream (Redis restarted) a new ``snapshot`` from the database;
5. the last message is the authoritative ``finished`` (``"authoritative": true``, sent once the result is in the
   database); the server then closes with 1000. A submission already judged gets its snapshot and the close.

Tests the viewer may not see arrive without output or messages, exactly as in the HTTP API. An assessment's
submission whose results are hidden from the viewer (api/domain/assessments/visibility.py decides) gets no judge
events at all: its snapshot says ``resultsHiddenUntil``, and once it is judged a last snapshot (status ``done``,
still without verdict or score) and the close. The client sends
nothing (anything it sends is ignored). A submission that is not the viewer's closes the socket with 4404.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any, Final
from uuid import UUID

import msgspec
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.subscriber import Subscriber
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user
from api.domain.assessments.visibility import audience_for
from api.domain.courses.access import course_staff_sees_submission
from api.domain.problems.services import testset_manifest
from api.domain.submissions import schemas
from api.domain.submissions.views import Audience, case_views, filter_event, submission_view
from api.domain.system.services import estimate_start_s, list_workers
from api.lib.channels import RESYNC
from api.lib.schema import CamelizedBaseStruct
from judge_worker.contracts import (
    JUDGE_QUEUE,
    Finished,
    JudgeEvent,
    JudgeProgress,
    WorkerHeartbeat,
    decode_event,
    progress_key,
    submission_channel,
)

__all__ = [
    "RECHECK_S",
    "Progress",
    "QueueState",
    "Snapshot",
    "ViewerStream",
    "refresh",
    "submission_progress",
]

logger = logging.getLogger("verdict.live")
RECHECK_S: Final = 15.0  # with no event for this long, look at the database (a lost final event ends nothing)
QUEUE_TICK_S: Final = 1.0  # while a submission waits, its viewers' queue position is looked at this often
_FLEET_TTL_S: Final = 1.0  # the workers' heartbeats, read at most this often per process for the queue messages
_CAMEL: Final = re.compile(r"_([a-z0-9])")
_fleet_cache: dict[int, tuple[float, list[WorkerHeartbeat]]] = {}
_FRAMES_KEPT: Final = 512  # the frames of the latest events (see _shown)
_frames: OrderedDict[tuple[bytes | str, Audience, bool, str | None], str] = OrderedDict()


class Progress(CamelizedBaseStruct):
    attempt: int
    last_seq: int
    total: int
    compiled: bool | None
    compile_output: str
    cases: list[schemas.CaseView]


class Snapshot(CamelizedBaseStruct, tag="snapshot", tag_field="type"):
    submission: schemas.Submission
    progress: Progress | None
    queue_position: int | None
    judges: int | None = None  # live judge workers (0: the submission waits for a judge); None: unknown
    estimated_wait_s: float | None = None  # before judging starts (None: not waiting, or no judge to estimate from)


class QueueState(CamelizedBaseStruct, tag="queue", tag_field="type"):
    """Sent while the submission waits, whenever its position or the estimate changed."""

    queue_position: int | None
    estimated_wait_s: float | None
    judges: int | None


class _Watch(msgspec.Struct, kw_only=True):
    submission: m.Submission
    tests: Sequence[Mapping[str, Any]]
    audience: Audience
    run: bool
    tests_digest: str | None  # the test set ``tests`` was read from (the submission's may change on a rejudge)


def _camel_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_CAMEL.sub(lambda g: g.group(1).upper(), str(k)): _camel_keys(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_camel_keys(v) for v in value]
    return value


def event_message(event: JudgeEvent) -> bytes:
    return msgspec.json.encode(_camel_keys(msgspec.to_builtins(event)))


def _shown(raw: bytes | str, event: JudgeEvent, watch: _Watch) -> str:
    """The frame this viewer gets for the event. Every viewer of a submission receives the same published bytes:
    the frame is made once per (event, audience, test set) and reused (1,000 watchers, one encoding)."""
    key = (raw, watch.audience, watch.run, watch.tests_digest)
    frame = _frames.get(key)
    if frame is None:
        frame = event_message(filter_event(event, watch.tests, watch.audience, run=watch.run)).decode()
        _frames[key] = frame
        if len(_frames) > _FRAMES_KEPT:
            _frames.popitem(last=False)
    return frame


async def _load(engine: AsyncEngine, submission_id: UUID, viewer: m.User) -> _Watch | None:
    """The submission and its test manifest, in a short-lived session (released before streaming starts)."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        submission = await session.get(m.Submission, submission_id)
        if submission is None:
            return None
        mine_or_admin = viewer.role is m.Role.ADMIN or submission.user_id == viewer.id
        if not mine_or_admin and not await course_staff_sees_submission(session, viewer, submission):
            return None  # neither the owner, an admin, nor staff of a course with the submitter and problem
        testset = await session.get(m.TestSet, submission.testset_digest) if submission.testset_digest else None
        tests = testset_manifest(testset)["tests"]
        audience = await audience_for(session, viewer, submission)
    return _Watch(
        submission=submission,
        tests=tests,
        audience=audience,
        run=submission.kind is m.SubmissionKind.RUN,
        tests_digest=submission.testset_digest,
    )


async def _snapshot(redis: Redis, watch: _Watch) -> Snapshot:
    submission = watch.submission
    view = submission_view(submission, watch.tests, watch.audience)
    if submission.status is m.SubmissionStatus.DONE or watch.audience.results_hidden_until is not None:
        return Snapshot(submission=view, progress=None, queue_position=None)
    progress: Progress | None = None
    judges: int | None = None
    workers: list[WorkerHeartbeat] | None = None
    try:
        raw = await redis.get(progress_key(submission.id))
        rank = await redis.zrank(JUDGE_QUEUE, f"judge:{submission.id}:{submission.attempt}")
        workers = await list_workers(redis)
        judges = len(workers)
    except (RedisError, OSError) as exc:
        logger.warning("progress of %s unavailable: %s", submission.id, exc)
        raw, rank = None, None
    position, estimate = _place(rank, workers)
    if raw:
        try:
            state = msgspec.json.decode(raw, type=JudgeProgress)
        except msgspec.DecodeError:
            state = None
        if state is not None and state.attempt == submission.attempt:
            cases = [msgspec.to_builtins(c) for c in state.cases]
            progress = Progress(
                attempt=state.attempt,
                last_seq=state.last_seq,
                total=state.total,
                compiled=state.compiled,
                compile_output=state.compile_output,
                cases=case_views(cases, watch.tests, watch.audience, run=watch.run),
            )
    return Snapshot(
        submission=view,
        progress=progress,
        queue_position=position,
        judges=judges,
        estimated_wait_s=estimate if progress is None else None,
    )


def _place(rank: int | None, workers: list[WorkerHeartbeat] | None) -> tuple[int | None, float | None]:
    """(queue position, estimated wait) of a job with this rank in the judge queue. arq keeps a job being judged
    in the queue until it ends: those jobs are not ahead of a waiting one."""
    if rank is None:
        return None, None
    if workers is None:
        return int(rank) + 1, None
    ahead = max(0, int(rank) - sum(w.running for w in workers))
    return ahead + 1, estimate_start_s(workers, ahead, default_job_s=None)  # no guess before a measured job


async def _fleet(redis: Redis) -> list[WorkerHeartbeat]:
    """The live judge workers, read at most once per :data:`_FLEET_TTL_S` per process (every waiting viewer asks
    every :data:`QUEUE_TICK_S`: a SCAN each would cost Redis more than the queue itself)."""
    now = time.monotonic()
    hit = _fleet_cache.get(id(redis))
    if hit is not None and now - hit[0] < _FLEET_TTL_S:
        return hit[1]
    workers = await list_workers(redis)
    if len(_fleet_cache) > 64:
        _fleet_cache.clear()
    _fleet_cache[id(redis)] = (now, workers)
    return workers


async def _queue_state(redis: Redis, submission: m.Submission) -> QueueState | None:
    """Where the submission stands in the queue now (None: not in it, or Redis unavailable)."""
    try:
        rank = await redis.zrank(JUDGE_QUEUE, f"judge:{submission.id}:{submission.attempt}")
        if rank is None:
            return None
        workers = await _fleet(redis)
    except (RedisError, OSError):
        return None
    position, estimate = _place(rank, workers)
    return QueueState(queue_position=position, estimated_wait_s=estimate, judges=len(workers))


async def _current(engine: AsyncEngine, submission_id: UUID) -> m.Submission | None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await session.get(m.Submission, submission_id)


async def _is_done(engine: AsyncEngine, submission_id: UUID) -> m.Submission | None:
    submission = await _current(engine, submission_id)
    return submission if submission is not None and submission.status is m.SubmissionStatus.DONE else None


async def refresh(engine: AsyncEngine, watch: _Watch) -> m.Submission | None:
    """Re-read the submission into ``watch`` (None: it is gone). Done once the subscription to its channel is in
    place, before the snapshot: ``_load`` read it before, and a submission judged in between (a quick job on an
    idle judge takes a few tens of ms) would otherwise be shown queued while its events, published before anyone
    listened, never come."""
    current = await _current(engine, watch.submission.id)
    if current is not None:
        watch.submission = current
    return current


def _last_snapshot(watch: _Watch) -> str:
    """The judged submission as the viewer may see it (``watch.submission`` as read last), as a last snapshot."""
    view = submission_view(watch.submission, watch.tests, watch.audience)
    return msgspec.json.encode(Snapshot(submission=view, progress=None, queue_position=None)).decode()


# Put into a viewer's own subscriber stream, never published: a timer's tick and the client's leaving reach the
# viewer's loop the same way as the channel's events
_TICK: Final = b'{"type":"tick"}'
_GONE: Final = b'{"type":"gone"}'


class ViewerStream:
    """What one viewer of a submission is sent, on either socket (this one and the page's, api/domain/live/):
    judge events filtered for the viewer, a new snapshot after :data:`RESYNC`, the status-only last snapshot for
    hidden results (``watch.audience.results_hidden_until``: no judge event reaches them), the queue position
    while it waits (``queue_ticks``), and a last snapshot when the database shows the submission judged but no
    event came for :data:`RECHECK_S` (a lost final event).

    One loop reads the subscriber's stream, into which a timer's ticks and the client's leaving (:meth:`leave`)
    are put as well: an event costs one task wake-up per viewer, no task or wait of its own (1,000 viewers of a
    submission, one process)."""

    def __init__(
        self, watch: _Watch, subscriber: Subscriber, engine: AsyncEngine, redis: Redis, *, queue_ticks: bool
    ) -> None:
        self.watch = watch
        self.subscriber = subscriber
        self.engine = engine
        self.redis = redis
        self.queue_ticks = queue_ticks
        self.attempt = watch.submission.attempt
        self.waiting = watch.submission.status is m.SubmissionStatus.QUEUED  # until the judge's first event

    def leave(self) -> None:
        """The client went away: :meth:`frames` ends."""
        self.subscriber.put_nowait(_GONE)

    async def frames(self) -> AsyncGenerator[str, None]:
        """Every frame for the viewer, until the last one (or :meth:`leave`)."""
        loop = asyncio.get_running_loop()
        shown: QueueState | None = None
        last_heard = loop.time()  # the last event, or the last look at the database

        def tick_in() -> float:
            return QUEUE_TICK_S if self.waiting and self.queue_ticks else RECHECK_S - (loop.time() - last_heard)

        ticker = loop.call_later(tick_in(), self.subscriber.put_nowait, _TICK)
        try:
            async with contextlib.aclosing(self.subscriber.iter_events()) as stream:
                async for raw in stream:
                    if raw == _GONE:
                        return
                    if raw == _TICK:
                        if self.waiting and self.queue_ticks:
                            state = await _queue_state(self.redis, self.watch.submission)
                            if state is not None and state != shown:
                                shown = state
                                yield msgspec.json.encode(state).decode()
                        if loop.time() - last_heard >= RECHECK_S:
                            last_heard = loop.time()
                            finished = await _is_done(self.engine, self.watch.submission.id)
                            if finished is not None and finished.attempt >= self.attempt:
                                self.watch.submission = finished
                                yield _last_snapshot(self.watch)
                                return
                        ticker = loop.call_later(tick_in(), self.subscriber.put_nowait, _TICK)
                        continue
                    last_heard = loop.time()
                    frame, last = await self._frame_for(raw)
                    if frame is not None:
                        yield frame
                    if last:
                        return
        finally:
            ticker.cancel()

    async def _frame_for(self, raw: bytes) -> tuple[str | None, bool]:
        """(the frame to send for ``raw``, or None; whether the stream ends with it)."""
        watch = self.watch
        if raw == RESYNC:
            current = await refresh(self.engine, watch)
            if current is None:
                return None, True
            self.attempt = max(self.attempt, current.attempt)
            self.waiting = current.status is m.SubmissionStatus.QUEUED
            snapshot = msgspec.json.encode(await _snapshot(self.redis, watch)).decode()
            return snapshot, current.status is m.SubmissionStatus.DONE
        try:
            event = decode_event(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None, False
        if event.attempt < self.attempt:
            return None, False  # a late event of an earlier attempt
        self.attempt = event.attempt
        self.waiting = False
        last = isinstance(event, Finished) and event.authoritative
        if watch.audience.results_hidden_until is not None:
            if not last:
                return None, False
            await refresh(self.engine, watch)
            return _last_snapshot(watch), True
        return _shown(raw, event, watch), last


async def _relay(
    socket: WebSocket[Any, Any, Any], subscriber: Subscriber, watch: _Watch, engine: AsyncEngine, redis: Redis
) -> None:
    """Forward the viewer's frames until the last one (or the client leaves)."""
    viewer = ViewerStream(watch, subscriber, engine, redis, queue_ticks=True)

    async def listen() -> None:
        try:
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await socket.receive_data(mode="text")
        finally:
            viewer.leave()

    listen_task = asyncio.create_task(listen())
    try:
        async with contextlib.aclosing(viewer.frames()) as frames:
            async for frame in frames:
                await socket.send_text(frame)
    finally:
        listen_task.cancel()
        await asyncio.gather(listen_task, return_exceptions=True)


@websocket("/ws/submissions/{submission_id:uuid}", guards=[requires_active_user], name="submission_progress")
async def submission_progress(
    socket: WebSocket[Any, Any, Any],
    *,
    submission_id: FromPath[UUID],
    channels: NamedDependency[ChannelsPlugin],
    current_user: NamedDependency[m.User],
    db_engine: NamedDependency[AsyncEngine],
    redis: NamedDependency[Redis],
) -> None:
    """Subscribe first, then the snapshot, then the events until the final one (see the module docstring)."""
    watch = await _load(db_engine, submission_id, current_user)
    if watch is None:
        await socket.close(code=4404, reason="no such submission, or not yours")
        return
    await socket.accept()
    async with channels.start_subscription([submission_channel(submission_id)]) as subscriber:
        await refresh(db_engine, watch)
        snapshot = await _snapshot(redis, watch)
        await socket.send_text(msgspec.json.encode(snapshot).decode())
        if watch.submission.status is not m.SubmissionStatus.DONE:
            await _relay(socket, subscriber, watch, db_engine, redis)
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await socket.close(code=1000)
