"""Benchmark only: many WebSocket watchers in one process (the ``websockets`` library on uvloop).

``python bench/ws_watchers.py`` reads one JSON object on stdin::

    {"urls": ["ws://127.0.0.1:8000/ws/submissions/<id>", ...], "headers": [{"Authorization": "Bearer ..."}, ...],
     "connect_concurrency": 50, "within_s": 120}

(``headers`` has one entry per URL, or one for all). It opens every socket, prints ``{"ready": n}`` on a line once
each has its snapshot, then records every message each socket receives with its arrival time (``time.monotonic()``:
one clock for every process of the machine) until each got the authoritative ``finished`` (or ``within_s``
passed), and prints ``{"sockets": [[{"at": t, "message": {...}}, ...], ...], "closed": n}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import uvloop
from websockets.asyncio.client import ClientConnection, connect


async def _open(url: str, headers: dict[str, str], gate: asyncio.Semaphore) -> tuple[ClientConnection, dict[str, Any]]:
    async with gate:
        socket = await connect(url, additional_headers=headers, max_size=2**22, open_timeout=60, ping_interval=None)
        first = json.loads(await socket.recv())
    return socket, {"at": time.monotonic(), "message": first}


async def _watch(socket: ClientConnection, log: list[dict[str, Any]]) -> bool:
    async for raw in socket:
        at = time.monotonic()
        message = json.loads(raw)
        log.append({"at": at, "message": message})
        if message.get("type") == "finished" and message.get("authoritative"):
            return True
    return False


async def run(config: dict[str, Any]) -> dict[str, Any]:
    urls: list[str] = config["urls"]
    headers: list[dict[str, str]] = config["headers"]
    if len(headers) == 1:
        headers = headers * len(urls)
    gate = asyncio.Semaphore(int(config.get("connect_concurrency", 50)))
    opened = await asyncio.gather(*(_open(u, h, gate) for u, h in zip(urls, headers, strict=True)))
    logs = [[first] for _socket, first in opened]
    print(json.dumps({"ready": len(opened)}), flush=True)
    watches = [asyncio.create_task(_watch(socket, log)) for (socket, _first), log in zip(opened, logs, strict=True)]
    done, pending = await asyncio.wait(watches, timeout=float(config.get("within_s", 120)))
    for task in pending:
        task.cancel()
    await asyncio.gather(*(socket.close() for socket, _first in opened), return_exceptions=True)
    closed = sum(1 for task in done if not task.cancelled() and task.exception() is None and task.result())
    return {"sockets": logs, "closed": closed}


def main() -> int:
    config = json.load(sys.stdin)
    print(json.dumps(uvloop.run(run(config))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
