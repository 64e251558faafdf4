"""``verdict seed --demo`` gives the demo course a published quiz and assignment, once."""

from __future__ import annotations

from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed import seed
from api.db.seed_assessments import DEMO_ASSIGNMENT, DEMO_QUIZ
from api.db.seed_course import DEMO_COURSE_CODE
from api.settings import Settings


async def test_the_demo_course_gets_a_quiz_and_an_assignment_once(settings: Settings) -> None:
    first = await seed(settings, demo=True)
    assert f"assessment {DEMO_QUIZ}" in first
    assert f"assessment {DEMO_ASSIGNMENT}" in first
    assert await seed(settings, demo=True) == []
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            course = await session.scalar(select(m.Course).where(m.Course.code == DEMO_COURSE_CODE))
            assert course is not None
            rows = await session.execute(
                select(m.Assessment.title, m.Assessment.kind, m.Assessment.published, m.AssessmentQuestion.type)
                .join(m.AssessmentQuestion, m.AssessmentQuestion.assessment_id == m.Assessment.id)
                .where(m.Assessment.course_id == course.id)
                .order_by(m.Assessment.title, m.AssessmentQuestion.position)
            )
            found = list(rows.tuples())
    finally:
        await engine.dispose()
    assert found == [
        (DEMO_ASSIGNMENT, "assignment", True, "code"),
        (DEMO_QUIZ, "quiz", True, "multiple_choice"),
        (DEMO_QUIZ, "quiz", True, "short_answer"),
    ]
