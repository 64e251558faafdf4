"""A wrong answer's first difference, as a beginner reads it: line, column, expected versus received."""

from __future__ import annotations

from api.pages.difference import Difference, first_difference


def test_the_first_differing_line_and_column_are_named() -> None:
    d = first_difference("3\n7\n-2\n", "3\n7\n2\n")
    assert d == Difference(line=3, column=1, expected="-2", received="2", caret=0)
    assert d.summary == "Line 3, column 1 is the first difference."
    assert first_difference("hello world\n", "hello wrld\n") == Difference(
        line=1, column=8, expected="hello world", received="hello wrld", caret=7
    )


def test_trailing_spaces_and_blank_lines_at_the_end_do_not_count() -> None:
    assert first_difference("1 2\n3\n", "1 2  \r\n3\n\n\n") is None
    assert first_difference(None, "1") is None
    assert first_difference("1", None) is None


def test_missing_and_extra_lines_say_so() -> None:
    short = first_difference("1\n2\n", "1\n")
    assert short is not None
    assert (short.line, short.expected, short.received) == (2, "2", None)
    assert short.summary == "Your output ends too early: line 2 is missing."
    long = first_difference("1\n", "1\ndebug: x=3\n")
    assert long is not None
    assert (long.line, long.expected, long.received) == (2, None, "debug: x=3")
    assert long.summary == "Your output goes on after the answer: line 2 should not be there."


def test_long_lines_are_shown_around_the_difference_with_the_marker_aligned() -> None:
    expected = "a" * 200 + "X" + "b" * 200
    received = "a" * 200 + "Y" + "b" * 200
    d = first_difference(expected, received)
    assert d is not None
    assert d.column == 201
    assert d.expected is not None
    assert d.received is not None
    assert d.expected.startswith("…")
    assert d.expected.endswith("…")
    assert d.expected[d.caret] == "X"
    assert d.received[d.caret] == "Y"
    assert len(d.expected) <= 62


def test_nothing_is_claimed_past_what_the_judge_kept_of_the_output() -> None:
    expected = "1\n" * 3000
    kept = ("1\n" * 3000)[:4096]  # the judge keeps 4 KiB of a visible test's output
    assert first_difference(expected, kept) is None
    assert first_difference(expected, kept[:-3] + "9\n1") is not None  # a difference inside what was kept
