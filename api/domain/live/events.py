"""Live events of the stored channels (``user:<id>``, ``room:<id>``, ``course:<id>``).

:func:`emit` gives the event the channel's next id (a counter row in ``live_channel``, incremented in the caller's
transaction, so ids are dense, increase per channel and follow the commit order), stores it in ``live_event`` and,
once the transaction commits, publishes it on Redis (``live:<channel>``), where every API replica's live sockets
listen. A client that reconnects names its last id per channel and gets the rest from the database
(:func:`events_after`), so a lost Redis message loses nothing: a gap in the ids makes the socket read the database.

Publishing needs the process's Redis client: ``create_app`` and the api-tasks worker call :func:`install_bus`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from typing import Any, Final

import msgspec
from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError
from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api.db import models as m

__all__ = [
    "LiveMessage",
    "course_channel",
    "emit",
    "events_after",
    "install_bus",
    "last_event_id",
    "redis_channel",
    "room_channel",
    "uninstall_bus",
    "user_live_channel",
]

logger = logging.getLogger("verdict.live")
REDIS_PREFIX: Final = "live:"
_PENDING: Final = "verdict_live_pending"
REPLAY_BATCH: Final = 200


class LiveMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One message to a client: ``{"type": "event", "channel": ..., "id": n, "event": ..., "data": {...}}``."""

    channel: str
    event: str
    data: dict[str, Any]
    id: int | None = None
    type: str = "event"


def user_live_channel(user_id: object) -> str:
    return f"user:{user_id}"


def room_channel(room_id: object) -> str:
    return f"room:{room_id}"


def course_channel(course_id: object) -> str:
    return f"course:{course_id}"


def redis_channel(channel: str) -> str:
    """The Redis pub/sub channel of a stored channel (prefixed: ``user:<id>`` also carries the judge's notes)."""
    return REDIS_PREFIX + channel


class _Bus:
    """Publishes through its own connection pool per event loop (built from the installed client's settings), so it
    never shares a connection with the app's client, nor one between loops (tests run apps in other threads)."""

    def __init__(self) -> None:
        self.redis: Redis | None = None
        self.clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Redis] = weakref.WeakKeyDictionary()
        self.tasks: set[asyncio.Task[None]] = set()

    def client(self, loop: asyncio.AbstractEventLoop) -> Redis | None:
        if self.redis is None:
            return None
        found = self.clients.get(loop)
        if found is None:
            pool = self.redis.connection_pool
            found = Redis(
                connection_pool=ConnectionPool(connection_class=pool.connection_class, **pool.connection_kwargs)
            )
            self.clients[loop] = found
        return found

    def schedule(self, pending: Sequence[tuple[str, bytes]]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        redis = self.client(loop)
        if redis is None:
            return  # no publisher in this process (a script): clients still get the events from the database
        task = loop.create_task(_publish(redis, list(pending)))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


_BUS: Final = _Bus()


async def _publish(redis: Redis, pending: list[tuple[str, bytes]]) -> None:
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for channel, payload in pending:
                pipe.publish(redis_channel(channel), payload)
            await pipe.execute()
    except (RedisError, OSError) as exc:  # best effort: the database has the events
        logger.warning("live events not published (%s); clients read them on resume", exc)


def install_bus(redis: Redis) -> None:
    """Publish this process's committed events to the Redis server ``redis`` talks to."""
    _BUS.redis = redis
    _BUS.clients = weakref.WeakKeyDictionary()


async def uninstall_bus(redis: Redis) -> None:
    """Stop publishing through ``redis``; close this loop's connections (other loops' go with their loop)."""
    if _BUS.redis is not redis:
        return
    _BUS.redis = None
    clients, _BUS.clients = _BUS.clients, weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    mine = [task for task in _BUS.tasks if task.get_loop() is loop]
    if mine:
        await asyncio.gather(*mine, return_exceptions=True)  # publishing what was committed before closing
    client = clients.get(loop)
    if client is not None:
        await client.aclose()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _BUS.schedule(pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


async def _next_id(session: AsyncSession, channel: str) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(m.LiveChannel).values(name=channel, last_id=0).on_conflict_do_nothing(index_elements=["name"])
    )
    result = await session.execute(
        update(m.LiveChannel)
        .where(m.LiveChannel.name == channel)
        .values(last_id=m.LiveChannel.last_id + 1)
        .returning(m.LiveChannel.last_id)
    )
    return int(result.scalar_one())


async def emit(session: AsyncSession, channel: str, name: str, data: dict[str, Any]) -> int:
    """Store an event on ``channel`` (its id: the channel's next) and publish it once the session commits."""
    event_id = await _next_id(session, channel)
    session.add(m.LiveEvent(channel=channel, event_id=event_id, type=name, data=data))
    message = LiveMessage(channel=channel, event=name, data=data, id=event_id)
    session.info.setdefault(_PENDING, []).append((channel, msgspec.json.encode(message)))
    return event_id


async def last_event_id(session: AsyncSession, channel: str) -> int:
    found = await session.scalar(select(m.LiveChannel.last_id).where(m.LiveChannel.name == channel))
    return int(found or 0)


async def events_after(session: AsyncSession, channel: str, after: int, limit: int = REPLAY_BATCH) -> list[LiveMessage]:
    rows = await session.scalars(
        select(m.LiveEvent)
        .where(m.LiveEvent.channel == channel, m.LiveEvent.event_id > after)
        .order_by(m.LiveEvent.event_id)
        .limit(limit)
    )
    return [LiveMessage(channel=channel, event=row.type, data=row.data, id=row.event_id) for row in rows]
