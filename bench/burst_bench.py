"""Exam burst benchmark: many students submit within a minute to a small fleet, and each watches the live page.

``.venv/bin/python bench/burst_bench.py`` (``make bench-burst``; wrap it in ``flock /tmp/verdict-sandbox.lock``)
starts a real PostgreSQL, Redis, the API (``verdict serve``), ``api-tasks`` and ONE judge worker with ``--slots``
slots (real worker code; its executor is the stand-in ``bench/sim_executor.py``: each test takes ``--test-ms``).
``--students`` students (each with their own account and token) submit at random moments within ``--window``
seconds through ``POST /api/submissions`` and then watch ``WS /ws/submissions/<id>`` exactly as the page does:
the snapshot, the ``queue`` messages while waiting, the judge's events, the authoritative final event.

Figures (``bench/burst.json``):

- ``submissions`` / ``submissions_with_one_final``: every submission must reach exactly one final result on its
  socket (the authoritative ``finished`` event, or the snapshot of a submission judged before the socket opened),
  and be ``done`` with a verdict in the database (else the benchmark exits with 3);
- ``estimate_error_p50`` / ``_p90``: |estimated - real| / real wait, where the estimate is the snapshot's
  ``estimatedWaitS`` (what the student first sees) and the real wait runs from that snapshot to the job's start
  (arq's record), for every student who waited at least ``--min-wait`` seconds; ``estimate_within_20pct`` is the
  share of them within 20 %;
- ``countdown_share``: of the students who waited at least 3 s, the share whose shown position only went down and
  changed at least twice while they waited (live, from ``queue`` messages);
- the load the run saw.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import msgspec
from arq.jobs import Job
from benchlib import BENCH_DIR, database, load_record, percentile, users_with_tokens, write
from sim_executor import simulated_backend
from sqlalchemy import func, select
from websockets.asyncio.client import connect

from api.db import models as m
from judge_worker.contracts import TestCaseData, TestSetData
from judge_worker.main import run_worker
from tests.support.fleet import JudgeFleet
from tests.support.postgres import EphemeralPostgres

THIS_SCRIPT = Path(__file__).resolve()
TARGETS: dict[str, tuple[str, float]] = {
    "estimate_error_p50": ("<=", 0.2),
    "estimate_within_20pct": (">=", 0.8),
    "countdown_share": (">=", 0.95),
}
SOURCE = "print(input())\n"


class Student:
    def __init__(self, number: int, at: float, user_id: uuid.UUID, token: str) -> None:
        self.number = number
        self.at = at
        self.user_id = user_id
        self.token = token
        self.submission: str = ""
        self.messages: list[tuple[float, dict[str, Any]]] = []  # (time.time(), message)
        self.error = ""

    async def run(self, fleet: JudgeFleet, client: httpx.AsyncClient, problem: uuid.UUID, start: float) -> None:
        await asyncio.sleep(max(0.0, start + self.at - time.time()))
        headers = {"Authorization": f"Bearer {self.token}"}
        body = {"problemId": str(problem), "language": "python3", "source": SOURCE}
        response = await client.post("/api/submissions", json=body, headers=headers)
        if response.status_code != 201:
            self.error = f"submit answered {response.status_code}: {response.text[:200]}"
            return
        self.submission = response.json()["id"]
        url = f"ws://127.0.0.1:{fleet.api_port}/ws/submissions/{self.submission}"
        async with connect(url, additional_headers=headers, open_timeout=60, ping_interval=None) as socket:
            async for raw in socket:
                message = json.loads(raw)
                self.messages.append((time.time(), message))
                if _is_final(message):
                    break

    def finals(self) -> int:
        """Final results the page received: the authoritative ``finished`` event, or a snapshot of a submission
        already judged when the socket opened (``web/static/js/live.js`` treats both as the result)."""
        return sum(1 for _t, msg in self.messages if _is_final(msg))

    def shown(self) -> list[tuple[float, int, float | None]]:
        """(time, position, estimate) as the page showed them while the submission waited."""
        return [
            (t, msg["queuePosition"], msg.get("estimatedWaitS"))
            for t, msg in self.messages
            if msg.get("type") in {"snapshot", "queue"} and msg.get("queuePosition") is not None
        ]


def _is_final(message: dict[str, Any]) -> bool:
    if message.get("type") == "snapshot":
        return bool(message["submission"]["status"] == "done")
    return message.get("type") == "finished" and bool(message.get("authoritative"))


async def start_time(fleet: JudgeFleet, submission: str) -> float | None:
    info = await Job(f"judge:{submission}:1", fleet.queue.pool, _deserializer=msgspec.msgpack.decode).result_info()
    return info.start_time.timestamp() if info is not None else None


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    server = EphemeralPostgres()
    server.start()
    work = Path(tempfile.mkdtemp(prefix="verdict-burst-bench-"))
    before = load_record()
    try:
        url = await database(server.url, "bench_burst")
        fleet = JudgeFleet(
            database_url=url,
            workdir=work,
            env={"LOG_LEVEL": "WARNING", "JUDGE_REAP_AFTER": "300", "JUDGE_HEARTBEAT_TTL": "15"},
        )
        await fleet.open()
        try:
            await fleet.start(judges=0)
            command = [sys.executable, str(THIS_SCRIPT), "--sim-worker", "--test-ms", str(args.test_ms)]
            await fleet.start_judge(slots=args.slots, command=command)
            tests = tuple(
                TestCaseData(name=f"t{i}", input=f"{i}\n".encode(), expected=f"{i}\n".encode())
                for i in range(args.tests)
            )
            problem = await fleet.create_problem(testset=TestSetData(tests=tests), languages=("python3",))
            figures = await burst(fleet, args, problem)
        finally:
            await fleet.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    figures["details"]["load_before"] = before
    figures["details"]["load_after"] = load_record()
    return figures


async def burst(fleet: JudgeFleet, args: argparse.Namespace, problem: uuid.UUID) -> dict[str, Any]:
    chance = random.Random(args.seed)
    users = await users_with_tokens(fleet, args.students)
    students = [Student(n, chance.uniform(0, args.window), user_id, token) for n, (user_id, token) in enumerate(users)]
    print(f"{args.students} students submit within {args.window} s to {args.slots} slots...", flush=True)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=fleet.api_url, limits=limits, timeout=120) as client:
        start = time.time() + 1
        await asyncio.wait_for(
            asyncio.gather(*(s.run(fleet, client, problem, start) for s in students)), args.window + 600
        )
    total_s = time.time() - start
    errors = [s.error for s in students if s.error]
    assert not errors, errors[:5]
    ids = [uuid.UUID(s.submission) for s in students]
    async with fleet.sessions() as session:
        done = await session.scalar(
            select(func.count())
            .select_from(m.Submission)
            .where(m.Submission.id.in_(ids), m.Submission.status == m.SubmissionStatus.DONE)
            .where(m.Submission.verdict.is_not(None))
        )
        grouped = await session.execute(
            select(m.Submission.verdict, func.count()).where(m.Submission.id.in_(ids)).group_by(m.Submission.verdict)
        )
        verdicts = {str(verdict): int(count) for verdict, count in grouped.tuples()}
    starts = await asyncio.gather(*(start_time(fleet, s.submission) for s in students))
    first_errors: list[float] = []
    update_errors: list[float] = []
    waits: list[float] = []
    waited_3s = 0
    no_estimate = 0
    counted_down = 0
    for student, started in zip(students, starts, strict=True):
        shown = student.shown()
        if started is None or not shown:
            continue
        waits.append(started - shown[0][0])
        estimated = [(at, estimate) for at, _position, estimate in shown if estimate is not None]
        if not estimated:
            no_estimate += 1
        elif started - estimated[0][0] >= args.min_wait:  # the first estimate the student saw
            first_errors.append(abs(estimated[0][1] - (started - estimated[0][0])) / (started - estimated[0][0]))
        for at, _position, estimate in shown:
            if started - at >= args.min_wait and estimate is not None:
                update_errors.append(abs(estimate - (started - at)) / (started - at))
        if started - shown[0][0] >= 3:
            waited_3s += 1
            positions = [position for _t, position, _e in shown]
            descending = all(b <= a for a, b in itertools.pairwise(positions))
            counted_down += descending and len(set(positions)) >= 3
    one_final = sum(1 for s in students if s.finals() == 1)
    print(
        f"{one_final}/{len(students)} got one final event; estimate error p50 {percentile(first_errors, 0.5):.2f} "
        f"p90 {percentile(first_errors, 0.9):.2f}; {counted_down}/{waited_3s} saw the countdown",
        flush=True,
    )
    return {
        "submissions": len(students),
        "submissions_with_one_final": one_final,
        "submissions_done_in_database": int(done or 0),
        "estimate_error_p50": round(percentile(first_errors, 0.5), 3),
        "estimate_error_p90": round(percentile(first_errors, 0.9), 3),
        "estimate_within_20pct": round(sum(e <= 0.2 for e in first_errors) / max(1, len(first_errors)), 3),
        "countdown_share": round(counted_down / max(1, waited_3s), 3),
        "details": {
            "students": args.students,
            "window_s": args.window,
            "slots": args.slots,
            "tests_per_submission": args.tests,
            "test_ms": args.test_ms,
            "verdicts": verdicts,
            "burst_to_last_final_s": round(total_s, 1),
            "wait_s_p50": round(percentile(waits, 0.5), 2),
            "wait_s_max": round(max(waits, default=0.0), 2),
            "estimates_compared": len(first_errors),
            "students_never_shown_an_estimate": no_estimate,
            "min_wait_s": args.min_wait,
            "update_estimate_error_p50": round(percentile(update_errors, 0.5), 3),
            "update_estimate_error_p90": round(percentile(update_errors, 0.9), 3),
            "updates_compared": len(update_errors),
            "students_waiting_3s": waited_3s,
            "queue_messages": sum(1 for s in students for _t, msg in s.messages if msg.get("type") == "queue"),
        },
    }


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--window", type=float, default=60.0, help="seconds within which every student submits")
    parser.add_argument("--slots", type=int, default=2, help="judge slots (one worker)")
    parser.add_argument("--tests", type=int, default=10, help="tests per submission")
    parser.add_argument("--test-ms", type=float, default=40.0, help="stand-in time of one test")
    parser.add_argument("--min-wait", type=float, default=2.0, help="compare estimates for waits at least this long")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "burst.json")
    parser.add_argument("--sim-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sim_worker:  # the judge worker process (started by this script only)
        return run_worker(os.environ, backend_factory=simulated_backend(args.test_ms))
    figures = asyncio.run(measure(args))
    code = write(figures, args.output, TARGETS)
    if not figures["submissions_with_one_final"] == figures["submissions"] == figures["submissions_done_in_database"]:
        print("NOT every submission reached exactly one final verdict", file=sys.stderr)
        return 3
    return code


if __name__ == "__main__":
    raise SystemExit(cli())
