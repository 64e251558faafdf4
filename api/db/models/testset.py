from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.base import CommonTableAttributes, orm_registry
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.lib.timeutil import utcnow

__all__ = ["TestSet"]


class _Base(CommonTableAttributes, DeclarativeBase):
    registry = orm_registry


class TestSet(_Base):
    """An immutable, content-addressed set of test cases.

    The primary key is the SHA-256 of ``data`` (the packed test set the judge downloads), so an upload
    never changes what an in-flight submission is judged against, and the same upload twice is a no-op.
    """

    __tablename__ = "test_set"
    __test__ = False  # not a pytest test class

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size_bytes: Mapped[int] = mapped_column(Integer)
    test_count: Mapped[int] = mapped_column(Integer)
    manifest: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
