from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Notification", "NotificationKind", "NotificationPreference"]


class NotificationKind(enum.StrEnum):
    SUBMISSION_JUDGED = "submission_judged"
    GRADE_RELEASED = "grade_released"
    NEW_ASSESSMENT = "new_assessment"
    ANNOUNCEMENT = "announcement"
    DEADLINE_SOON = "deadline_soon"
    ANSWER_TO_MY_QUESTION = "answer_to_my_question"
    MENTION = "mention"
    REGRADE_RESOLVED = "regrade_resolved"


def _values(enum_type: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enum_type]


class Notification(UUIDAuditBase):
    """Something that happened for one person: what, a short text, where to look, and whether they have read it."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        UniqueConstraint("user_id", "dedupe_key"),
    )

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(NotificationKind, native_enum=False, length=40, values_callable=_values)
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    course_id: Mapped[UUID | None] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), default=None)
    read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # a key that makes a notification happen once (e.g. "deadline:<assessment>"): unique per person when set
    dedupe_key: Mapped[str | None] = mapped_column(String(200), default=None)


class NotificationPreference(UUIDAuditBase):
    """One person's choice for one kind: shown on the site (``web``) and included in the e-mail digest (``email``).
    No row means the defaults: shown, not mailed."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(NotificationKind, native_enum=False, length=40, values_callable=_values)
    )
    web: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
