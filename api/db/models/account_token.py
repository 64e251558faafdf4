from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["AccountToken", "AccountTokenPurpose"]


class AccountTokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"  # finishes a self-registration: the account is created when it is used
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a secret


class AccountToken(UUIDAuditBase):
    """A single-use, expiring secret sent by mail (password reset, e-mail confirmation). Only its SHA-256 is kept.

    ``payload`` carries what a confirmation applies (the pending registration's name, role and password hash), so
    no account row exists before its owner has proved they read the mailbox.
    """

    __tablename__ = "account_token"

    purpose: Mapped[AccountTokenPurpose] = mapped_column(
        Enum(AccountTokenPurpose, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    user_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), default=None, index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
