from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import JsonB
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["CourseAuditEntry"]


class CourseAuditEntry(UUIDAuditBase):
    """Who changed what in a course, and when (``created_at``): memberships, roles, codes, imports."""

    __tablename__ = "course_audit_entry"
    __table_args__ = (Index("ix_course_audit_entry_course_created", "course_id", "created_at"),)

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    actor_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
