"""``verdict seed --demo`` makes the demo course, and running it again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed import PRACTICE_PROBLEMS, seed
from api.db.seed_course import DEMO_COURSE_CODE
from api.settings import Settings


async def test_demo_course_is_seeded_once(settings: Settings) -> None:
    first = await seed(settings, demo=True)
    assert f"course {DEMO_COURSE_CODE}" in first
    assert await seed(settings, demo=True) == []
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        course = await session.scalar(select(m.Course).where(m.Course.code == DEMO_COURSE_CODE))
        assert course is not None
        rows = await session.execute(
            select(m.User.email, m.CourseMembership.role)
            .join(m.User, m.User.id == m.CourseMembership.user_id)
            .where(m.CourseMembership.course_id == course.id)
        )
        roles = {email: role for email, role in rows.tuples()}  # noqa: C416 - a Result has keys()
        problems = await session.scalar(
            select(func.count()).select_from(m.CourseProblem).where(m.CourseProblem.course_id == course.id)
        )
    await engine.dispose()
    assert roles == {"instructor@example.com": m.CourseRole.INSTRUCTOR, "student@example.com": m.CourseRole.STUDENT}
    assert problems == len(PRACTICE_PROBLEMS)
