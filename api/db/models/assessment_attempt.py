from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Float, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["AssessmentAccommodation", "AssessmentAnswer", "AssessmentAttempt", "AssessmentSubmission"]


class AssessmentAttempt(UUIDAuditBase):
    """One student's sitting of an assessment. ``deadline`` is fixed by the server when the student starts
    (the earlier of the close and the start plus the time limit); None means no deadline."""

    __tablename__ = "assessment_attempt"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id"),)

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    deadline: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class AssessmentAnswer(UUIDAuditBase):
    """The saved answer to one question of an attempt (choices or text), its automatic score (0..1) and, for
    questions graded by hand, the grader's score (0..1; None: waiting for a grader)."""

    __tablename__ = "assessment_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    attempt_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"), index=True)
    choices: Mapped[list[int]] = mapped_column(JsonB, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    auto_score: Mapped[float | None] = mapped_column(Float, default=None)
    manual_score: Mapped[float | None] = mapped_column(Float, default=None)  # essays: set by a grader (0..1)
    saved_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class AssessmentSubmission(UUIDAuditBase):
    """A code submission made for a question of an attempt (through the ordinary judge pipeline)."""

    __tablename__ = "assessment_submission"

    attempt_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), unique=True)


class AssessmentAccommodation(UUIDAuditBase):
    """One student's accommodation in one assessment: extra time (minutes and/or percent of the time limit) and
    another window (their own opening and closing times)."""

    __tablename__ = "assessment_accommodation"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id"),)

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    extra_percent: Mapped[float] = mapped_column(Float, default=0.0)
    opens_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    closes_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
