from __future__ import annotations

import enum
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import Enum, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["CourseMembership", "CourseRole"]


class CourseRole(enum.StrEnum):
    """A person's role inside one course (independent of their platform role and of other courses)."""

    INSTRUCTOR = "instructor"
    TA = "ta"
    STUDENT = "student"


class CourseMembership(UUIDAuditBase):
    """One person in one course: their course role, and (for students) a group and a level."""

    __tablename__ = "course_membership"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[CourseRole] = mapped_column(
        Enum(CourseRole, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=CourseRole.STUDENT,
    )
    group_id: Mapped[UUID | None] = mapped_column(ForeignKey("course_group.id", ondelete="SET NULL"), default=None)
    level_id: Mapped[UUID | None] = mapped_column(ForeignKey("course_level.id", ondelete="SET NULL"), default=None)
