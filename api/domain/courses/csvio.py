"""Roster CSV in and out, as pure functions: decoding (UTF-8 with or without BOM, else Latin-1), delimiter sniffing
(``,`` ``;`` or tab), row parsing with per-row problems, and formula-injection-safe export cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from email_validator import EmailNotValidError, validate_email

__all__ = [
    "MAX_ROSTER_BYTES",
    "MAX_ROSTER_ROWS",
    "ParsedRoster",
    "RosterFormatError",
    "RosterLine",
    "decode_csv",
    "parse_roster",
    "safe_cell",
    "sniff_delimiter",
    "write_csv",
]

MAX_ROSTER_BYTES: Final = 8 * 1024 * 1024
MAX_ROSTER_ROWS: Final = 20_000
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_COLUMNS: Final = {
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "name": "name",
    "full name": "name",
    "display name": "name",
    "student": "name",
    "group": "group",
    "section": "group",
    "level": "level",
}


class RosterFormatError(ValueError):
    """The file as a whole cannot be read as a roster (the message says why)."""


@dataclass
class RosterLine:
    line: int  # 1-based line of the file (the header is line 1)
    email: str
    name: str
    group: str | None
    level: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ParsedRoster:
    encoding: str
    delimiter: str
    lines: list[RosterLine]


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (a BOM is dropped), else Windows-1252/Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "latin-1"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _header(cells: Sequence[str]) -> dict[str, int] | None:
    """Column positions when ``cells`` is a header row; None when it is data (no header)."""
    names = [" ".join(c.strip().lower().replace("_", " ").split()) for c in cells]
    mapped = {_COLUMNS[n]: i for i, n in reversed(list(enumerate(names))) if n in _COLUMNS}
    if "email" in mapped:
        return mapped
    if any("@" in c for c in cells):
        return None
    raise RosterFormatError("the first row must name the columns: email, name, and optionally group and level")


def parse_roster(data: bytes) -> ParsedRoster:
    """Every data row with its problems (bad e-mail, duplicate, too long ...); raises for an unreadable file."""
    if len(data) > MAX_ROSTER_BYTES:
        raise RosterFormatError(f"the file is larger than {MAX_ROSTER_BYTES // (1024 * 1024)} MB")
    text, encoding = decode_csv(data)
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise RosterFormatError("this is not a CSV text file (it holds NUL bytes): export the sheet as CSV")
    if not text.strip():
        raise RosterFormatError("the file is empty")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        first = next(reader)
    except csv.Error as exc:
        raise RosterFormatError(f"line 1 is not valid CSV: {exc}") from None
    columns = _header(first)
    rows: Iterable[list[str]] = reader if columns is not None else _chain(first, reader)
    columns = columns or {"email": 0, "name": 1, "group": 2, "level": 3}
    lines: list[RosterLine] = []
    seen: dict[str, int] = {}
    try:
        for cells in rows:
            line_no = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(lines) >= MAX_ROSTER_ROWS:
                raise RosterFormatError(f"the file has more than {MAX_ROSTER_ROWS} rows: split it")
            lines.append(_line(cells, columns, line_no, seen))
    except csv.Error as exc:
        raise RosterFormatError(f"line {reader.line_num} is not valid CSV: {exc}") from None
    if not lines:
        raise RosterFormatError("the file has a header but no people")
    return ParsedRoster(encoding=encoding, delimiter=delimiter, lines=lines)


def _chain(first: list[str], rest: Iterable[list[str]]) -> Iterable[list[str]]:
    yield first
    yield from rest


def _cell(cells: Sequence[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(cells):
        return ""
    return " ".join(cells[index].split())


def _line(cells: Sequence[str], columns: dict[str, int], line_no: int, seen: dict[str, int]) -> RosterLine:
    raw_email = _cell(cells, columns, "email")
    name = _cell(cells, columns, "name")
    group = _cell(cells, columns, "group") or None
    level = _cell(cells, columns, "level") or None
    problems: list[str] = []
    email = raw_email.lower()
    if not raw_email:
        problems.append("no e-mail address")
    else:
        try:
            email = validate_email(raw_email, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            problems.append(f"not a valid e-mail address ({exc})")
    if email and email in seen and not problems:
        problems.append(f"the same address as line {seen[email]}")
    elif email and not problems:
        seen[email] = line_no
    if len(name) > 100:
        problems.append("the name is longer than 100 characters")
    if any(ord(ch) < 32 for ch in name):
        problems.append("the name holds control characters")
    if group is not None and len(group) > 100:
        problems.append("the group name is longer than 100 characters")
    if level is not None and len(level) > 60:
        problems.append("the level name is longer than 60 characters")
    return RosterLine(line=line_no, email=email, name=name, group=group, level=level, problems=problems)


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()
