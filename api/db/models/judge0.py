from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Judge0Submission"]


class Judge0Submission(UUIDAuditBase):
    """A submission made through the Judge0-compatible API: its token, owner and Judge0 attributes.

    The judging itself is an ordinary fleet ``Submission`` (kind ``judge0``) that holds the verdict and per-run
    results; this row keeps what Judge0 clients send and read back. Both are deleted after the retention period.
    """

    __tablename__ = "judge0_submission"
    __table_args__ = (
        Index("ix_judge0_submission_owner_created", "owner_id", "created_at"),
        Index("ix_judge0_submission_created_at", "created_at"),
    )

    token: Mapped[UUID] = mapped_column(GUID(length=16), unique=True)
    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    submission_id: Mapped[UUID] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), unique=True)
    language_id: Mapped[int] = mapped_column(Integer)
    source_code: Mapped[bytes] = mapped_column(LargeBinary)
    stdin: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    expected_output: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    number_of_runs: Mapped[int] = mapped_column(Integer)
    cpu_time_limit: Mapped[float] = mapped_column(Float)
    cpu_extra_time: Mapped[float] = mapped_column(Float)
    wall_time_limit: Mapped[float] = mapped_column(Float)
    memory_limit: Mapped[int] = mapped_column(Integer)
    stack_limit: Mapped[int] = mapped_column(Integer)
    max_processes_and_or_threads: Mapped[int] = mapped_column(Integer)
    enable_per_process_and_thread_time_limit: Mapped[bool] = mapped_column(Boolean)
    enable_per_process_and_thread_memory_limit: Mapped[bool] = mapped_column(Boolean)
    max_file_size: Mapped[int] = mapped_column(Integer)
    redirect_stderr_to_stdout: Mapped[bool] = mapped_column(Boolean)
    enable_network: Mapped[bool] = mapped_column(Boolean)
    callback_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    callback_done_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
