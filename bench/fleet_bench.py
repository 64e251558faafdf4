"""Fleet benchmark: many real judge worker processes against one Redis, at a steady rate of submissions.

``.venv/bin/python bench/fleet_bench.py`` (``make bench-fleet``; wrap it in ``flock /tmp/verdict-sandbox.lock``)
starts one Redis (as the platform does: ``api.lib.redis_server.EmbeddedRedis``) and ``--workers`` real judge
worker processes (``judge_worker.main.run_worker``: arq, slots, heartbeats, events, reports) whose executor is the
stand-in ``bench/sim_executor.py`` (no sandbox: each test waits ``--test-ms``). The workers are forked from one
process that has imported everything once, so their code pages are shared (256 Python processes fit in memory);
each then runs its own event loop and its own Redis connections exactly as ``verdict worker judge`` does.

The benchmark enqueues ``--rate`` judge requests per second for ``--duration`` seconds the way the API does
(``JudgeQueue.enqueue_judge`` of ``build_judge_request``), and reports:

- ``pickup_ms_p50`` / ``_p99``: enqueue -> job start, from arq's own record of each job;
- ``redis_cpu_share``: the redis-server process's CPU time over the pushing window / its length (from
  ``/proc/<pid>/stat``; 1.0 = one core busy);
- and checks that every submission got exactly one final (worker) event and exactly one report for the API
  (else it exits with 3).

The test data is put in the workers' cache beforehand (no API is needed; the download path is the judge
benchmark's subject). The machine's load is recorded next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import msgspec
from arq.jobs import Job
from benchlib import BENCH_DIR, CpuMeter, load_record, percentile, write
from redis.asyncio import Redis
from sim_executor import simulated_backend

import judge_worker.main as judge_main
from api.db import models as m
from api.domain.submissions.judging import build_judge_request
from api.lib.redis_server import EmbeddedRedis
from api.queue import JudgeQueue, create_arq_pool
from judge_worker.contracts import (
    API_TASKS_QUEUE,
    Finished,
    TestCaseData,
    TestSetData,
    decode_event,
    heartbeat_key,
    pack_testset,
)
from judge_worker.main import IDLE_POLL_S, run_worker
from judge_worker.wake import WakeableWorker

TARGETS: dict[str, tuple[str, float]] = {
    "pickup_ms_p50": ("<=", 30.0),
    "redis_cpu_share": ("<=", 0.5),
}
SOURCE = "print(input())\n"
POLLING_BASELINE_S = 0.02  # the judge's poll interval before wake tokens


def testset(tests: int) -> TestSetData:
    return TestSetData(
        tests=tuple(
            TestCaseData(name=f"t{i}", input=f"{i}\n".encode(), expected=f"{i}\n".encode()) for i in range(tests)
        )
    )


async def _poll_only(worker: Any) -> None:
    await asyncio.sleep(worker.idle_poll_s)


def fork_workers(
    count: int, base_env: dict[str, str], test_ms: float, slots: int, *, polling: bool = False, batch: int = 16
) -> list[int]:
    """Fork ``count`` judge workers from this (import-warmed) process, ``batch`` at a time (each batch's
    heartbeats are awaited before the next starts, so 256 start-ups do not all hit Redis at once).

    ``polling``: the baseline, workers as they were before wake tokens (every worker polls every 20 ms and
    ignores the tokens); only this benchmark's own children are changed so."""
    import redis as sync_redis  # noqa: PLC0415 - before any event loop exists (the children make their own)

    client = sync_redis.Redis.from_url(base_env["REDIS_URL"])
    pids: list[int] = []
    try:
        for first in range(0, count, batch):
            for number in range(first, min(count, first + batch)):
                pid = os.fork()
                if pid == 0:  # the child: one judge worker, as `verdict worker judge` runs it
                    code = 1
                    try:
                        os.setpgid(0, 0)
                        env = {**base_env, "JUDGE_WORKER_ID": f"sim{number}", "JUDGE_SLOTS": str(slots)}
                        if polling:
                            judge_main.IDLE_POLL_S = POLLING_BASELINE_S  # type: ignore[misc]
                            WakeableWorker._wait_for_work = _poll_only  # type: ignore[method-assign,assignment]
                        code = run_worker(env, backend_factory=simulated_backend(test_ms))
                    finally:
                        os._exit(code)
                pids.append(pid)
            _await_heartbeats(client, len(pids))
    except BaseException:
        stop_workers(pids)
        raise
    finally:
        client.close()
    return pids


def _await_heartbeats(client: Any, count: int, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while len(list(client.scan_iter(match=heartbeat_key("*"), count=1000))) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} judge workers did not come up within {within} s")
        time.sleep(0.2)


