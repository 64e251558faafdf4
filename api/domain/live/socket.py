"""``WS /api/live``: one connection per page for everything live, multiplexed by channel.

Authenticated like any route (the session cookie, or an ``Authorization: Bearer`` token). Client to server, one JSON
text frame each:

- ``{"type": "subscribe", "channel": "user:<id>" | "course:<id>" | "room:<id>" | "submission:<id>", "after": n}``
  — ``after`` (optional) is the last event id the client has of that channel: the server first sends every later
  event from the database, then the live ones. Without it, only new events follow.
- ``{"type": "unsubscribe", "channel": ...}``, ``{"type": "ping"}``.

Server to client:

- ``{"type": "subscribed", "channel": c, "lastId": n}`` (after the replay), or
  ``{"type": "refused", "channel": c, "reason": ...}`` when the caller may not follow it;
- ``{"type": "event", "channel": c, "id": n, "event": name, "data": {...}}`` — ids increase by one per channel;
  the client keeps the last per channel and sends it as ``after`` when it reconnects;
- on ``submission:<id>``: ``{"type": "event", "channel": c, "event": "judge", "data": m}`` where ``m`` is a message
  of ``WS /ws/submissions/{id}`` (a snapshot, then the judge's events, filtered for the viewer by the same
  functions); no ids: a reconnecting client gets a new snapshot. The snapshot reads the submission after the
  subscription is in place, and with no event for a while (``RECHECK_S``) the database is looked at again: a submission
  judged before the subscription, or whose final event was lost, ends with a last snapshot of it judged;
- ``{"type": "error", "message": ...}`` for a frame it cannot read; ``{"type": "pong"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final
from uuid import UUID

import msgspec
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user
from api.domain.live.access import CHANNEL, may_subscribe
from api.domain.live.events import LiveMessage, events_after, last_event_id, redis_channel
from api.domain.submissions.websocket import (
    ViewerStream,
    _load,
    _snapshot,
    _Watch,
    refresh,
)
from api.lib.channels import RESYNC
from judge_worker.contracts import submission_channel

__all__ = ["ClientFrame", "live_connection"]

logger = logging.getLogger("verdict.live")
MAX_CHANNELS: Final = 64
MAX_FRAME: Final = 4096


class ClientFrame(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    type: str
    channel: str = ""
    after: int | None = None


_frame_decoder: Final = msgspec.json.Decoder(ClientFrame)
_encoder: Final = msgspec.json.Encoder()


class LiveConnection:
    def __init__(
        self,
        socket: WebSocket[Any, Any, Any],
        channels: ChannelsPlugin,
        user: m.User,
        engine: AsyncEngine,
        redis: Redis,
    ) -> None:
        self.socket = socket
        self.channels = channels
        self.user = user
        self.engine = engine
        self.redis = redis
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.follows: dict[str, asyncio.Task[None]] = {}

    def send(self, message: object) -> None:
        self.outbox.put_nowait(message if isinstance(message, bytes) else _encoder.encode(message))

    async def _sender(self) -> None:
        while True:
            payload = await self.outbox.get()
            await self.socket.send_text(payload.decode())

    async def run(self) -> None:
        sender = asyncio.create_task(self._sender())
        try:
            with contextlib.suppress(WebSocketDisconnect):
                while not sender.done():
                    raw = await self.socket.receive_data(mode="text")
                    await self._handle(raw)
        finally:
            tasks = [sender, *self.follows.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(self, raw: str | bytes) -> None:
        if len(raw) > MAX_FRAME:
            self.send({"type": "error", "message": f"frames are at most {MAX_FRAME} bytes"})
            return
        try:
            frame = _frame_decoder.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            self.send({"type": "error", "message": f"unreadable frame: {exc}"})
            return
        if frame.type == "ping":
            self.send({"type": "pong"})
        elif frame.type == "subscribe":
            await self._subscribe(frame.channel, frame.after)
        elif frame.type == "unsubscribe":
            task = self.follows.pop(frame.channel, None)
            if task is not None:
                task.cancel()
        else:
            self.send({"type": "error", "message": f"unknown frame type {frame.type!r}"})

    async def _subscribe(self, channel: str, after: int | None) -> None:
        match = CHANNEL.match(channel)
        if match is None:
            self.send({"type": "refused", "channel": channel, "reason": "no such channel"})
            return
        kind, target = match.group(1), UUID(match.group(2))
        channel = f"{kind}:{target}"
        if channel in self.follows and not self.follows[channel].done():
            self.follows.pop(channel).cancel()  # a new subscription replaces the old (a client resyncing)
        if len(self.follows) >= MAX_CHANNELS:
            self.send({"type": "refused", "channel": channel, "reason": f"at most {MAX_CHANNELS} channels"})
            return
        if kind == "submission":
            watch = await _load(self.engine, target, self.user)
            if watch is None:
                self.send({"type": "refused", "channel": channel, "reason": "no such submission, or not yours"})
                return
            self.follows[channel] = asyncio.create_task(self._follow_submission(channel, watch))
            return
        if not await may_subscribe(self.engine, self.user, kind, target):
            self.send({"type": "refused", "channel": channel, "reason": "you are not a member here"})
            return
        self.follows[channel] = asyncio.create_task(self._follow(channel, after))

    async def _replay(self, channel: str, after: int) -> int:
        """Send every stored event after ``after``; return the last id sent (or ``after``)."""
        last = after
        while True:
            async with AsyncSession(self.engine) as session:
                batch = await events_after(session, channel, last)
            for message in batch:
                self.send(message)
                last = message.id or last
            if len(batch) == 0:
                return last

    async def _follow(self, channel: str, after: int | None) -> None:
        subscriber = await self.channels.subscribe([redis_channel(channel)])
        try:
            if after is None:
                async with AsyncSession(self.engine) as session:
                    last = await last_event_id(session, channel)
            else:
                last = await self._replay(channel, max(0, after))
            self.send({"type": "subscribed", "channel": channel, "lastId": last})
            async for raw in subscriber.iter_events():
                if raw == RESYNC:
                    last = await self._replay(channel, last)
                    continue
                try:
                    message = msgspec.json.decode(raw, type=LiveMessage)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    continue
                if message.id is None or message.id <= last:
                    continue
                if message.id > last + 1:  # a message went missing: the database has it
                    last = await self._replay(channel, last)
                    continue
                last = message.id
                self.send(raw)
        finally:
            await self.channels.unsubscribe(subscriber)

    def _judge(self, channel: str, payload: bytes) -> None:
        self.send(b'{"type":"event","channel":"' + channel.encode() + b'","event":"judge","data":' + payload + b"}")

    async def _follow_submission(self, channel: str, watch: _Watch) -> None:
        subscriber = await self.channels.subscribe([submission_channel(watch.submission.id)])
        try:
            await refresh(self.engine, watch)  # judged since _subscribe read it: its events are gone
            self._judge(channel, msgspec.json.encode(await _snapshot(self.redis, watch)))
            self.send({"type": "subscribed", "channel": channel, "lastId": 0})
            if watch.submission.status is m.SubmissionStatus.DONE:
                return
            viewer = ViewerStream(watch, subscriber, self.engine, self.redis, queue_ticks=False)
            async with contextlib.aclosing(viewer.frames()) as frames:
                async for frame in frames:
                    self._judge(channel, frame.encode())
        finally:
            await self.channels.unsubscribe(subscriber)


@websocket("/api/live", guards=[requires_active_user], name="live_connection")
async def live_connection(
    socket: WebSocket[Any, Any, Any],
    *,
    channels: NamedDependency[ChannelsPlugin],
    current_user: NamedDependency[m.User],
    db_engine: NamedDependency[AsyncEngine],
    redis: NamedDependency[Redis],
) -> None:
    """One socket per page; see the module docstring for the protocol."""
    await socket.accept()
    await LiveConnection(socket, channels, current_user, db_engine, redis).run()
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await socket.close(code=1000)
