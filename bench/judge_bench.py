"""Judge fleet benchmark: latency and throughput of the whole judging pipeline, jailed and bare.

Run as root: ``.venv/bin/python bench/judge_bench.py`` (``make bench-judge``). Writes ``bench/judge.json`` and
prints each figure with its target. One run measures, on this machine:

- a real PostgreSQL, a real Redis, the API (``verdict serve``, serving the test set), the ``api-tasks`` worker
  (``verdict worker tasks``: records reports, publishes the authoritative final event) and ONE idle judge worker
  process (``verdict worker judge``, ``JUDGE_SLOTS`` = CPU count);
- and the same pipeline with that worker replaced by the bare worker (``bench/bare_executor.py``: the same
  worker code and settings with the sandbox replaced by a plain subprocess), started only by this script with an
  explicit acknowledgement flag, never reachable from a setting or a ``verdict`` command.

Latency samples alternate between the two pipelines (one submission at a time, each worker idle when its job
arrives), so both see the same background load on a shared machine.

A submission is "accepted" when the API would answer 201: its row committed; the clock starts there, and the
judge request is enqueued as the API does (``JudgeQueue.enqueue_judge``). Figures:

- ``pickup_ms_p50``: enqueue -> job start, from arq's own record of the job (enqueue and start times);
- ``first_result_ms_p50``: accepted -> the first per-test event received by a subscriber of ``submission:<id>``
  (a 10-test Python submission);
- ``final_ms_p50`` / ``final_ms_p90``: accepted -> the authoritative final event (recorded in the database);
- ``final_vs_bare_ratio``: jailed / bare ``final_ms_p50``;
- ``tests_per_s`` (and per core): judged test cases per second with all slots busy (a burst of submissions).

Warm jails (issue 20): the jailed pipeline runs as configured by default (warm jails and the Python zygote), and a
third pipeline runs the same worker with ``SANDBOX_WARM=0`` ("cold": how every test ran before). Both are measured
side by side: ``warm_final_ms_p50`` (a 10-test Python submission, target <= 60 ms on an idle worker) and
``one_test_tests_per_s_per_core`` for one-test Python submissions, new against old (target >= 3x). A fourth
pipeline runs with ``SANDBOX_WARM_SCOPE=slot`` (a warm jail serves submission after submission). The 1-minute
load average is recorded next to each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg
import msgspec
from arq.jobs import Job
from bare_executor import bare_backend

from api.db import models as m
from api.db.migrate import upgrade_async
from api.domain.submissions.judging import build_judge_request
from judge_worker.contracts import CaseFinished, Finished, TestCaseData, TestSetData
from judge_worker.main import run_worker
from tests.support.fleet import JudgeFleet
from tests.support.postgres import EphemeralPostgres

THIS_SCRIPT = Path(__file__).resolve()
ACK_FLAG = "--i-know-this-runs-submitted-code-unsandboxed"
SUM_PY = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
TESTS = 10
TARGETS: dict[str, tuple[str, float | None]] = {
    "pickup_ms_p50": ("<=", 30.0),
    "first_result_ms_p50": ("<=", 50.0),
    "final_ms_p50": ("<=", 300.0),
    "final_ms_p90": ("<=", 400.0),
    "final_vs_bare_ratio": ("<=", 2.2),
    "tests_per_s": (">=", None),
    "tests_per_s_per_core": (">=", None),
    "warm_final_ms_p50": ("<=", 60.0),
    "one_test_warm_vs_cold_ratio": (">=", 3.0),
    "one_test_slot_scope_vs_cold_ratio": (">=", 3.0),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def testset(count: int) -> TestSetData:
    return TestSetData(
        tests=tuple(
            TestCaseData(name=f"t{i}", input=f"{i} {i * 7}\n".encode(), expected=f"{i * 8}\n".encode())
            for i in range(count)
        )
    )


def load() -> float:
    return round(os.getloadavg()[0], 2)


class Pipeline:
    """One fleet (API, api-tasks, one judge worker) and the measurements taken through it."""

    def __init__(self, name: str, fleet: JudgeFleet, problem: uuid.UUID) -> None:
        self.name = name
        self.fleet = fleet
        self.problem = problem
        self.pickup: list[float] = []
        self.first: list[float] = []
        self.final: list[float] = []
        self.judged: list[float] = []  # accepted -> the worker's own (non-authoritative) Finished event
        self.single: uuid.UUID = problem  # a one-test problem (set by ``pipeline``)

    async def one(self, *, record: bool) -> None:
        fleet = self.fleet
        sid = uuid.uuid4()
        async with fleet.events(sid) as log:
            async with fleet.sessions() as session:
                problem = await session.get(m.Problem, self.problem)
                assert problem is not None
                row = m.Submission(
                    id=sid,
                    problem_id=problem.id,
                    language="python3",
                    files={"main.py": SUM_PY},
                    testset_digest=problem.testset_digest,
                )
                session.add(row)
                await session.commit()
                accepted = time.monotonic()
                await fleet.queue.enqueue_judge(build_judge_request(row, problem))
            await log.wait_for(lambda e: isinstance(e, CaseFinished))
            final = await log.authoritative(within=60)
            assert final.verdict.value == "AC", final
            first_at = next(t for e, t in zip(log.events, log.times, strict=True) if isinstance(e, CaseFinished))
            final_at = next(
                t for e, t in zip(log.events, log.times, strict=True) if isinstance(e, Finished) and e.authoritative
            )
            judged_at = next(
                t for e, t in zip(log.events, log.times, strict=True) if isinstance(e, Finished) and not e.authoritative
            )
        job = Job(f"judge:{sid}:1", fleet.queue.pool, _deserializer=msgspec.msgpack.decode)
        info = await job.result_info()
        for _ in range(100):  # the authoritative final can arrive before arq has stored the judge job's result
            if info is not None:
                break
            await asyncio.sleep(0.05)
            info = await job.result_info()
        assert info is not None
        if record:
            self.first.append((first_at - accepted) * 1000)
            self.final.append((final_at - accepted) * 1000)
            self.judged.append((judged_at - accepted) * 1000)
            self.pickup.append((info.start_time - info.enqueue_time).total_seconds() * 1000)

    async def throughput(self, submissions: int, problem: uuid.UUID | None = None, tests: int = TESTS) -> float:
        target = problem or self.problem
        started = time.monotonic()
        ids = await asyncio.gather(*(self.fleet.submit(target, "python3", SUM_PY) for _ in range(submissions)))
        rows = await self.fleet.wait_all_final(list(ids), within=600)
        elapsed = time.monotonic() - started
        assert {r["verdict"] for r in rows} == {"AC"}
        return submissions * tests / elapsed


async def pipeline(
    name: str, database_url: str, work: Path, slots: int, *, bare: bool, extra_env: dict[str, str] | None = None
) -> Pipeline:
    fleet = JudgeFleet(
        database_url=database_url,
        workdir=work / name,
        env={"LOG_LEVEL": "WARNING", "SANDBOX_LANGUAGES": "python3", "JUDGE_HEARTBEAT_TTL": "15"},
    )
    try:
        await fleet.open()
        await fleet.start(judges=0)
        command = [sys.executable, str(THIS_SCRIPT), "--bare-worker", ACK_FLAG] if bare else None
        await fleet.start_judge(slots=slots, command=command, extra_env=extra_env)
        problem = await fleet.create_problem(testset=testset(TESTS), languages=("python3",))
        single = await fleet.create_problem(testset=testset(1), languages=("python3",))
    except BaseException:
        await fleet.close()
        raise
    pipe = Pipeline(name, fleet, problem)
    pipe.single = single
    return pipe


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


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    slots = args.slots or os.cpu_count() or 1
    server = EphemeralPostgres()
    server.start()
    work = Path(tempfile.mkdtemp(prefix="verdict-judge-bench-"))
    try:
        # A database each: each pipeline's api-tasks reaper must only see its own submissions.
        jailed_db, bare_db = await database(server.url, "bench_jailed"), await database(server.url, "bench_bare")
        cold_db = await database(server.url, "bench_cold")
        slot_db = await database(server.url, "bench_slot")
        print(f"starting the jailed (warm), cold and bare pipelines ({slots} slots each)...", flush=True)
        pipes: list[Pipeline] = []
        try:
            jailed = await pipeline("jailed", jailed_db, work, slots, bare=False)
            pipes.append(jailed)
            cold = await pipeline("cold", cold_db, work, slots, bare=False, extra_env={"SANDBOX_WARM": "0"})
            pipes.append(cold)
            bare_pipe = await pipeline("bare", bare_db, work, slots, bare=True)
            pipes.append(bare_pipe)
            slot_env = {"SANDBOX_WARM_SCOPE": "slot"}
            per_slot = await pipeline("slot", slot_db, work, slots, bare=False, extra_env=slot_env)
            pipes.append(per_slot)
        except BaseException:
            for pipe in pipes:
                await pipe.fleet.close()
            raise
        throughput: dict[str, float] = {}
        single: dict[str, float] = {}
        loads: dict[str, float] = {}
        try:
            for pipe in pipes:
                for _ in range(args.warmup):
                    await pipe.one(record=False)
            # Interleaved, so all see the same load on a shared machine; each worker is idle when it gets its job.
            loads["latency_start"] = load()
            for _ in range(args.samples):
                for pipe in pipes:
                    await pipe.one(record=True)
                    await asyncio.sleep(0.05)
            loads["latency_end"] = load()
            for pipe in pipes:
                print(f"{pipe.name}: {args.burst} submissions x {TESTS} tests at once...", flush=True)
                throughput[pipe.name] = await pipe.throughput(args.burst)
                loads[f"burst_{pipe.name}"] = load()
            for pipe in (jailed, cold, per_slot):
                print(f"{pipe.name}: {args.burst * 2} one-test submissions at once...", flush=True)
                single[pipe.name] = await pipe.throughput(args.burst * 2, pipe.single, 1)
                loads[f"one_test_{pipe.name}"] = load()
        finally:
            for pipe in pipes:
                await pipe.fleet.close()
        for pipe in pipes:
            print(
                f"{pipe.name}: pickup p50 {percentile(pipe.pickup, 0.5):.1f} ms, first result p50 "
                f"{percentile(pipe.first, 0.5):.1f} ms, final p50 {percentile(pipe.final, 0.5):.1f} ms, "
                f"p90 {percentile(pipe.final, 0.9):.1f} ms, {throughput[pipe.name]:.1f} tests/s",
                flush=True,
            )
        cores = os.cpu_count() or 1
        for pipe in (jailed, cold, per_slot):
            print(f"{pipe.name}: one-test submissions {single[pipe.name]:.1f} tests/s", flush=True)
        return {
            "warm_final_ms_p50": round(percentile(jailed.final, 0.5), 1),
            "warm_final_ms_p90": round(percentile(jailed.final, 0.9), 1),
            "cold_final_ms_p50": round(percentile(cold.final, 0.5), 1),
            "cold_final_ms_p90": round(percentile(cold.final, 0.9), 1),
            "one_test_tests_per_s_per_core": round(single["jailed"] / cores, 1),
            "one_test_cold_tests_per_s_per_core": round(single["cold"] / cores, 1),
            "one_test_warm_vs_cold_ratio": round(single["jailed"] / single["cold"], 2),
            "slot_scope_final_ms_p50": round(percentile(per_slot.final, 0.5), 1),
            "one_test_slot_scope_tests_per_s_per_core": round(single["slot"] / cores, 1),
            "one_test_slot_scope_vs_cold_ratio": round(single["slot"] / single["cold"], 2),
            "cold_tests_per_s_per_core": round(throughput["cold"] / cores, 1),
            "load": loads,
            "pickup_ms_p50": round(percentile(jailed.pickup, 0.5), 1),
            "first_result_ms_p50": round(percentile(jailed.first, 0.5), 1),
            "final_ms_p50": round(percentile(jailed.final, 0.5), 1),
            "final_ms_p90": round(percentile(jailed.final, 0.9), 1),
            "final_vs_bare_ratio": round(percentile(jailed.final, 0.5) / percentile(bare_pipe.final, 0.5), 2),
            "tests_per_s": round(throughput["jailed"], 1),
            "tests_per_s_per_core": round(throughput["jailed"] / cores, 1),
            "details": {
                "machine_cores": cores,
                "judge_slots": slots,
                "samples": args.samples,
                "tests_per_submission": TESTS,
                "language": "python3",
                "bare": {
                    "pickup_ms_p50": round(percentile(bare_pipe.pickup, 0.5), 1),
                    "first_result_ms_p50": round(percentile(bare_pipe.first, 0.5), 1),
                    "final_ms_p50": round(percentile(bare_pipe.final, 0.5), 1),
                    "final_ms_p90": round(percentile(bare_pipe.final, 0.9), 1),
                    "tests_per_s": round(throughput["bare"], 1),
                },
                "jailed_final_ms_mean": round(statistics.fmean(jailed.final), 1),
                "jailed_worker_finished_ms_p50": round(percentile(jailed.judged, 0.5), 1),
                "bare_worker_finished_ms_p50": round(percentile(bare_pipe.judged, 0.5), 1),
                "jailed_pickup_ms_p90": round(percentile(jailed.pickup, 0.9), 1),
                "jailed_first_result_ms_p90": round(percentile(jailed.first, 0.9), 1),
            },
        }
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def report(figures: dict[str, Any], output: Path) -> int:
    output.write_text(json.dumps(figures, indent=2) + "\n")
    failed = 0
    print()
    for key, (op, target) in TARGETS.items():
        value = figures[key]
        if target is None:
            print(f"  {key:<24} {value:>9}   (reported)")
            continue
        ok = value <= target if op == "<=" else value >= target
        failed += not ok
        print(f"  {key:<24} {value:>9}   target {op} {target:<6} {'ok' if ok else 'MISSED'}")
    print(f"\nwritten to {output}")
    return 1 if failed else 0


def bare_worker() -> int:
    """The bare worker process (started by this script only)."""
    return run_worker(os.environ, backend_factory=bare_backend)


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--samples", type=int, default=40, help="measured submissions (after the warm-up)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--burst", type=int, default=40, help="submissions enqueued at once for tests_per_s")
    parser.add_argument("--slots", type=int, default=0, help="judge slots (default: CPU count)")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "judge.json")
    parser.add_argument("--bare-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(ACK_FLAG, dest="acknowledged", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_worker:
        if not args.acknowledged:
            print(f"the bare worker runs submitted code without any sandbox; it needs {ACK_FLAG}", file=sys.stderr)
            return 2
        return bare_worker()
    if os.geteuid() != 0:
        print("run the judge benchmark as root (the sandbox needs it)", file=sys.stderr)
        return 2
    return report(asyncio.run(measure(args)), args.output)


if __name__ == "__main__":
    raise SystemExit(cli())
