"""Benchmark only: what the API, fleet and burst benchmarks share (percentiles, a database, CPU of a process, load)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Final

import asyncpg

from api.db import models as m
from api.db.migrate import upgrade_async
from api.domain.accounts.tokens import TokenCodec
from tests.support.fleet import JudgeFleet

BENCH_DIR: Final = Path(__file__).resolve().parent
FLEET_SECRET: Final = "fleet-secret-key-" + "x" * 32  # the key tests.support.fleet.JudgeFleet gives its processes
_TICKS: Final = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / _TICKS, sum(values) / _TICKS


class CpuMeter:
    """CPU use of some processes and of the machine between ``start()`` and ``stop()``."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._start: dict[str, float] = {}
        self._machine = (0.0, 0.0)
        self._at = 0.0
        self.figures: dict[str, float] = {}

    def start(self) -> None:
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._machine = machine_cpu()
        self._at = time.monotonic()

    def stop(self) -> dict[str, float]:
        elapsed = time.monotonic() - self._at
        busy, total = machine_cpu()
        self.figures = {
            f"{name}_cpu_share": round((cpu_seconds(pid) - self._start[name]) / elapsed, 3)
            for name, pid in self.pids.items()
        }
        self.figures["machine_busy_share"] = round((busy - self._machine[0]) / max(1e-9, total - self._machine[1]), 3)
        return self.figures


def load_record() -> dict[str, Any]:
    """What the machine was doing: cores, load averages, memory."""
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
    return {
        "machine_cores": os.cpu_count() or 1,
        "loadavg_1_5_15": [round(v, 2) for v in os.getloadavg()],
        "mem_available_mib": int(meminfo["MemAvailable"].split()[0]) // 1024,
    }


async def database(server_url: str, name: str) -> str:
    """A new, migrated database on the benchmark's PostgreSQL server; returns its URL."""
    admin = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    await upgrade_async(url)
    return url


async def users_with_tokens(fleet: JudgeFleet, count: int) -> list[tuple[uuid.UUID, str]]:
    """``count`` active students and a bearer access token each (as a sign-in issues)."""
    codec = TokenCodec(FLEET_SECRET, access_ttl_s=3600)
    async with fleet.sessions() as session:
        users = [m.User(email=f"bench-{uuid.uuid4().hex[:12]}@example.com", display_name="Bench") for _ in range(count)]
        session.add_all(users)
        await session.commit()
    return [(u.id, codec.issue_access(user_id=u.id, session_id=uuid.uuid4())[0]) for u in users]


async def helper(script: str, config: dict[str, Any], *, ready: bool = False) -> asyncio.subprocess.Process:
    """Start ``bench/<script>`` (a separate process, its own core) and hand it ``config`` on stdin."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BENCH_DIR / script),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        limit=2**28,
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(config).encode())
    await proc.stdin.drain()
    proc.stdin.close()
    return proc


async def helper_result(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    out = await proc.stdout.read()
    code = await proc.wait()
    if code != 0:
        raise RuntimeError(f"a benchmark helper exited with {code}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def load(config: dict[str, Any]) -> dict[str, Any]:
    return await helper_result(await helper("loadgen.py", config))


def write(figures: dict[str, Any], output: Path, targets: dict[str, tuple[str, float]]) -> int:
    output.write_text(json.dumps(figures, indent=2) + "\n")
    failed = 0
    print()
    for key, (op, target) in targets.items():
        value = figures[key]
        ok = value <= target if op == "<=" else value >= target
        failed += not ok
        print(f"  {key:<34} {value:>10}   target {op} {target:<6} {'ok' if ok else 'MISSED'}")
    print(f"\nwritten to {output}")
    return 1 if failed else 0
