"""API benchmark: the submit endpoint's throughput, a problem page's server time and WebSocket fan-out.

``.venv/bin/python bench/api_bench.py`` (``make bench-api``) starts a real PostgreSQL, a real Redis and ONE API
process (``verdict serve``, as the tests start it; one uvicorn process, so one core at most), and measures, with
the clients in separate processes (``bench/loadgen.py``, ``bench/ws_watchers.py``):

- ``health_rps``: ``GET /health`` requests per second (the baseline: the framework alone);
- ``submit_rps``: ``POST /api/submissions`` per second, each one checked, committed and enqueued in the judge
  queue, by many students at once (every answer must be 201, and the queue must hold every submission);
  ``submit_rps_per_api_core`` is the same divided by the API process's measured CPU share (the machine is shared:
  the API may get less than a whole core);
- ``problem_page_ms_p50``: ``GET /problems/<slug>`` (the HTML page a student opens), one request at a time;
- ``ws_event_ms_p50`` / ``_p99``: ``watchers`` sockets watch one submission; events are published on its Redis
  channel as a judge does, and each socket's receive time is compared with the publish time.

Writes ``bench/api.json`` with the machine's load next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    BENCH_DIR,
    CpuMeter,
    database,
    helper,
    helper_result,
    load,
    load_record,
    percentile,
    users_with_tokens,
    write,
)

from api.db import models as m
from judge_worker.contracts import CaseFinished, Finished, Verdict, encode_event, submission_channel
from tests.support.fleet import JudgeFleet
from tests.support.postgres import EphemeralPostgres

TARGETS: dict[str, tuple[str, float]] = {
    "submit_rps_per_api_core": (">=", 2000.0),
    "problem_page_ms_p50": ("<=", 10.0),
    "ws_event_ms_p50": ("<=", 20.0),
}
SOURCE = "print(sum(map(int, input().split())))\n"


async def fleet_for(server_url: str, work: Path) -> JudgeFleet:
    url = await database(server_url, "bench_api")
    fleet = JudgeFleet(
        database_url=url,
        workdir=work,
        env={
            "LOG_LEVEL": "WARNING",
            "SUBMISSION_RATE_PER_MINUTE": "10000",
            "SUBMISSION_MAX_QUEUED": "10000",
        },
    )
    await fleet.open()
    try:
        await fleet.start(judges=0, tasks=False)
    except BaseException:
        await fleet.close()
        raise
    return fleet


def _target(fleet: JudgeFleet) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": fleet.api_port}


async def measure_http(fleet: JudgeFleet, args: argparse.Namespace, problem: uuid.UUID) -> dict[str, Any]:
    api_pid = next(p.pid for p in fleet.processes if p.name == "api")
    users = await users_with_tokens(fleet, args.users)
    async with fleet.sessions() as session:
        row = await session.get(m.Problem, problem)
        assert row is not None
        slug = row.slug
    health = {"method": "GET", "path": "/health", "headers": {}}
    submits = [
        {
            "method": "POST",
            "path": "/api/submissions",
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            "body": json.dumps({"problemId": str(problem), "language": "python3", "source": SOURCE}),
        }
        for _uid, token in users
    ]
    page = {"method": "GET", "path": f"/problems/{slug}", "headers": {"Authorization": f"Bearer {users[0][1]}"}}
    common = {**_target(fleet), "connections": args.connections, "duration_s": args.duration}
    await load({**common, "requests": [health], "duration_s": 1})  # warm-up
    await load({**common, "requests": submits[:8], "duration_s": 1})
    await load({**common, "requests": [page], "sequential": True, "duration_s": 1})

    results: dict[str, Any] = {}
    for name, requests, extra in (
        ("health", [health], {}),
        ("submit", submits, {}),
        ("page", [page], {"sequential": True}),
    ):
        depth_before = await fleet.queue.depth()
        meter = CpuMeter({"api": api_pid})
        spy = await _profile(args, api_pid, name)
        meter.start()
        result = await load({**common, "requests": requests, **extra})
        if spy is not None:
            await spy.wait()
        result["cpu"] = meter.stop()
        result["queued"] = await fleet.queue.depth() - depth_before
        results[name] = result
        print(f"{name}: {result['rps']} rps, p50 {result['latency_ms_p50']} ms, {result['cpu']}", flush=True)
    submit = results["submit"]
    created = submit["statuses"].get("201", 0)
    assert created == submit["count"], f"submit answered {submit['statuses']}"
    assert submit["queued"] == created, f"{created} submissions created but {submit['queued']} enqueued"
    assert results["page"]["statuses"] == {"200": results["page"]["count"]}, results["page"]["statuses"]
    return results


async def _profile(args: argparse.Namespace, pid: int, name: str) -> asyncio.subprocess.Process | None:
    """With ``--py-spy``, sample the API process during the measurement (a flame graph per measurement)."""
    if not args.py_spy:
        return None
    output = f"{args.py_spy}-{name}.txt"
    return await asyncio.create_subprocess_exec(
        args.py_spy, "record", "-p", str(pid), "-d", str(int(args.duration)), "-f", "raw", "-o", output, "-n"
    )


async def measure_ws(fleet: JudgeFleet, args: argparse.Namespace, problem: uuid.UUID) -> dict[str, Any]:
    ((user_id, token),) = await users_with_tokens(fleet, 1)
    sid = await fleet.submit(problem, "python3", SOURCE, user_id=user_id, enqueue=False)
    url = f"ws://127.0.0.1:{fleet.api_port}/ws/submissions/{sid}"
    config = {"urls": [url] * args.watchers, "headers": [{"Authorization": f"Bearer {token}"}], "within_s": 120}
    proc = await helper("ws_watchers.py", config)
    assert proc.stdout is not None
    ready = json.loads(await asyncio.wait_for(proc.stdout.readline(), 300))
    assert ready["ready"] == args.watchers, ready
    await asyncio.sleep(0.5)
    published: dict[int, float] = {}
    for seq in range(1, args.events + 1):
        event = CaseFinished(
            submission_id=sid, attempt=1, seq=seq, index=seq - 1, verdict=Verdict.AC, total=args.events
        )
        published[seq] = time.monotonic()
        await fleet.redis.publish(submission_channel(sid), encode_event(event))
        await asyncio.sleep(args.event_gap)
    async with fleet.sessions() as session:  # the API closes each socket on the authoritative final event
        row = await session.get(m.Submission, sid)
        assert row is not None
        row.status, row.verdict, row.score = m.SubmissionStatus.DONE, "AC", 100
        await session.commit()
    final = Finished(submission_id=sid, attempt=1, seq=args.events + 1, verdict=Verdict.AC, authoritative=True)
    await fleet.redis.publish(submission_channel(sid), encode_event(final))
    out = await helper_result(proc)
    delays: list[float] = []
    complete = 0
    for log in out["sockets"]:
        seen = {e["message"]["seq"]: e["at"] for e in log if e["message"].get("type") == "case_finished"}
        complete += len(seen) == args.events
        delays += [(at - published[seq]) * 1000 for seq, at in seen.items()]
    print(f"ws: {len(delays)} deliveries to {args.watchers} watchers, {complete} got every event", flush=True)
    return {
        "watchers": args.watchers,
        "events": args.events,
        "deliveries": len(delays),
        "watchers_with_every_event": complete,
        "watchers_closed_after_final": out["closed"],
        "ms_p50": round(percentile(delays, 0.5), 2),
        "ms_p90": round(percentile(delays, 0.9), 2),
        "ms_p99": round(percentile(delays, 0.99), 2),
    }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    server = EphemeralPostgres()
    server.start()
    work = Path(tempfile.mkdtemp(prefix="verdict-api-bench-"))
    before = load_record()
    try:
        fleet = await fleet_for(server.url, work)
        try:
            problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n")], languages=("python3",))
            http = await measure_http(fleet, args, problem)
            ws = await measure_ws(fleet, args, problem)
        finally:
            await fleet.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    submit, page = http["submit"], http["page"]
    api_share = max(submit["cpu"]["api_cpu_share"], 1e-3)
    return {
        "submit_rps": submit["rps"],
        "submit_rps_per_api_core": round(submit["rps"] / min(1.0, api_share), 1),
        "health_rps": http["health"]["rps"],
        "problem_page_ms_p50": page["latency_ms_p50"],
        "ws_event_ms_p50": ws["ms_p50"],
        "ws_event_ms_p99": ws["ms_p99"],
        "details": {
            "api_processes": 1,
            "connections": args.connections,
            "duration_s": args.duration,
            "students": args.users,
            "health": http["health"],
            "submit": submit,
            "problem_page": page,
            "websocket": ws,
            "load_before": before,
            "load_after": load_record(),
        },
    }


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP measurement")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--users", type=int, default=200, help="students submitting (each with a token)")
    parser.add_argument("--watchers", type=int, default=1000, help="WebSocket watchers of one submission")
    parser.add_argument("--events", type=int, default=20, help="events published to the watchers")
    parser.add_argument("--event-gap", type=float, default=0.25, help="seconds between two events")
    parser.add_argument("--py-spy", default="", help="path of py-spy: profile the API (files py-spy-<name>.txt)")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "api.json")
    args = parser.parse_args()
    return write(asyncio.run(measure(args)), args.output, TARGETS)


if __name__ == "__main__":
    raise SystemExit(cli())
