from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Enum, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models._enums import SubmissionKind, SubmissionStatus

__all__ = ["Submission"]

_COVER = ["kind", "status", "user_id", "problem_id", "language", "verdict", "judged_at", "cpu_ms"]
_LATEST = ["id", "kind", "status"]  # each student's latest submission per problem, in index order


def _str_enum(enum_type: type[SubmissionKind] | type[SubmissionStatus]) -> Enum:
    return Enum(enum_type, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Submission(UUIDAuditBase):
    """One program handed to the judge, and what the judge said about it (latest attempt)."""

    __tablename__ = "submission"
    __table_args__ = (
        Index("ix_submission_status_updated", "status", "updated_at"),
        Index("ix_submission_user_created", "user_id", "created_at"),  # dashboards: last activity per person
        # dashboards and analytics read these without the table (index-only scans on PostgreSQL; 0015)
        Index("ix_submission_created_cover", "created_at", postgresql_include=_COVER),
        Index("ix_submission_user_problem_created", "user_id", "problem_id", "created_at", postgresql_include=_LATEST),
        Index("ix_submission_judged_cover", "judged_at", postgresql_include=["cpu_ms"]),
    )

    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    problem_id: Mapped[UUID | None] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SubmissionKind] = mapped_column(_str_enum(SubmissionKind), default=SubmissionKind.SUBMISSION)
    language: Mapped[str] = mapped_column(String(32))
    files: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    testset_digest: Mapped[str | None] = mapped_column(ForeignKey("test_set.digest"), default=None)
    status: Mapped[SubmissionStatus] = mapped_column(_str_enum(SubmissionStatus), default=SubmissionStatus.QUEUED)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    verdict: Mapped[str | None] = mapped_column(String(8), default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    cpu_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    memory_kib: Mapped[int | None] = mapped_column(Integer, default=None)
    compile_output: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    judged_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    stdin: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # a Run's custom input
