from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Assessment", "AssessmentQuestion"]


class Assessment(UUIDAuditBase):
    """A practice set, quiz, assignment or exam of one course: its settings, audience and window.

    ``kind``, ``late_penalty_mode`` and ``score_visibility`` hold the values of the wire Literals in
    api/domain/assessments/schemas.py. An empty audience (no group and no level ids) is the whole course."""

    __tablename__ = "assessment"

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="quiz")
    title: Mapped[str] = mapped_column(String(200))
    instructions_md: Mapped[str] = mapped_column(Text, default="")
    group_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    level_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    opens_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    due_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    closes_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    late_penalty_mode: Mapped[str] = mapped_column(String(20), default="none")
    late_penalty_percent: Mapped[float] = mapped_column(Float, default=0.0)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    score_visibility: Mapped[str] = mapped_column(String(20), default="on_publish")
    scores_published: Mapped[bool] = mapped_column(Boolean, default=False)


class AssessmentQuestion(UUIDAuditBase):
    """One question of an assessment, in order, with its weight; ``config`` depends on ``type`` (code:
    problem id, languages, attempt limit, penalties, best/last; multiple_choice: options and the correct ones;
    short_answer: accepted answers and the match mode)."""

    __tablename__ = "assessment_question"

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    type: Mapped[str] = mapped_column(String(20))
    prompt_md: Mapped[str] = mapped_column(Text, default="")
    config: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
