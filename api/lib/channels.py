"""Live fan-out that outlives a Redis restart.

Litestar's Redis pub/sub backend ends its event stream on the first connection error, and with it the plugin's one
subscriber task: after Redis restarts, an API process would relay no live event again until it is restarted. This
backend keeps the stream alive instead: on a connection error it waits (with back-off) until Redis answers, lets
redis-py subscribe the same channels again, and then hands every subscriber of every channel :data:`RESYNC`, so the
WebSocket that relays it knows events may have been missed meanwhile and resumes from the database (see
``api/domain/submissions/websocket.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any, Final

from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["RESYNC", "ResilientPubSubBackend"]

logger = logging.getLogger("verdict.channels")
RESYNC: Final = b'{"type":"resync"}'  # not a judge event: "the stream was interrupted, read the database"
_BACKOFF_MAX_S: Final = 2.0


class ResilientPubSubBackend(RedisChannelsPubSubBackend):
    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        delay = 0.1
        while True:
            try:
                async for channel, data in super().stream_events():
                    delay = 0.1
                    yield channel, data
            except (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError) as exc:
                logger.warning("live events interrupted (%s); reconnecting to Redis", exc)
                await self._reconnect(delay)
                delay = min(_BACKOFF_MAX_S, delay * 2)
                for channel in self._subscribed():
                    yield channel, RESYNC

    def _subscribed(self) -> list[str]:
        pub_sub = self._pub_sub
        names = pub_sub.channels.keys() - pub_sub.pending_unsubscribe_channels
        return [name.decode() if isinstance(name, bytes) else str(name) for name in names]

    async def _reconnect(self, delay: float) -> None:
        """Wait until Redis answers again; redis-py then subscribes the pub/sub connection to its channels anew."""
        while True:
            await asyncio.sleep(delay)
            try:
                await self._redis.ping()
                await self._pub_sub.connect()  # type: ignore[no-untyped-call] # when reconnecting, subscribes every channel again (its on_connect)
            except (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError):
                delay = min(_BACKOFF_MAX_S, delay * 2)
                continue
            logger.info("live events resumed")
            return
