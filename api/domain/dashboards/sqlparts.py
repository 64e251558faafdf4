"""SQL pieces that differ between PostgreSQL and SQLite: a timestamp's day and ISO week as text, the elements of a
JSON array column, and a date range a caller may ask for (bounded, so no query scans all of history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, Integer, cast, func, literal_column
from sqlalchemy.ext.asyncio import AsyncSession

from api.lib.exceptions import ApplicationClientError

__all__ = ["MAX_DAYS", "DateRange", "JsonElements", "day_of", "dialect_of", "json_elements", "pairs", "week_of"]

MAX_DAYS: Final = 366


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def day_of(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC day of a timestamp as ``YYYY-MM-DD``."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def week_of(column: Any, dialect: str) -> ColumnElement[Any]:
    """The Monday that starts the (UTC) week of a timestamp, as ``YYYY-MM-DD``."""
    if dialect == "postgresql":
        return func.to_char(func.date_trunc("week", func.timezone("UTC", column)), "YYYY-MM-DD")
    # SQLite: step back to Monday ('weekday 0' is the next Sunday; six days before it is that week's Monday)
    return func.strftime("%Y-%m-%d", column, literal_column("'weekday 0'"), literal_column("'-6 days'"))


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days from ``first`` to ``last`` (both included)."""

    first: date
    last: date

    @classmethod
    def ending(cls, today: date, days: int) -> DateRange:
        if not 1 <= days <= MAX_DAYS:
            raise ApplicationClientError(f"days: give 1 to {MAX_DAYS}")
        return cls(today - timedelta(days=days - 1), today)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)

    def days(self) -> list[str]:
        count = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=i)).isoformat() for i in range(count)]


@dataclass(frozen=True)
class JsonElements:
    """The elements of a JSON array column as a FROM item (each row of the table beside it, one row per element),
    and a way to read a text field of the element."""

    source: Any
    dialect: str

    def text(self, key: str) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return func.jsonb_extract_path_text(self.source.c.value, key)
        return func.json_extract(self.source.c.value, f"$.{key}")

    def number(self, key: str) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return cast(func.jsonb_extract_path_text(self.source.c.value, key), Integer)
        return func.json_extract(self.source.c.value, f"$.{key}")

    def flag(self, key: str) -> ColumnElement[Any]:
        """True when the element's boolean field is true (missing: false)."""
        if self.dialect == "postgresql":
            return func.coalesce(func.jsonb_extract_path_text(self.source.c.value, key), "false") == "true"
        return func.coalesce(func.json_extract(self.source.c.value, f"$.{key}"), 0) == 1


def json_elements(column: Any, dialect: str, name: str = "elem") -> JsonElements:
    fn = func.jsonb_array_elements if dialect == "postgresql" else func.json_each
    return JsonElements(fn(column).table_valued("value", joins_implicitly=True).alias(name), dialect)


def pairs(result: Any) -> dict[Any, Any]:
    """A two-column result as a dict (``dict(result)`` would take the result for a mapping: it has ``keys``)."""
    return {row[0]: row[1] for row in result}
