from __future__ import annotations

import enum
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models._enums import Role

__all__ = ["Level", "User"]


class Level(enum.StrEnum):
    """How much programming a person says they know; the UI suggests problems from it."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


def _str_enum(enum_type: type[Role] | type[Level]) -> Enum:
    return Enum(enum_type, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class User(UUIDAuditBase):
    """A person who signs in: a student, an instructor or an admin.

    ``email`` is stored normalised (lower case); accounts are created verified (self-registration creates the row
    only once the address is confirmed), so there is no "unverified user" state.
    """

    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    role: Mapped[Role] = mapped_column(_str_enum(Role), default=Role.STUDENT)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    avatar_initials: Mapped[str] = mapped_column(String(3), default="", server_default="")
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    level: Mapped[Level] = mapped_column(_str_enum(Level), default=Level.BEGINNER, server_default=Level.BEGINNER.value)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
