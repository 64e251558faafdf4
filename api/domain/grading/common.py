"""What every grading service shares: finding an answer of the course (the attempt and the question), its grade row,
its current score, and the audit record of a score change (who, when, from, to, why)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.rules import InvalidInputError
from api.domain.assessments.services import Clock, utcnow
from api.domain.assessments.taking import AttemptService
from api.domain.courses.access import CourseAccess
from api.domain.courses.audit import audit
from api.domain.grading.scores import percent

__all__ = ["Answer", "GradingBase", "check_percent"]


def check_percent(value: float, field: str = "percent") -> float:
    """An override must lie within the question's range, 0..100 percent (422 otherwise)."""
    if not 0 <= value <= 100:
        raise InvalidInputError(
            f"{field}: a score must be between 0 and 100 percent of the question (got {value:g})",
            errors=[{"key": field, "message": "outside 0..100"}],
        )
    return round(value, 2)


@dataclass(frozen=True)
class Answer:
    assessment: m.Assessment
    attempt: m.AssessmentAttempt
    question: m.AssessmentQuestion


class GradingBase:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock
        self.attempts = AttemptService(session, clock)

    async def assessment(self, access: CourseAccess, assessment_id: UUID) -> m.Assessment:
        return await self.attempts.visible(access, assessment_id)

    async def question(self, access: CourseAccess, question_id: UUID) -> tuple[m.Assessment, m.AssessmentQuestion]:
        question = await self.session.get(m.AssessmentQuestion, question_id)
        if question is None:
            raise NotFoundError("no such question in this course")
        assessment = await self.session.get(m.Assessment, question.assessment_id)
        if assessment is None or assessment.course_id != access.course.id:
            raise NotFoundError("no such question in this course")
        return assessment, question

    async def answer(self, access: CourseAccess, attempt_id: UUID, question_id: UUID) -> Answer:
        """The answer of one attempt to one question, if both belong to the caller's course (404 otherwise)."""
        attempt = await self.session.get(m.AssessmentAttempt, attempt_id)
        assessment, question = await self.question(access, question_id)
        if attempt is None or attempt.assessment_id != assessment.id:
            raise NotFoundError("no such answer in this course")
        return Answer(assessment, attempt, question)

    async def grade_of(self, answer: Answer, *, create: bool) -> m.AnswerGrade | None:
        statement = select(m.AnswerGrade).where(
            m.AnswerGrade.attempt_id == answer.attempt.id, m.AnswerGrade.question_id == answer.question.id
        )
        grade: m.AnswerGrade | None = await self.session.scalar(statement)
        if grade is not None or not create:
            return grade
        try:
            async with self.session.begin_nested():
                grade = m.AnswerGrade(attempt_id=answer.attempt.id, question_id=answer.question.id)
                self.session.add(grade)
        except IntegrityError:  # another grader created it at the same moment: use theirs
            grade = await self.session.scalar(statement)
            if grade is None:  # pragma: no cover - the unique constraint held a row that is gone again
                raise
        return grade

    async def percent_of(self, answer: Answer) -> float | None:
        """The answer's current score in percent of the question, with every mark (None: waiting for a grader)."""
        fractions = await self.attempts.question_fractions(answer.attempt, [answer.question])
        return percent(fractions[answer.question.id])

    async def base_percent_of(self, answer: Answer) -> float | None:
        fractions = await self.attempts.question_fractions(answer.attempt, [answer.question], marks=False)
        return percent(fractions[answer.question.id])

    def touched(self, access: CourseAccess, grade: m.AnswerGrade) -> None:
        grade.graded_at = self.clock()
        grade.graded_by_id = access.user.id

    def audit_score(
        self, access: CourseAccess, answer: Answer, action: str, *, old: float | None, new: float | None, why: str
    ) -> None:
        """One score change in the course's audit trail: who (the actor) and when (the entry's time) are the entry's
        own; from, to and why are its details."""
        audit(
            self.session,
            access.course.id,
            access.user,
            action,
            assessment_id=answer.assessment.id,
            attempt_id=answer.attempt.id,
            user_id=answer.attempt.user_id,
            question_id=answer.question.id,
            old=old,
            new=new,
            why=why,
        )
