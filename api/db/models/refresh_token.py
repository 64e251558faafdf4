from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["RefreshToken"]


class RefreshToken(UUIDAuditBase):
    """One link of a sign-in session's chain of rotating refresh tokens.

    Every sign-in starts a *family* (``family_id``, also the ``sid`` claim of its access tokens). Each refresh marks
    the presented token ``used_at`` and adds the next one; presenting a used token again means it was stolen or
    replayed, and the whole family is revoked. Only the SHA-256 of the token is stored.
    """

    __tablename__ = "refresh_token"
    __table_args__ = (Index("ix_refresh_token_user_family", "user_id", "family_id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    family_id: Mapped[UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
