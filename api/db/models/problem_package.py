from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import CommonTableAttributes, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.lib.timeutil import utcnow

__all__ = ["ProblemPackage"]


class _Base(CommonTableAttributes, DeclarativeBase):
    registry = orm_registry


class ProblemPackage(_Base):
    """The files of an uploaded ICPC problem package that are not tests (problem.yaml, validators, reference
    solutions, attachments), kept so the problem can be exported back to the same format.

    Content-addressed like :class:`TestSet`: the primary key is the package digest (over every file of the package,
    tests included), so the same package uploaded twice is recognised, and a row never changes.
    """

    __tablename__ = "problem_package"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    files: Mapped[bytes] = mapped_column(LargeBinary)  # msgpack: {path: bytes}
    statement_path: Mapped[str] = mapped_column(String(255), default="")
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
