"""Where a wrong answer first differs from the expected output, in words a beginner can act on.

Only for tests the student may see: the pages call it with the expected output and the program's output of a
visible test (hidden tests never carry either, on any channel). Lines are compared as the default checkers read
them: trailing spaces (and a CR) on a line and blank lines at the end do not count. ``firstDifference`` in
``web/static/js/difference.js`` does the same for results that arrive live.
"""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = ["Difference", "first_difference"]

JUDGE_OUTPUT_CAP: Final = 4096  # bytes of a program's output the judge keeps (web/static/js/text.js)
_WINDOW: Final = 60  # characters of a long line shown around the first difference


class Difference(msgspec.Struct, frozen=True, kw_only=True):
    line: int  # 1-based
    column: int  # 1-based, in characters
    expected: str | None  # the expected line (shortened around the column); None: the output has an extra line
    received: str | None  # the program's line; None: the output ended before this line
    caret: int  # where to put the marker under the shown lines (0-based, in the shortened text)

    @property
    def summary(self) -> str:
        if self.received is None:
            return f"Your output ends too early: line {self.line} is missing."
        if self.expected is None:
            return f"Your output goes on after the answer: line {self.line} should not be there."
        return f"Line {self.line}, column {self.column} is the first difference."


def _lines(text: str) -> list[str]:
    result = [line.rstrip() for line in text.split("\n")]
    while result and not result[-1]:
        result.pop()
    return result


def _window(longest: int, column: int) -> int:
    """Where the shown part of long lines starts, so that 0-based ``column`` is in it."""
    return 0 if longest <= _WINDOW else max(0, min(column - _WINDOW // 2, longest - _WINDOW))


def _cut(text: str, start: int) -> str:
    """``text`` from ``start``, at most the window long, with an ellipsis where something was left out."""
    prefix = "…" if start else ""
    suffix = "…" if start + _WINDOW < len(text) else ""
    return prefix + text[start : start + _WINDOW] + suffix


def first_difference(expected: str | None, received: str | None) -> Difference | None:
    """The first line and column where ``received`` differs from ``expected``; None when they read the same or
    the difference lies past what the judge kept of the output."""
    if expected is None or received is None:
        return None
    capped = len(received.encode()) >= JUDGE_OUTPUT_CAP
    want, got = _lines(expected), _lines(received)
    for number, (a, b) in enumerate(zip(want, got, strict=False), start=1):
        if a == b:
            continue
        if capped and number == len(got):  # the last kept line may be cut in the middle
            return None
        column = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        start = _window(max(len(a), len(b)), column)
        caret = column - start + (1 if start else 0)
        return Difference(line=number, column=column + 1, expected=_cut(a, start), received=_cut(b, start), caret=caret)
    if len(got) < len(want):
        if capped:
            return None
        return Difference(line=len(got) + 1, column=1, expected=_cut(want[len(got)], 0), received=None, caret=0)
    if len(got) > len(want):
        return Difference(line=len(want) + 1, column=1, expected=None, received=_cut(got[len(want)], 0), caret=0)
    return None
