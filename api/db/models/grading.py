from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["AnswerGrade", "GradeRelease", "LineComment", "RegradeRequest", "RubricApplication", "RubricItem"]


class RubricItem(UUIDAuditBase):
    """One rubric item of a question, reused across students: ``points`` are percent points of the question
    (positive or negative). ``version`` grows with every edit; an edit naming an older version is refused."""

    __tablename__ = "rubric_item"

    question_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(Float, default=0.0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)


class AnswerGrade(UUIDAuditBase):
    """The grader's marks on one student's answer to one question (the attempt and the question, so code questions,
        which have no saved answer row, are graded too): the overall comment and a manual override of the score
        (percent of the question, 0..100; None: the derived score stands). ``graded_at``: when a grader last marked it
    (None: it still needs a grader)."""

    __tablename__ = "answer_grade"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    attempt_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"), index=True)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    override_percent: Mapped[float | None] = mapped_column(Float, default=None)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    override_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    override_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    graded_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    graded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class RubricApplication(UUIDAuditBase):
    """A rubric item applied to one answer. Its points are read from the item each time, never copied."""

    __tablename__ = "rubric_application"
    __table_args__ = (UniqueConstraint("grade_id", "item_id"),)

    grade_id: Mapped[UUID] = mapped_column(ForeignKey("answer_grade.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("rubric_item.id", ondelete="CASCADE"), index=True)
    applied_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)


class LineComment(UUIDAuditBase):
    """A grader's comment anchored to one line (from 1) of a code answer's source (``created_at`` is its time)."""

    __tablename__ = "line_comment"

    grade_id: Mapped[UUID] = mapped_column(ForeignKey("answer_grade.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), default=None, index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)


class GradeRelease(UUIDAuditBase):
    """Grades of one assessment released to its students (still subject to the assessment's visibility rule)."""

    __tablename__ = "grade_release"

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), unique=True)
    released_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    released_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class RegradeRequest(UUIDAuditBase):
    """A student's request to look at a graded answer again, and how staff resolved it (scores in percent of
    the question)."""

    __tablename__ = "regrade_request"

    grade_id: Mapped[UUID] = mapped_column(ForeignKey("answer_grade.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    outcome: Mapped[str] = mapped_column(Text, default="")
    score_before: Mapped[float | None] = mapped_column(Float, default=None)
    score_after: Mapped[float | None] = mapped_column(Float, default=None)
    resolver_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
