"""``make dev``'s second demo course: two months of generated history, taught by the demo instructor, with the demo
student in it, seeded once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed import seed
from api.domain.dashboards.course import course_dashboard
from api.domain.dashboards.generator import DEMO_HISTORY_CODE, seed_demo_history
from api.domain.dashboards.sqlparts import DateRange
from api.domain.dashboards.student import student_dashboard
from api.settings import Settings


async def test_the_demo_history_is_seeded_once_and_fills_the_dashboards(settings: Settings) -> None:
    await seed(settings, demo=True)
    first = await seed_demo_history(settings)
    assert first == [f"course {DEMO_HISTORY_CODE} (60 students, 3000 submissions of history)"]
    assert await seed_demo_history(settings) == []
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as s:
            course = await s.scalar(select(m.Course).where(m.Course.code == DEMO_HISTORY_CODE))
            student = await s.scalar(select(m.User).where(m.User.email == "student@example.com"))
            assert course is not None
            assert student is not None
            now = datetime.now(UTC)
            data = await course_dashboard(s, course, now=now, span=DateRange.ending(now.date(), 90), inactive_days=7)
            assert sum(d.submissions for d in data.activity) == 3000
            assert data.tests
            assert data.at_risk  # the demo student, at least, missed the past quizzes
            mine = await student_dashboard(s, student, now)
            assert [d.title for d in mine.due if d.course_code == DEMO_HISTORY_CODE] == ["Quiz 4"]
    finally:
        await engine.dispose()
