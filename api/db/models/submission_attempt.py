from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["SubmissionAttempt"]


class SubmissionAttempt(UUIDAuditBase):
    """An earlier judging of a submission, kept when it is rejudged (the submission row holds the latest)."""

    __tablename__ = "submission_attempt"
    __table_args__ = (UniqueConstraint("submission_id", "attempt"),)

    submission_id: Mapped[UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    testset_digest: Mapped[str | None] = mapped_column(ForeignKey("test_set.digest"), default=None)
    verdict: Mapped[str | None] = mapped_column(String(8), default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    cpu_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    memory_kib: Mapped[int | None] = mapped_column(Integer, default=None)
    compile_output: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    judged_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    rejudged_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
