"""Benchmark only: a small HTTP/1.1 keep-alive load generator, run as its own process (so its CPU is not the API's).

``python bench/loadgen.py`` reads one JSON object on stdin::

    {"host": "127.0.0.1", "port": 8000, "connections": 32, "duration_s": 5, "sequential": false,
     "requests": [{"method": "POST", "path": "/api/submissions", "headers": {...}, "body": "..."}, ...]}

and prints one JSON object: ``{"count", "elapsed_s", "rps", "statuses", "latency_ms_p50", "latency_ms_p90",
"latency_ms_p99"}``. Each connection sends one request, reads the whole answer (``Content-Length`` or chunked),
then sends the next, cycling through ``requests`` (one connection does so when ``sequential`` is true). It uses
raw asyncio streams on uvloop so that one client core can drive more than one server core.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import uvloop


def _raw(request: dict[str, Any], host: str) -> bytes:
    body = request.get("body", "").encode()
    headers = {"Host": host, "Connection": "keep-alive", **request.get("headers", {})}
    if body:
        headers["Content-Length"] = str(len(body))
    head = f"{request['method']} {request['path']} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


async def _answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _connection(
    config: dict[str, Any],
    *,
    raws: list[bytes],
    offset: int,
    step: int,
    until: float,
    out: list[float],
    statuses: Counter[int],
) -> None:
    reader, writer = await asyncio.open_connection(config["host"], config["port"])
    index = offset
    try:
        while time.monotonic() < until:
            raw = raws[index % len(raws)]
            index += step
            started = time.perf_counter()
            writer.write(raw)
            status = await _answer(reader)
            out.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1
    finally:
        writer.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(config: dict[str, Any]) -> dict[str, Any]:
    host = f"{config['host']}:{config['port']}"
    raws = [_raw(r, host) for r in config["requests"]]
    connections = 1 if config.get("sequential") else int(config["connections"])
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    until = started + float(config["duration_s"])
    await asyncio.gather(
        *(
            _connection(config, raws=raws, offset=i, step=connections, until=until, out=latencies, statuses=statuses)
            for i in range(connections)
        )
    )
    elapsed = time.monotonic() - started
    return {
        "count": len(latencies),
        "elapsed_s": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "statuses": {str(k): v for k, v in statuses.items()},
        "latency_ms_p50": round(_percentile(latencies, 0.5), 3),
        "latency_ms_p90": round(_percentile(latencies, 0.9), 3),
        "latency_ms_p99": round(_percentile(latencies, 0.99), 3),
    }


def main() -> int:
    config = json.load(sys.stdin)
    print(json.dumps(uvloop.run(run(config))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
