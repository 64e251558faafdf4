"""Roster CSV parsing: encodings, delimiters, headers, per-row problems, limits; and formula-safe export cells."""

from __future__ import annotations

import csv
import io

import pytest

from api.domain.courses.csvio import (
    MAX_ROSTER_ROWS,
    RosterFormatError,
    decode_csv,
    parse_roster,
    safe_cell,
    sniff_delimiter,
    write_csv,
)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (b"\xef\xbb\xbfemail\n", "email\n", "utf-8-sig"),
        ("Zoé\n".encode(), "Zoé\n", "utf-8"),
        ("Zoé\n".encode("latin-1"), "Zoé\n", "latin-1"),
        ("Zo\u00eb \u2013 x\n".encode("cp1252"), "Zo\u00eb \u2013 x\n", "latin-1"),  # Windows-1252: en dash
        (b"\x81\n", "\x81\n", "latin-1"),  # a byte cp1252 leaves undefined
    ],
)
def test_decoding(data: bytes, text: str, encoding: str) -> None:
    assert decode_csv(data) == (text, encoding)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("email,name\na@x.org,Ann\n", ","),
        ("email;name;group\na@x.org;Ann, B.;G\n", ";"),
        ("email\tname\na@x.org\tAnn\n", "\t"),
        ("email\n", ","),  # one column: nothing to sniff
    ],
)
def test_delimiter_sniffing(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_rows_with_their_problems() -> None:
    parsed = parse_roster(
        b"E-mail;Full Name;Section;Level\n"
        b"  Ann@Example.ORG ; Ann   Lee ;Lab 1;Beginner\n"
        b"\n"
        b"no-at-sign;Bob;;\n"
        b"ann@example.org;Ann again;;\n"
        b";Nobody;;\n"
    )
    assert parsed.delimiter == ";"
    by_line = {ln.line: ln for ln in parsed.lines}
    assert sorted(by_line) == [2, 4, 5, 6]  # the blank line is skipped, line numbers are the file's
    ann = by_line[2]
    assert (ann.email, ann.name, ann.group, ann.level, ann.ok) == (
        "ann@example.org",
        "Ann Lee",
        "Lab 1",
        "Beginner",
        True,
    )
    assert "not a valid e-mail address" in by_line[4].problems[0]
    assert by_line[5].problems == ["the same address as line 2"]
    assert by_line[6].problems == ["no e-mail address"]


def test_columns_in_any_order_and_optional_ones_missing() -> None:
    parsed = parse_roster(b"name,email\nAnn,ann@example.org\n")
    assert (parsed.lines[0].email, parsed.lines[0].name, parsed.lines[0].group) == ("ann@example.org", "Ann", None)


def test_a_file_without_a_header_row_is_read_in_the_documented_order() -> None:
    parsed = parse_roster(b"ann@example.org,Ann,Lab 1,Advanced\n")
    assert (parsed.lines[0].line, parsed.lines[0].group, parsed.lines[0].level) == (1, "Lab 1", "Advanced")


def test_quoted_cells_keep_their_delimiters_and_newlines() -> None:
    parsed = parse_roster(b'email,name\nann@example.org,"Lee, Ann\nJr."\n')
    assert parsed.lines[0].name == "Lee, Ann Jr."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name,group\nAnn,A\n", "must name the columns"),
        (b"email,name\n", "no people"),
        (b"PK\x03\x04\x00\x00", "NUL bytes"),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(RosterFormatError, match=message):
        parse_roster(data)


def test_too_long_fields_and_too_many_rows() -> None:
    parsed = parse_roster(b"email,name,group\na@x.org," + b"n" * 101 + b",g\n")
    assert parsed.lines[0].problems == ["the name is longer than 100 characters"]
    rows = "email\n" + "".join(f"p{i}@x.org\n" for i in range(MAX_ROSTER_ROWS + 1))
    with pytest.raises(RosterFormatError, match="more than"):
        parse_roster(rows.encode())


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_formula_cells_are_neutralised(value: str | None, safe: str) -> None:
    assert safe_cell(value) == safe


def test_written_csv_reads_back_with_every_cell_safe() -> None:
    text = write_csv(["email", "name"], [["a@x.org", '=HYPERLINK("http://x")'], ["b@x.org", "Bob"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["email", "name"], ["a@x.org", '\'=HYPERLINK("http://x")'], ["b@x.org", "Bob"]]