def stop_workers(pids: list[int], within: float = 30) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + within
    remaining = set(pids)
    while remaining and time.monotonic() < deadline:
        for pid in list(remaining):
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                remaining.discard(pid)
        time.sleep(0.05)
    for pid in remaining:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


class Finals:
    """Counts the judge's final events per submission (``submission:*``)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.changed = asyncio.Event()

    async def read(self, redis: Redis) -> None:
        pubsub = redis.pubsub()
        await pubsub.psubscribe("submission:*")
        try:
            async for message in pubsub.listen():
                if message.get("type") != "pmessage":
                    continue
                event = decode_event(message["data"])
                if isinstance(event, Finished) and not event.authoritative:
                    self.counts[str(event.submission_id)] += 1
                    self.changed.set()
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]


async def wait_workers(redis: Redis, count: int, pids: list[int], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        beats = [key async for key in redis.scan_iter(match=heartbeat_key("*"), count=1000)]
        if len(beats) >= count:
            return
        for pid in pids:
            done, status = os.waitpid(pid, os.WNOHANG)  # noqa: ASYNC222 - WNOHANG: never blocks
            if done:
                raise RuntimeError(f"a judge worker (pid {pid}) exited with {status} while starting")
        await asyncio.sleep(0.25)
    raise TimeoutError(f"{count} judge workers did not come up within {within} s")


async def measure(
    args: argparse.Namespace, redis_server: EmbeddedRedis, pids: list[int], digest: str, *, polling: bool = False
) -> dict[str, Any]:
    redis = Redis.from_url(redis_server.url)
    queue = JudgeQueue(await create_arq_pool(redis_server.url))
    finals = Finals()
    reader = asyncio.create_task(finals.read(redis))
    try:
        started_wait = time.monotonic()
        await wait_workers(redis, args.workers, pids, within=max(120.0, args.workers * 1.5))
        print(f"{args.workers} workers up in {time.monotonic() - started_wait:.1f} s", flush=True)
        problem = m.Problem(
            id=uuid.uuid4(), slug="sim", title="sim", time_limit_ms=1000, memory_limit_mb=256, checker={}
        )

        def request(sid: uuid.UUID) -> Any:
            row = m.Submission(
                id=sid,
                problem_id=problem.id,
                kind=m.SubmissionKind.SUBMISSION,
                language="python3",
                files={"main.py": SOURCE},
                testset_digest=digest,
                attempt=1,
            )
            return build_judge_request(row, problem)

        warmup = min(args.workers, 20)
        reports_before = int(await redis.zcard(API_TASKS_QUEUE))  # an earlier phase's, in the same Redis
        for _ in range(warmup):  # warm-up: a few jobs through the fleet
            await queue.enqueue_judge(request(uuid.uuid4()))
        await asyncio.sleep(2)
        idle = CpuMeter({"redis": redis_server.pid or 0})
        idle.start()
        await asyncio.sleep(args.idle)
        idle_cpu = idle.stop()
        ids: list[uuid.UUID] = []
        meter = CpuMeter({"redis": redis_server.pid or 0, **{f"w{i}": pid for i, pid in enumerate(pids)}})
        total = round(args.rate * args.duration)
        tick = 0.01
        meter.start()
        started = time.monotonic()
        for n in range(0, total, max(1, round(args.rate * tick))):
            batch = [uuid.uuid4() for _ in range(min(max(1, round(args.rate * tick)), total - n))]
            ids += batch
            await asyncio.gather(*(queue.enqueue_judge(request(sid)) for sid in batch))
            lag = started + len(ids) / args.rate - time.monotonic()
            if lag > 0:
                await asyncio.sleep(lag)
        pushed_s = time.monotonic() - started
        cpu = meter.stop()
        wanted = {str(sid) for sid in ids}
        deadline = time.monotonic() + max(60.0, args.duration * 4)
        while not wanted <= set(finals.counts) and time.monotonic() < deadline:
            finals.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finals.changed.wait(), 1)
        await asyncio.sleep(0.5)
        runs: list[float] = []
        pickups = await _pickups(queue, ids, runs)
        reports = int(await redis.zcard(API_TASKS_QUEUE)) - reports_before - warmup
        workers_cpu = sum(v for k, v in cpu.items() if k.startswith("w") and k.endswith("_cpu_share"))
        finished = [finals.counts.get(str(sid), 0) for sid in ids]
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await queue.pool.aclose()
        await redis.aclose()
    print(
        f"pushed {len(ids)} in {pushed_s:.1f} s; pickup p50 {percentile(pickups, 0.5):.1f} ms, "
        f"p99 {percentile(pickups, 0.99):.1f} ms; redis {cpu['redis_cpu_share']:.2f} core",
        flush=True,
    )
    return {
        "pickup_ms_p50": round(percentile(pickups, 0.5), 1),
        "pickup_ms_p99": round(percentile(pickups, 0.99), 1),
        "redis_cpu_share": cpu["redis_cpu_share"],
        "submissions": len(ids),
        "submissions_with_one_final": sum(1 for c in finished if c == 1),
        "submissions_with_several_finals": sum(1 for c in finished if c > 1),
        "reports_enqueued": reports,
        "details": {
            "workers": args.workers,
            "slots_per_worker": args.slots,
            "test_ms": args.test_ms,
            "tests_per_submission": args.tests,
            "rate_per_s_asked": args.rate,
            "rate_per_s_pushed": round(len(ids) / pushed_s, 1),
            "duration_s": args.duration,
            "pickup_ms_p90": round(percentile(pickups, 0.9), 1),
            "pickups_measured": len(pickups),
            "job_ms_p50": round(percentile(runs, 0.5), 1),
            "workers_cpu_share": round(workers_cpu, 3),
            "machine_busy_share": cpu["machine_busy_share"],
            "idle_poll_s": POLLING_BASELINE_S if polling else IDLE_POLL_S,
            "wake_tokens": not polling,  # judge_worker.wake
            "redis_cpu_share_idle": idle_cpu["redis_cpu_share"],
            "machine_busy_share_idle": idle_cpu["machine_busy_share"],
        },
    }


async def _pickups(queue: JudgeQueue, ids: list[uuid.UUID], runs: list[float] | None = None) -> list[float]:
    """Enqueue -> start of each job (ms), from arq's result records; ``runs`` gets start -> finish."""
    pickups: list[float] = []
    for chunk in range(0, len(ids), 500):
        infos = await asyncio.gather(
            *(
                Job(f"judge:{sid}:1", queue.pool, _deserializer=msgspec.msgpack.decode).result_info()
                for sid in ids[chunk : chunk + 500]
            )
        )
        pickups += [(i.start_time - i.enqueue_time).total_seconds() * 1000 for i in infos if i is not None]
        if runs is not None:
            runs += [(i.finish_time - i.start_time).total_seconds() * 1000 for i in infos if i is not None]
    return pickups


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--workers", type=int, default=256, help="judge worker processes")
    parser.add_argument("--slots", type=int, default=1, help="slots per worker")
    parser.add_argument("--rate", type=float, default=500.0, help="submissions enqueued per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of pushing")
    parser.add_argument("--tests", type=int, default=1, help="tests per submission")
    parser.add_argument("--test-ms", type=float, default=20.0, help="stand-in time of one test")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of measuring the idle fleet first")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "fleet.json")
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the same fleet as it polled before wake tokens (every 20 ms), in the same run",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="verdict-fleet-bench-"))
    before = load_record()
    redis_server = EmbeddedRedis(work / "redis")
    redis_server.start()
    pids: list[int] = []
    try:
        digest, packed = pack_testset(testset(args.tests))
        cache = work / "cache"
        cache.mkdir()
        (cache / f"{digest}.testset").write_bytes(packed)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "VERDICT_DATA_DIR": str(work / "var"),
            "REDIS_URL": redis_server.url,
            "JUDGE_CACHE_DIR": str(cache),
            "JUDGE_API_URL": "http://127.0.0.1:9",  # never used: the test data is in the cache
            "JUDGE_TOKEN": "fleet-bench-" + "t" * 32,
            "LOG_LEVEL": "WARNING",
        }
        pids = fork_workers(args.workers, env, args.test_ms, args.slots)
        figures = asyncio.run(measure(args, redis_server, pids, digest))
        stop_workers(pids)
        pids = []
        if args.baseline:
            print("baseline: the same fleet polling every 20 ms, without wake tokens", flush=True)
            pids = fork_workers(args.workers, env, args.test_ms, args.slots, polling=True)
            baseline = asyncio.run(measure(args, redis_server, pids, digest, polling=True))
            figures["baseline_polling"] = {
                k: baseline[k] for k in ("pickup_ms_p50", "pickup_ms_p99", "redis_cpu_share", "submissions")
            }
            figures["baseline_polling"]["redis_cpu_share_idle"] = baseline["details"]["redis_cpu_share_idle"]
            figures["baseline_polling"]["one_final_each"] = (
                baseline["submissions_with_one_final"] == baseline["reports_enqueued"] == baseline["submissions"]
            )
    finally:
        stop_workers(pids)
        redis_server.stop()
        shutil.rmtree(work, ignore_errors=True)
    figures["details"]["load_before"] = before
    figures["details"]["load_after"] = load_record()
    code = write(figures, args.output, TARGETS)
    if not figures["submissions_with_one_final"] == figures["reports_enqueued"] == figures["submissions"]:
        print("NOT every submission got exactly one final event and one report", file=sys.stderr)
        return 3
    return code


if __name__ == "__main__":
    raise SystemExit(cli())
