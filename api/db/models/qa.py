from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["QaAnswer", "QaQuestion", "QaVote"]


class QaQuestion(UUIDAuditBase):
    """A question in a course's Q&A, optionally about an assessment, a problem, or one visible test of a
    submission. ``anonymous``: peers do not see who asked (staff do); ``private``: only staff and the asker see it."""

    __tablename__ = "qa_question"

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")
    assessment_id: Mapped[UUID | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"), default=None)
    problem_id: Mapped[UUID | None] = mapped_column(ForeignKey("problem.id", ondelete="SET NULL"), default=None)
    submission_id: Mapped[UUID | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"), default=None)
    test_name: Mapped[str | None] = mapped_column(String(200), default=None)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_answer_id: Mapped[UUID | None] = mapped_column(default=None)
    votes: Mapped[int] = mapped_column(Integer, default=0)


class QaAnswer(UUIDAuditBase):
    __tablename__ = "qa_answer"

    question_id: Mapped[UUID] = mapped_column(ForeignKey("qa_question.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    body_md: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    endorsed: Mapped[bool] = mapped_column(Boolean, default=False)
    votes: Mapped[int] = mapped_column(Integer, default=0)


class QaVote(UUIDAuditBase):
    """One person's up-vote on a question or an answer (``target_id``), at most one each."""

    __tablename__ = "qa_vote"
    __table_args__ = (UniqueConstraint("user_id", "target_id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[UUID] = mapped_column()
