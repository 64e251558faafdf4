from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["CourseProblem"]


class CourseProblem(UUIDAuditBase):
    """A problem in a course's problem set: a library problem attached, or one private to the course."""

    __tablename__ = "course_problem"
    __table_args__ = (UniqueConstraint("course_id", "problem_id"),)

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[UUID] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
