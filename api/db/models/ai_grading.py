from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["AiAssessmentSetting", "AiCourseSetting", "AiGradingRun", "AiProposal", "AiUsage"]


class AiCourseSetting(UUIDAuditBase):
    """A course's AI settings, set by admins: another OpenAI-compatible endpoint, key or model than the platform's
    (empty: the platform's ``OPENAI_*``), whether AI is on at all, the course's token budget (all AI use together;
    None: no limit), requests per minute and the price per million tokens used for the cost shown."""

    __tablename__ = "ai_course_setting"

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    base_url: Mapped[str] = mapped_column(String(500), default="")
    api_key: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    token_budget: Mapped[int | None] = mapped_column(Integer, default=None)
    requests_per_minute: Mapped[int] = mapped_column(Integer, default=30)
    price_input_per_mtok: Mapped[float | None] = mapped_column(Float, default=None)
    price_output_per_mtok: Mapped[float | None] = mapped_column(Float, default=None)


class AiAssessmentSetting(UUIDAuditBase):
    """Student hints of one assessment (never in exams): on or off, how many per student per hour, and the tokens
    all hints of the assessment may use together."""

    __tablename__ = "ai_assessment_setting"

    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), unique=True)
    hints_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    hints_per_hour: Mapped[int] = mapped_column(Integer, default=5)
    hint_token_budget: Mapped[int] = mapped_column(Integer, default=50_000)


class AiGradingRun(UUIDAuditBase):
    """One AI grading job over a question or a whole assessment. ``purpose``: ``grade`` (proposals for staff) or
    ``calibrate`` (over hand-graded answers, to measure agreement). ``status``: queued, running, done, cancelled or
    failed; ``done`` of ``total`` answers; ``cancel_requested``: staff asked it to stop after the current answer."""

    __tablename__ = "ai_grading_run"

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("assessment_question.id", ondelete="CASCADE"), default=None, index=True
    )
    requested_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    purpose: Mapped[str] = mapped_column(String(16), default="grade")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    proposed: Mapped[int] = mapped_column(Integer, default=0)
    withheld: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    model: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class AiProposal(UUIDAuditBase):
    """What the model proposed for one answer (the attempt and the question): rubric items with a rationale citing
    lines, points, feedback for the student. ``status``: proposed (waiting for staff), accepted, rejected, withheld
    (it quoted hidden test data or the reference solution: never shown, flagged to staff), failed (the endpoint or
    its output failed: left for a human), calibration (graded for the agreement measure only). Nothing of it reaches
    a student until staff accept it; accepting applies ``final_item_ids`` and ``final_feedback`` as the grader's."""

    __tablename__ = "ai_proposal"

    run_id: Mapped[UUID] = mapped_column(ForeignKey("ai_grading_run.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    item_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    rationale: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    feedback: Mapped[str] = mapped_column(Text, default="")
    percent: Mapped[float | None] = mapped_column(Float, default=None)
    model: Mapped[str] = mapped_column(String(200), default="")
    prompt_version: Mapped[str] = mapped_column(String(32), default="")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    flagged: Mapped[str] = mapped_column(Text, default="")
    final_item_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    final_feedback: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class AiUsage(UUIDAuditBase):
    """One call to the model (``created_at`` is its time): the course, whose it was (a student's hint), what for
    (``grade``, ``calibrate``, ``hint``), the model, tokens and cost. Budgets and rate limits count these rows."""

    __tablename__ = "ai_usage"

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL"), default=None, index=True
    )
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200), default="")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
