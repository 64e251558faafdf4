"""Built-in output checkers: pure functions of (expected, actual) bytes.

Messages never quote the expected answer (hidden tests must stay hidden); they say where the outputs differ.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Final

import msgspec

__all__ = ["CheckResult", "exact", "icpc_default", "lines", "unordered_lines"]

# A decimal number as the ICPC default validator reads one (strtod without hex, inf or nan).
_NUMBER: Final = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TOKEN_OR_SPACE: Final = re.compile(rb"\s+|\S+")


class CheckResult(msgspec.Struct, frozen=True, kw_only=True):
    """A checker's judgement: ``fraction`` of the test's points (1.0 accepted, 0.0 rejected, between: partial)."""

    passed: bool
    partial: float | None = None  # a checker's own fraction of the points (testlib partial); None: all or nothing
    message: str = ""
    presentation: bool = False  # rejected for layout only (testlib's "presentation error")

    @property
    def fraction(self) -> float:
        if self.partial is not None:
            return min(1.0, max(0.0, self.partial))
        return 1.0 if self.passed else 0.0


ACCEPTED: Final = CheckResult(passed=True)


def exact(expected: bytes, actual: bytes) -> CheckResult:
    """Byte-for-byte equality."""
    if expected == actual:
        return ACCEPTED
    for offset, (a, b) in enumerate(zip(expected, actual, strict=False)):
        if a != b:
            line = expected.count(b"\n", 0, offset) + 1
            return CheckResult(passed=False, message=f"output differs at byte {offset + 1} (line {line})")
    shorter = "shorter" if len(actual) < len(expected) else "longer"
    return CheckResult(passed=False, message=f"output is {shorter} than expected")


def _normal_lines(data: bytes) -> list[bytes]:
    """Lines with trailing whitespace (and a CR) removed, and trailing blank lines dropped."""
    result = [line.rstrip() for line in data.split(b"\n")]
    while result and not result[-1]:
        result.pop()
    return result


def lines(expected: bytes, actual: bytes) -> CheckResult:
    """Judge0-style: line by line, ignoring trailing whitespace on each line and blank lines at the end."""
    want, got = _normal_lines(expected), _normal_lines(actual)
    if want == got:
        return ACCEPTED
    for number, (a, b) in enumerate(zip(want, got, strict=False), start=1):
        if a != b:
            return CheckResult(passed=False, message=f"line {number} differs")
    return CheckResult(passed=False, message=f"output has {len(got)} lines, expected {len(want)}")


def unordered_lines(expected: bytes, actual: bytes) -> CheckResult:
    """The same lines (trailing whitespace ignored) in any order, each as many times as expected."""
    want, got = Counter(_normal_lines(expected)), Counter(_normal_lines(actual))
    if want == got:
        return ACCEPTED
    missing = sum((want - got).values())
    extra = sum((got - want).values())
    return CheckResult(passed=False, message=f"{missing} expected line(s) missing, {extra} unexpected line(s)")


def _number(token: bytes) -> float | None:
    if _NUMBER.fullmatch(token) is None:
        return None
    return float(token)


def _floats_match(expected: float, actual: float, *, absolute: float, relative: float) -> bool:
    if math.isinf(actual) or math.isnan(actual):
        return False
    difference = abs(expected - actual)
    return difference <= absolute or difference <= relative * abs(expected)


def icpc_default(
    expected: bytes,
    actual: bytes,
    *,
    case_sensitive: bool = False,
    space_change_sensitive: bool = False,
    float_absolute_tolerance: float | None = None,
    float_relative_tolerance: float | None = None,
    float_tolerance: float | None = None,
) -> CheckResult:
    """The ICPC default output validator.

    Tokens are compared case-insensitively unless ``case_sensitive``; whitespace only separates tokens unless
    ``space_change_sensitive`` (then it must match exactly). With a float tolerance, a token of the answer that is
    a number accepts any number within the absolute or the relative tolerance (``float_tolerance`` sets both).
    """
    absolute = float_absolute_tolerance if float_absolute_tolerance is not None else float_tolerance
    relative = float_relative_tolerance if float_relative_tolerance is not None else float_tolerance
    use_floats = absolute is not None or relative is not None
    if space_change_sensitive:
        want = _TOKEN_OR_SPACE.findall(expected)
        got = _TOKEN_OR_SPACE.findall(actual)
    else:
        want, got = expected.split(), actual.split()
    token = 0
    for a, b in zip(want, got, strict=False):
        is_space = a[:1].isspace()
        if not is_space:
            token += 1
        if is_space or b[:1].isspace():
            if a != b:
                return CheckResult(passed=False, message=f"whitespace differs before token {token + 1}")
            continue
        if use_floats and (expected_number := _number(a)) is not None:
            actual_number = _number(b)
            if actual_number is None:
                return CheckResult(passed=False, message=f"token {token} should be a number")
            if not _floats_match(expected_number, actual_number, absolute=absolute or 0.0, relative=relative or 0.0):
                return CheckResult(passed=False, message=f"token {token}: number outside the tolerance")
            continue
        if a != b and (case_sensitive or a.lower() != b.lower()):
            return CheckResult(passed=False, message=f"token {token} differs")
    if len(got) > len(want):
        extra = sum(1 for part in got[len(want) :] if not part[:1].isspace())
        if extra == 0:
            return CheckResult(passed=False, message="trailing whitespace differs")
        return CheckResult(passed=False, message=f"{extra} unexpected token(s) after the answer")
    if len(got) < len(want):
        missing = sum(1 for part in want[len(got) :] if not part[:1].isspace())
        if missing == 0:
            return CheckResult(passed=False, message="trailing whitespace differs")
        return CheckResult(passed=False, message=f"output ends early: {missing} token(s) missing")
    return ACCEPTED
