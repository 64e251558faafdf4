"""Helpers of the community tests: the live socket, opened and read from a test."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from litestar.exceptions import WebSocketDisconnect
from litestar.testing import WebSocketTestSession

from tests.integration.courses.conftest import Caller, Cast, Client

__all__ = ["Caller", "Cast", "Client", "connect", "receive", "subscribe", "until"]


async def connect(http: Client, headers: dict[str, str], path: str = "/api/live") -> WebSocketTestSession:
    session = await http.websocket_connect(path, headers=headers)
    return await asyncio.to_thread(session.__enter__)


async def receive(ws: WebSocketTestSession, within: float = 10) -> dict[str, Any]:
    try:
        message = await asyncio.to_thread(ws.receive, True, within)
    except WebSocketDisconnect as closed:
        return {"type": "<closed>", "code": closed.code}
    text = message.get("text")
    assert isinstance(text, str), message
    decoded: dict[str, Any] = json.loads(text)
    return decoded


async def until(
    ws: WebSocketTestSession, wanted: Callable[[dict[str, Any]], bool], within: float = 10
) -> dict[str, Any]:
    """The first message ``wanted`` accepts (the others are skipped)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        message = await receive(ws, max(0.1, deadline - time.monotonic()))
        if message.get("type") == "<closed>":
            raise AssertionError(f"socket closed: {message}")
        if wanted(message):
            return message
    raise AssertionError("no such message in time")


async def subscribe(ws: WebSocketTestSession, channel: str, after: int | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
    if after is not None:
        frame["after"] = after
    await asyncio.to_thread(ws.send_text, json.dumps(frame))
    return await until(ws, lambda msg: msg.get("channel") == channel and msg["type"] in {"subscribed", "refused"})
