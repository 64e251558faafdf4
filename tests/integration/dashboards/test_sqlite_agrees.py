"""The embedded default (SQLite, what ``make dev`` runs) gives the dashboards the same numbers as PostgreSQL: the
same generated course in both, every aggregate compared (the SQL differs: days, weeks, JSON and percentiles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.migrate import upgrade_async
from api.domain.dashboards.analytics import analytics_dashboard
from api.domain.dashboards.course import course_dashboard
from api.domain.dashboards.generator import generate_course
from api.domain.dashboards.sqlparts import DateRange
from api.settings import Settings, load_settings

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


async def _figures(settings: Settings) -> dict[str, Any]:
    engine = create_engine(settings)
    redis = Redis(host="127.0.0.1", port=1)  # nothing listens: the fleet figures are 0 on both
    try:
        async with session_factory(engine)() as s:
            generated = await generate_course(s, students=30, submissions=600, problems=3, tests=6, now=NOW)
            await s.commit()
        span = DateRange.ending(NOW.date(), 90)
        async with session_factory(engine)() as s:
            course = await s.get(m.Course, generated.course_id)
            assert course is not None
            c = await course_dashboard(s, course, now=NOW, span=span, inactive_days=7)
            a = await analytics_dashboard(s, redis, span)
    finally:
        await redis.aclose()
        await engine.dispose()
    return {
        "activity": [(r.day, r.submissions, r.students) for r in c.activity],
        "assessments": [(x.title, x.started, x.submitted, x.mean, x.median, x.distribution) for x in c.assessments],
        "questions": [(q.position, q.answered, q.mean_percent) for x in c.assessments for q in x.questions],
        "tests": [(t.problem_title, t.test, t.runs, t.failures) for t in c.tests],
        "wrong": sorted((w.problem_title, w.test, w.verdict, w.output, w.count) for w in c.wrong_outputs),
        "at_risk": [(r.display_name, r.reasons) for r in c.at_risk],
        "active": [(r.period, r.users) for r in a.active_per_day],
        "weeks": [(r.period, r.users) for r in a.active_per_week],
        "languages": [(r.day, r.key, r.submissions) for r in a.by_language],
        "verdicts": [(r.day, r.key, r.submissions) for r in a.by_verdict],
        "waits": [(r.day, r.judged, r.p50_ms, r.p90_ms) for r in a.queue_wait],
        "judge": [(r.day, r.judged, r.cpu_seconds) for r in a.judge_use],
        "courses": [(r.students, r.active_students, r.submissions) for r in a.courses],
    }


async def test_sqlite_and_postgresql_agree(settings: Settings, tmp_path: Path) -> None:
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'dash.db'}"
    await upgrade_async(sqlite_url)
    on_pg = await _figures(settings)
    on_sqlite = await _figures(load_settings({"DATABASE_URL": sqlite_url, "ENVIRONMENT": "test"}))
    assert sum(n for _d, n, _s in on_pg["activity"]) == 600
    assert on_pg["tests"]
    for key, value in on_pg.items():
        if key == "waits":  # milliseconds from timestamps: allow float rounding
            assert [w[:2] for w in on_sqlite[key]] == [w[:2] for w in value]
            for ours, theirs in zip(on_sqlite[key], value, strict=True):
                assert abs(ours[2] - theirs[2]) < 1
                assert abs(ours[3] - theirs[3]) < 1
            continue
        assert on_sqlite[key] == value, key
