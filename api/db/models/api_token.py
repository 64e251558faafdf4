from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["ApiScope", "ApiToken"]


class ApiScope(enum.StrEnum):
    """What a personal access token may be used for (checked by ``requires_scope``)."""

    READ = "read"
    PROBLEMS_WRITE = "problems:write"
    SUBMISSIONS_WRITE = "submissions:write"
    JUDGE0 = "judge0"


class ApiToken(UUIDAuditBase):
    """A personal access token (for CI pipelines and Judge0-style clients). Shown once; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JsonB, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
