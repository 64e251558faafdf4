from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["CourseGroup"]


class CourseGroup(UUIDAuditBase):
    """A section or lab group inside a course."""

    __tablename__ = "course_group"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
