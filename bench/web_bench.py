"""Dashboards benchmark: a generated course of 1,000 students and 100,000 submissions (10 tests each) on a fresh
PostgreSQL, then the server time of each dashboard (its queries and the JSON encoding), median of several rounds.

    make bench-web                       # -> bench/web.json
    .venv/bin/python bench/web_bench.py --students 300 --submissions 5000 --rounds 3

Target (issue #15): every dashboard under 300 ms of server time."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from redis.asyncio import Redis
from sqlalchemy import text

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.migrate import upgrade_async
from api.domain.dashboards.analytics import analytics_dashboard
from api.domain.dashboards.course import course_dashboard
from api.domain.dashboards.generator import generate_course
from api.domain.dashboards.sqlparts import DateRange
from api.domain.dashboards.student import student_dashboard
from api.lib.heap import freeze_startup_heap
from api.settings import load_settings
from tests.support.postgres import EphemeralPostgres

TARGET_MS = 300.0


async def database(server_url: str, name: str) -> str:
    admin = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    await upgrade_async(url)
    return url


BASELINE_DROPS = (
    "DROP INDEX ix_submission_created_cover",
    "DROP INDEX ix_submission_user_problem_created",
    "DROP INDEX ix_submission_judged_cover",
    "DROP STATISTICS st_submission_created_day",
    "DROP STATISTICS st_submission_created_week",
    "DROP STATISTICS st_submission_judged_day",
)


async def vacuum(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum does after a burst of inserts (statistics, and the visibility map that
    index-only scans need), on a connection of its own outside any transaction. Twice: the first pass right after
    the generator's commit leaves the newest pages not all-visible (autovacuum comes back; the bench does not wait)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("VACUUM")
    finally:
        await conn.close()


async def median_ms(call: Callable[[], Awaitable[msgspec.Struct]], rounds: int) -> float:
    await call()  # warm-up
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        msgspec.json.encode(await call())
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    server = EphemeralPostgres()
    server.start()
    try:
        url = await database(server.url, "bench_web")
        settings = load_settings({"DATABASE_URL": url, "ENVIRONMENT": "test"})
        engine = create_engine(settings)
        freeze_startup_heap()  # as the app's start-up does (api/app.py)
        started = time.perf_counter()
        async with session_factory(engine)() as s:
            generated = await generate_course(s, students=args.students, submissions=args.submissions)
            await s.commit()
        await vacuum(url)
        print(
            f"generated {args.students} students, {args.submissions} submissions in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        redis = Redis(host="127.0.0.1", port=1)  # no Redis: the analytics report no fleet, as they do when it is down
        now = datetime.now(UTC)
        span = DateRange.ending(now.date(), 90)
        figures: dict[str, float] = {}
        baseline: dict[str, float] = {}
        unfrozen: dict[str, float] = {}
        async with session_factory(engine)() as s:
            course = await s.get(m.Course, generated.course_id)
            student = await s.get(m.User, generated.student_ids[0])
            assert course is not None
            assert student is not None
            calls = {
                "course_dashboard_ms": lambda: course_dashboard(s, course, now=now, span=span, inactive_days=7),
                "student_dashboard_ms": lambda: student_dashboard(s, student, now),
                "admin_analytics_ms": lambda: analytics_dashboard(s, redis, span),
            }
            for name, call in calls.items():
                figures[name] = await median_ms(call, args.rounds)
            # The same without the start-up heap frozen (api/lib/heap.py): every full collection walks all of it.
            gc.unfreeze()
            for name, call in calls.items():
                unfrozen[name] = await median_ms(call, args.rounds)
            gc.freeze()
            await s.commit()
            # The baseline, on the same data in the same run: the schema before migration 0017 (its covering indexes
            # and expression statistics dropped in a transaction that is rolled back afterwards).
            for statement in BASELINE_DROPS:
                await s.execute(text(statement))
            await s.execute(text("ANALYZE submission"))
            for name, call in calls.items():
                baseline[name] = await median_ms(call, args.rounds)
            await s.rollback()
        for name, value in figures.items():
            verdict = "ok" if value < TARGET_MS else "OVER"
            print(
                f"{name}: {value:.1f} ms (without 0017 {baseline[name]:.1f} ms,"
                f" heap not frozen {unfrozen[name]:.1f} ms; target < {TARGET_MS:.0f} ms) {verdict}"
            )
        await redis.aclose()
        await engine.dispose()
        return {
            **figures,
            "baseline_without_0017": baseline,
            "baseline_heap_not_frozen": unfrozen,
            "target_ms": TARGET_MS,
            "details": {
                "students": args.students,
                "submissions": args.submissions,
                "tests_per_submission": 10,
                "rounds": args.rounds,
            },
        }
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("web.json"))
    args = parser.parse_args()
    result = asyncio.run(measure(args))
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
