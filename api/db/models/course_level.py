from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["CourseLevel"]


class CourseLevel(UUIDAuditBase):
    """A level the course defines (beginner, intermediate, ...), ordered by ``position``; one per student."""

    __tablename__ = "course_level"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
