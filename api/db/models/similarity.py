from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["SimilarityPair", "SimilarityReport"]


class SimilarityReport(UUIDAuditBase):
    """One similarity run over the counted submissions to a code question. ``status``: queued, running, done or
    failed; ``done`` of ``total`` steps (each submission fingerprinted, then scored); ``boilerplate``: starter code
    pasted by staff, whose fingerprints are ignored; ``pairs``: how many pairs shared a fingerprint at all (the
    most similar are kept as rows of SimilarityPair)."""

    __tablename__ = "similarity_report"

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[UUID] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    submissions: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    boilerplate: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class SimilarityPair(UUIDAuditBase):
    """Two students' submissions compared: how much of each is found in the other (0..1), and the matched regions
    of each as ``[start, end]`` character offsets into its compared text. ``rank`` 1 is the most similar."""

    __tablename__ = "similarity_pair"

    report_id: Mapped[UUID] = mapped_column(ForeignKey("similarity_report.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    submission_a: Mapped[UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    submission_b: Mapped[UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    similarity_a: Mapped[float] = mapped_column(Float)
    similarity_b: Mapped[float] = mapped_column(Float)
    overlap: Mapped[int] = mapped_column(Integer)
    slices_a: Mapped[list[list[int]]] = mapped_column(JsonB, default=list)
    slices_b: Mapped[list[list[int]]] = mapped_column(JsonB, default=list)
