from __future__ import annotations

import enum
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Feedback", "FeedbackCategory", "FeedbackStatus"]


class FeedbackStatus(enum.StrEnum):
    NEW = "new"
    SEEN = "seen"
    DONE = "done"


class FeedbackCategory(enum.StrEnum):
    BUG = "bug"
    IDEA = "idea"
    QUESTION = "question"
    OTHER = "other"


def _values(enum_type: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enum_type]


class Feedback(UUIDAuditBase):
    """A message someone sent with the feedback button: plain text, the page it came from, triaged by admins."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_status_created", "status", "created_at"),)

    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    message: Mapped[str] = mapped_column(Text)
    page_url: Mapped[str] = mapped_column(String(2000), default="")
    category: Mapped[FeedbackCategory | None] = mapped_column(
        Enum(FeedbackCategory, native_enum=False, length=20, values_callable=_values), default=None
    )
    contact: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[FeedbackStatus] = mapped_column(
        Enum(FeedbackStatus, native_enum=False, length=20, values_callable=_values), default=FeedbackStatus.NEW
    )
