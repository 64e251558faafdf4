from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import JsonB
from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models._enums import ProblemVisibility

__all__ = ["Problem"]


class Problem(UUIDAuditBase):
    """A programming problem: statement, limits, languages, checker and its current test set."""

    __tablename__ = "problem"

    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    statement_md: Mapped[str] = mapped_column(Text, default="")
    time_limit_ms: Mapped[int] = mapped_column(Integer, default=1000)
    memory_limit_mb: Mapped[int] = mapped_column(Integer, default=256)
    languages: Mapped[list[str]] = mapped_column(JsonB, default=list)
    checker: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    visibility: Mapped[ProblemVisibility] = mapped_column(
        Enum(ProblemVisibility, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=ProblemVisibility.DRAFT,
    )
    difficulty: Mapped[str] = mapped_column(String(20), default="easy")
    tags: Mapped[list[str]] = mapped_column(JsonB, default=list)
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    testset_digest: Mapped[str | None] = mapped_column(ForeignKey("test_set.digest"), default=None)
    authors: Mapped[list[str]] = mapped_column(JsonB, default=list, server_default="[]")  # as credited
    language_multipliers: Mapped[dict[str, float]] = mapped_column(JsonB, default=dict, server_default="{}")
    package_digest: Mapped[str | None] = mapped_column(ForeignKey("problem_package.digest"), default=None)
    # Set for a problem private to one course (visible to its members only); None for library problems.
    course_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), default=None, index=True
    )
