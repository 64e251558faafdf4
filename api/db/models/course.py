from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Course"]


class Course(UUIDAuditBase):
    """A class taught in a term: its people (memberships), groups, levels and problems.

    ``join_code`` lets a student enrol by typing it (rotatable, optional expiry); ``invite_token`` is the secret in
    the invite link. Both are None when switched off.
    """

    __tablename__ = "course"

    title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    term: Mapped[str] = mapped_column(String(60), default="", server_default="")
    description_md: Mapped[str] = mapped_column(Text, default="", server_default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    join_code: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    join_code_expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    invite_token: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
