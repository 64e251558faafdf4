"""SQL pieces that differ between PostgreSQL and SQLite: a timestamp's day and a day's ISO week, the elements of a
JSON array column, and a date range a caller may ask for (bounded, so no query scans all of history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import TIMESTAMP, Boolean, ColumnElement, Date, Integer, String, cast, false, func, literal_column
from sqlalchemy import column as sql_column
from sqlalchemy.ext.asyncio import AsyncSession

from api.lib.exceptions import ApplicationClientError

__all__ = ["MAX_DAYS", "DateRange", "TestCases", "day_of", "day_text", "dialect_of", "pairs", "test_cases", "week_of"]

MAX_DAYS: Final = 366
# Constants in the SQL text, not parameters: the planner matches them to the statistics of migration 0017.
_UTC: Final[ColumnElement[str]] = literal_column("'UTC'")


def day_text(value: date | str) -> str:
    """A ``day_of`` or ``week_of`` value as ``YYYY-MM-DD``."""
    return value if isinstance(value, str) else value.isoformat()


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def day_of(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC day of a timestamp: a ``date`` on PostgreSQL (a cast: ``to_char`` per row cost a third of each
    dashboard query; migration 0015 gives the planner this expression's statistics), ``YYYY-MM-DD`` on SQLite.
    ``day_text`` makes either the text the dashboards show."""
    if dialect == "postgresql":
        return cast(func.timezone(_UTC, column), Date)
    return func.strftime("%Y-%m-%d", column)


def week_of(day: Any, dialect: str) -> ColumnElement[Any]:
    """The Monday that starts the week of a ``day_of`` value (as ``day_of``: a date, or text on SQLite)."""
    if dialect == "postgresql":
        return cast(func.date_trunc(literal_column("'week'"), cast(day, TIMESTAMP)), Date)
    # SQLite: step back to Monday ('weekday 0' is the next Sunday; six days before it is that week's Monday)
    return func.strftime("%Y-%m-%d", day, literal_column("'weekday 0'"), literal_column("'-6 days'"))


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
class TestCases:
    """The per-test results of a submission's ``results`` JSON array as a FROM item beside the submission (one row
    per test), with the fields the dashboards read. PostgreSQL reads them in one pass (``jsonb_to_recordset``);
    SQLite through ``json_each``."""

    source: Any
    index: ColumnElement[Any]
    verdict: ColumnElement[Any]
    stdout: ColumnElement[Any]
    message: ColumnElement[Any]
    skipped: ColumnElement[Any]  # true for a test the judge did not run


def test_cases(column: Any, dialect: str) -> TestCases:
    if dialect == "postgresql":
        record = (
            func.jsonb_to_recordset(column)
            .table_valued(
                sql_column("index", Integer),
                sql_column("verdict", String),
                sql_column("stdout", String),
                sql_column("message", String),
                sql_column("skipped", Boolean),
                joins_implicitly=True,
            )
            .render_derived(with_types=True)
            .alias("tc")
        )
        c = record.c
        return TestCases(record, c.index, c.verdict, c.stdout, c.message, func.coalesce(c.skipped, false()))
    each = func.json_each(column).table_valued("value", joins_implicitly=True).alias("tc")

    def field(key: str) -> ColumnElement[Any]:
        return func.json_extract(each.c.value, f"$.{key}")

    skipped = func.coalesce(field("skipped"), 0) == 1
    return TestCases(each, field("index"), field("verdict"), field("stdout"), field("message"), skipped)


def pairs(result: Any) -> dict[Any, Any]:
    """A two-column result as a dict (``dict(result)`` would take the result for a mapping: it has ``keys``)."""
    return {row[0]: row[1] for row in result}
