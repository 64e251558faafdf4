"""Dashboards benchmark: a generated course of 1,000 students and 100,000 submissions (10 tests each) on a fresh
PostgreSQL, then the server time of each dashboard (its queries and the JSON encoding), median of several rounds.

    make bench-web                       # -> bench/web.json
    .venv/bin/python bench/web_bench.py --students 300 --submissions 5000 --rounds 3

Target (issue #15): every dashboard under 300 ms of server time."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from redis.asyncio import Redis

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.migrate import upgrade_async
from api.domain.dashboards.analytics import analytics_dashboard
from api.domain.dashboards.course import course_dashboard
from api.domain.dashboards.generator import generate_course
from api.domain.dashboards.sqlparts import DateRange
from api.domain.dashboards.student import student_dashboard
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


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    server = EphemeralPostgres()
    server.start()
    try:
        url = await database(server.url, "bench_web")
        settings = load_settings({"DATABASE_URL": url, "ENVIRONMENT": "test"})
        engine = create_engine(settings)
        started = time.perf_counter()
        async with session_factory(engine)() as s:
            generated = await generate_course(s, students=args.students, submissions=args.submissions)
            await s.commit()
        async with engine.begin() as conn:  # statistics, as autovacuum would gather them (committed: ANALYZE is
            await conn.exec_driver_sql("ANALYZE")  # transactional)
        print(
            f"generated {args.students} students, {args.submissions} submissions in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        redis = Redis(host="127.0.0.1", port=1)  # no Redis: the analytics report no fleet, as they do when it is down
        now = datetime.now(UTC)
        span = DateRange.ending(now.date(), 90)
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
            figures: dict[str, float] = {}
            for name, call in calls.items():
                await call()  # warm-up
                rounds = []
                for _ in range(args.rounds):
                    t0 = time.perf_counter()
                    msgspec.json.encode(await call())
                    rounds.append((time.perf_counter() - t0) * 1000)
                figures[name] = round(statistics.median(rounds), 1)
                verdict = "ok" if figures[name] < TARGET_MS else "OVER"
                print(f"{name}: {figures[name]:.1f} ms (target < {TARGET_MS:.0f} ms) {verdict}", flush=True)
        await redis.aclose()
        await engine.dispose()
        return {
            **figures,
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
