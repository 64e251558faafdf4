"""The live fan-out's Redis backend outlives a Redis restart: it reconnects, subscribes again, tells each channel to
resynchronise, and relays events as before (Litestar's own backend stops relaying for good)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis

from api.lib.channels import RESYNC, ResilientPubSubBackend
from api.lib.redis_server import EmbeddedRedis

Received = list[tuple[str, bytes | str]]


async def _relay_across_a_restart(backend_type: type[RedisChannelsPubSubBackend], tmp_path: Path) -> Received:
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    reader, writer = Redis.from_url(server.url), Redis.from_url(server.url)
    backend = backend_type(redis=reader)
    got: Received = []

    async def consume() -> None:
        async for channel, data in backend.stream_events():
            got.append((channel, bytes(data)))

    task = asyncio.create_task(consume())
    try:
        await backend.subscribe(["submission:1", "user:1"])
        await asyncio.sleep(0.2)
        await writer.publish("submission:1", b"before")
        await asyncio.sleep(0.3)
        server.kill()
        await asyncio.sleep(0.5)
        server.start()
        for _ in range(50):  # until the backend has subscribed again (or given up)
            if task.done() or await writer.publish("submission:1", b"after"):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        if task.done():
            got.append(("<stream ended>", repr(task.exception())))
        return got
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        for client in (reader, writer):
            with contextlib.suppress(Exception):
                await client.aclose()
        server.stop()


async def test_events_are_relayed_again_after_redis_restarts(tmp_path: Path) -> None:
    got = await _relay_across_a_restart(ResilientPubSubBackend, tmp_path)
    assert got[0] == ("submission:1", b"before")
    assert sorted(got[1:3]) == [("submission:1", RESYNC), ("user:1", RESYNC)]  # every channel is told
    assert ("submission:1", b"after") in got[3:]


async def test_litestars_own_backend_would_stop_relaying(tmp_path: Path) -> None:
    got = await _relay_across_a_restart(RedisChannelsPubSubBackend, tmp_path)
    assert got[0] == ("submission:1", b"before")
    assert got[-1][0] == "<stream ended>"  # why ResilientPubSubBackend exists
