"""Built-in checkers: symmetric table tests (a checker that compares two outputs must not care which is which),
plus the ICPC default validator's options, where the expected answer's role is explicit."""

from __future__ import annotations

import pytest

from judge_worker.checkers import BUILTIN_KINDS, CheckerSpecError, builtin_checker, validate_spec
from judge_worker.checkers.builtin import CheckResult, exact, icpc_default, lines, unordered_lines
from judge_worker.contracts import CheckerSpec


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (b"42\n", b"42\n", True),
        (b"42\n", b"42", False),
        (b"42\n", b"42 \n", False),
        (b"", b"", True),
        (b"a\nb\n", b"a\r\nb\n", False),
        (b"\xff\x00", b"\xff\x00", True),
    ],
)
def test_exact_is_symmetric(a: bytes, b: bytes, ok: bool) -> None:
    assert exact(a, b).passed is ok
    assert exact(b, a).passed is ok


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (b"1 2\n3\n", b"1 2   \n3\t\n", True),  # trailing whitespace per line
        (b"1 2\n3\n", b"1 2\n3\n\n\n", True),  # trailing blank lines
        (b"1 2\n3", b"1 2\n3\n", True),  # final newline
        (b"1 2\r\n3\r\n", b"1 2\n3\n", True),  # CRLF
        (b"1 2\n3\n", b"1  2\n3\n", False),  # inner whitespace matters
        (b"1 2\n3\n", b" 1 2\n3\n", False),  # leading whitespace matters
        (b"1\n\n2\n", b"1\n2\n", False),  # inner blank lines matter
        (b"a\n", b"A\n", False),
        (b"", b"\n\n", True),
    ],
)
def test_lines_is_symmetric(a: bytes, b: bytes, ok: bool) -> None:
    assert lines(a, b).passed is ok
    assert lines(b, a).passed is ok


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (b"1\n2\n3\n", b"3\n1\n2\n", True),
        (b"1\n2\n2\n", b"2\n1\n2\n", True),
        (b"1\n2\n2\n", b"1\n1\n2\n", False),  # multiplicity counts
        (b"1\n2\n", b"1\n2\n3\n", False),
        (b"x y\n", b"x y  \n", True),
        (b"x y\n", b"y x\n", False),  # lines, not tokens
    ],
)
def test_unordered_lines_is_symmetric(a: bytes, b: bytes, ok: bool) -> None:
    assert unordered_lines(a, b).passed is ok
    assert unordered_lines(b, a).passed is ok


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (b"a b", b"a  b\n", True),
        (b"ab", b"a b", False),
        (b"1\n2\n", b"1 2", True),
        (b"Yes", b"YES", True),  # case-insensitive by default
        (b"1 2", b"1 2 3", False),
        (b"", b"\n \t\n", True),
        (b"1.0", b"1", False),  # no tolerance: tokens compare as text
        (b"\t x \n", b"x", True),
    ],
)
def test_icpc_default_is_symmetric(a: bytes, b: bytes, ok: bool) -> None:
    assert icpc_default(a, b).passed is ok
    assert icpc_default(b, a).passed is ok


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (b"Yes", b"YES", False),
        (b"yes", b"yes", True),
        (b"a B c", b"a B c", True),
    ],
)
def test_icpc_default_case_sensitive_is_symmetric(a: bytes, b: bytes, ok: bool) -> None:
    assert icpc_default(a, b, case_sensitive=True).passed is ok
    assert icpc_default(b, a, case_sensitive=True).passed is ok


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (b"1 2\n", b"1 2\n", True),
        (b"1 2\n", b"1  2\n", False),
        (b"1 2\n", b"1 2", False),
        (b"1 2\n", b"1\t2\n", False),
        (b"1 2\n", b"1 2\n\n", False),
        (b"A b\n", b"a B\n", True),  # case still insensitive
    ],
)
def test_icpc_default_space_change_sensitive_is_symmetric(a: bytes, b: bytes, ok: bool) -> None:
    assert icpc_default(a, b, space_change_sensitive=True).passed is ok
    assert icpc_default(b, a, space_change_sensitive=True).passed is ok


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (b"0.5", b"0.5000001", True),
        (b"0.5", b"0.51", False),
        (b"1e3", b"1000.0", True),
        (b"-2", b"-2.0000000001", True),
        (b"abc 1.5", b"ABC 1.5000000001", True),
        (b"1.5", b"x", False),
        (b"1.5", b"nan", False),
        (b"1.5", b"inf", False),
    ],
)
def test_icpc_default_absolute_tolerance_is_symmetric(a: bytes, b: bytes, ok: bool) -> None:
    assert icpc_default(a, b, float_absolute_tolerance=1e-6).passed is ok
    assert icpc_default(b, a, float_absolute_tolerance=1e-6).passed is ok


