from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["ChatMember", "ChatMessage", "ChatMute", "ChatReport", "ChatRoom", "ChatRoomKind"]


class ChatRoomKind(enum.StrEnum):
    COURSE = "course"  # every member of the course
    GROUP = "group"  # the students of one course group, and the course's staff
    DIRECT = "direct"  # two members of the course


class ChatRoom(UUIDAuditBase):
    __tablename__ = "chat_room"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChatRoomKind] = mapped_column(
        Enum(ChatRoomKind, native_enum=False, length=20, values_callable=lambda e: [k.value for k in e])
    )
    name: Mapped[str] = mapped_column(String(100))
    # what makes the room unique in its course: "course:<name>", "group:<group id>", "dm:<low id>:<high id>"
    key: Mapped[str] = mapped_column(String(100))
    group_id: Mapped[UUID | None] = mapped_column(ForeignKey("course_group.id", ondelete="CASCADE"), default=None)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    open_during_exams: Mapped[bool] = mapped_column(Boolean, default=False)


class ChatMember(UUIDAuditBase):
    """A person's place in a room: the two people of a direct room, and anyone's read mark."""

    __tablename__ = "chat_member"
    __table_args__ = (UniqueConstraint("room_id", "user_id"),)

    room_id: Mapped[UUID] = mapped_column(ForeignKey("chat_room.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    last_read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ChatMessage(UUIDAuditBase):
    __tablename__ = "chat_message"
    __table_args__ = (Index("ix_chat_message_room_created", "room_id", "created_at"),)

    room_id: Mapped[UUID] = mapped_column(ForeignKey("chat_room.id", ondelete="CASCADE"))
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    body_md: Mapped[str] = mapped_column(Text, default="")
    edited_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    deleted_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)


class ChatMute(UUIDAuditBase):
    """A person muted in a course's chat by its staff until ``until``."""

    __tablename__ = "chat_mute"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    reason: Mapped[str] = mapped_column(String(500), default="")


class ChatReport(UUIDAuditBase):
    """A member's report of a message, for the course's staff."""

    __tablename__ = "chat_report"
    __table_args__ = (UniqueConstraint("message_id", "reporter_id"),)

    message_id: Mapped[UUID] = mapped_column(ForeignKey("chat_message.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
