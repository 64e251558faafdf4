"""Grading by hand: a grader (TA or instructor) scores an essay answer; every change is kept in the course's audit
trail with the old and the new score. Derived scores are never edited: the assessment score follows."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.rules import InvalidInputError
from api.domain.assessments.schemas import HAND_GRADED
from api.domain.courses.access import CourseAccess
from api.domain.courses.audit import audit

__all__ = ["grade_answer"]


async def grade_answer(
    session: AsyncSession,
    access: CourseAccess,
    assessment: m.Assessment,
    *,
    user_id: UUID,
    question_id: UUID,
    percent: float,
) -> m.AssessmentAnswer:
    question = await session.get(m.AssessmentQuestion, question_id)
    if question is None or question.assessment_id != assessment.id:
        raise NotFoundError("no such question in this assessment")
    if question.type not in HAND_GRADED:
        raise InvalidInputError(
            "questionId: only essay answers are graded by hand",
            errors=[{"key": "questionId", "message": "scored automatically"}],
        )
    answer = await session.scalar(
        select(m.AssessmentAnswer)
        .join(m.AssessmentAttempt, m.AssessmentAttempt.id == m.AssessmentAnswer.attempt_id)
        .where(
            m.AssessmentAttempt.assessment_id == assessment.id,
            m.AssessmentAttempt.user_id == user_id,
            m.AssessmentAnswer.question_id == question_id,
        )
    )
    if answer is None:
        raise NotFoundError("this student has not answered this question")
    old = answer.manual_score
    answer.manual_score = percent / 100
    audit(
        session,
        access.course.id,
        access.user,
        "answer_graded",
        assessment_id=assessment.id,
        user_id=user_id,
        question_id=question_id,
        old=None if old is None else round(old * 100, 2),
        new=round(percent, 2),
    )
    await session.flush()
    return answer