def test_relative_tolerance_is_relative_to_the_expected_answer() -> None:
    # |1000 - 1000.5| = 0.5 <= 1e-3 * 1000: accepted against the answer 1000
    assert icpc_default(b"1000", b"1000.5", float_relative_tolerance=1e-3).passed
    assert not icpc_default(b"1000", b"1002", float_relative_tolerance=1e-3).passed
    # a tolerance relative to a tiny expected value does not accept a large error
    assert not icpc_default(b"0.001", b"0.002", float_relative_tolerance=1e-3).passed


def test_float_tolerance_sets_both_and_either_accepts() -> None:
    assert icpc_default(b"0", b"0.0000001", float_tolerance=1e-6).passed  # absolute helps near zero
    assert icpc_default(b"1e9", b"1000000500", float_tolerance=1e-6).passed  # relative helps when large
    assert not icpc_default(b"1e9", b"1000002000", float_tolerance=1e-6).passed
    # an explicit absolute tolerance overrides float_tolerance's absolute part only
    assert not icpc_default(b"0", b"0.0000001", float_tolerance=1e-6, float_absolute_tolerance=1e-9).passed


def test_messages_say_where_never_what_was_expected() -> None:
    result = icpc_default(b"secret-answer 42", b"secret-answer 41")
    assert result == CheckResult(passed=False, message="token 2 differs")
    assert b"42".decode() not in result.message
    assert icpc_default(b"1 2", b"1").message == "output ends early: 1 token(s) missing"
    assert icpc_default(b"1", b"1 2 3").message == "2 unexpected token(s) after the answer"
    assert lines(b"a\nb\n", b"a\nc\n").message == "line 2 differs"
    assert exact(b"abc", b"abd").message == "output differs at byte 3 (line 1)"


def test_check_result_fraction() -> None:
    assert CheckResult(passed=True).fraction == 1.0
    assert CheckResult(passed=False).fraction == 0.0
    assert CheckResult(passed=False, partial=0.25).fraction == 0.25
    assert CheckResult(passed=False, partial=7.0).fraction == 1.0


@pytest.mark.parametrize("kind", sorted(BUILTIN_KINDS))
def test_every_builtin_kind_has_a_function(kind: str) -> None:
    check = builtin_checker(CheckerSpec(kind=kind))
    assert check(b"1 2\n", b"1 2\n").passed
    assert not check(b"1 2\n", b"2 1 3\n").passed


def test_builtin_checker_takes_the_spec_options() -> None:
    spec = CheckerSpec(kind="default", case_sensitive=True, float_absolute_tolerance=0.1)
    check = builtin_checker(spec)
    assert not check(b"Yes", b"yes").passed
    assert check(b"1.0", b"1.05").passed


@pytest.mark.parametrize(
    ("spec", "files", "message"),
    [
        (CheckerSpec(kind="magic"), {}, "unknown checker kind 'magic'"),
        (CheckerSpec(kind="testlib", language="cpp17"), {}, "needs a source file and a language"),
        (CheckerSpec(kind="icpc_validator", language="cpp17", source="v.cpp"), {}, "'v.cpp' is not in the test set"),
    ],
)
def test_misconfigured_checkers_are_refused(spec: CheckerSpec, files: dict[str, bytes], message: str) -> None:
    with pytest.raises(CheckerSpecError, match=message):
        validate_spec(spec, files)
