"""The demo course's rubric (``verdict seed --demo``): two items on the code question of the demo assignment, so a
grader has something to apply. Idempotent: a question that has rubric items already is left alone."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.db.seed_assessments import DEMO_ASSIGNMENT
from api.db.seed_course import DEMO_COURSE_CODE

__all__ = ["DEMO_RUBRIC", "seed_demo_rubric"]

DEMO_RUBRIC: Final = (
    ("Readable code with clear names", "Names say what they hold; no dead code.", 10.0),
    ("Hard-codes the sample answers", "Prints the expected outputs instead of computing them.", -50.0),
)


async def seed_demo_rubric(session: AsyncSession) -> list[str]:
    question = await session.scalar(
        select(m.AssessmentQuestion)
        .join(m.Assessment, m.Assessment.id == m.AssessmentQuestion.assessment_id)
        .join(m.Course, m.Course.id == m.Assessment.course_id)
        .where(
            m.Course.code == DEMO_COURSE_CODE,
            m.Assessment.title == DEMO_ASSIGNMENT,
            m.AssessmentQuestion.type == "code",
        )
        .order_by(m.AssessmentQuestion.position)
        .limit(1)
    )
    if question is None:
        return []
    if await session.scalar(select(m.RubricItem.id).where(m.RubricItem.question_id == question.id).limit(1)):
        return []
    for position, (title, description, points) in enumerate(DEMO_RUBRIC):
        session.add(
            m.RubricItem(
                question_id=question.id, title=title, description=description, points=points, position=position
            )
        )
    await session.flush()
    return [f"rubric item {title}" for title, _d, _p in DEMO_RUBRIC]
