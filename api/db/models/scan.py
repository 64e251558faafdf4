from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["QuestionScan", "SubmissionScan"]


class QuestionScan(UUIDAuditBase):
    """The static checks of one code question: construct ``rules`` (see api/domain/scanning/schemas.py), whether
    the language's ``linter`` runs, and the share of the question's score the checks are worth (``points``, percent
    of the question; 0: shown only)."""

    __tablename__ = "question_scan"

    question_id: Mapped[UUID] = mapped_column(
        ForeignKey("assessment_question.id", ondelete="CASCADE"), unique=True, index=True
    )
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    linter: Mapped[bool] = mapped_column(Boolean, default=True)
    points: Mapped[float] = mapped_column(Float, default=0.0)


class SubmissionScan(UUIDAuditBase):
    """The scan of one submission, run in the sandbox on a judge worker. ``status``: queued, done or failed;
    ``rules``: each rule's result (``{"rule": index, "passed": bool}``); ``findings``: what the rules and the linter
    found; ``linter_ran``: whether the linter was run; ``fraction``: the share of the rules passed (0..1)."""

    __tablename__ = "submission_scan"

    submission_id: Mapped[UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), unique=True)
    question_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    linter_ran: Mapped[bool] = mapped_column(Boolean, default=False)
    fraction: Mapped[float | None] = mapped_column(Float, default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
