"""The scoring rules: normalisation to 100, short-answer matching modes, multiple-choice partial credit, the
penalty regime of code questions and the late penalty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.domain.assessments.scoring import (
    CodeTry,
    WeightedScore,
    assessment_score,
    code_fraction,
    late_penalty_percent,
    multiple_choice_fraction,
    short_answer_matches,
)

DUE = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("parts", "late", "expected"),
    [
        ([WeightedScore(1, 1.0), WeightedScore(1, 0.0)], 0.0, 50.0),
        ([WeightedScore(3, 1.0), WeightedScore(1, 0.0)], 0.0, 75.0),
        ([WeightedScore(2, 0.5), WeightedScore(2, 0.5)], 0.0, 50.0),
        ([WeightedScore(1, 1.0)], 20.0, 80.0),
        ([WeightedScore(1, 1.0)], 150.0, 0.0),
        ([WeightedScore(5, 1.0), WeightedScore(0, 0.0)], 0.0, 100.0),  # weight 0 counts for nothing
        ([], 0.0, 0.0),
        ([WeightedScore(1, 1.0), WeightedScore(2, 1 / 3)], 0.0, 55.56),
    ],
)
def test_the_assessment_score_is_a_weighted_mean_out_of_100(
    parts: list[WeightedScore], late: float, expected: float
) -> None:
    assert assessment_score(parts, late_penalty=late) == expected


@pytest.mark.parametrize(
    ("accepted", "mode", "answer", "ok"),
    [
        (["Paris"], "exact", " Paris ", True),
        (["Paris"], "exact", "paris", False),
        (["Paris"], "case_insensitive", "  pARIS ", True),
        (["New  York"], "case_insensitive", "new york", True),
        (["Paris"], "case_insensitive", "Pariss", False),
        ([r"colou?r"], "regex", "color", True),
        ([r"colou?r"], "regex", "colour", True),
        ([r"colou?r"], "regex", "colors", False),  # the whole answer must match
        (["3.14"], "numeric", "3.141", True),
        (["3.14"], "numeric", "3,14", True),
        (["3.14"], "numeric", "3.2", False),
        (["3.14"], "numeric", "pi", False),
        (["3.14"], "numeric", "nan", False),
        (["a", "b"], "exact", "b", True),
    ],
)
def test_short_answer_match_modes(accepted: list[str], mode: str, answer: str, ok: bool) -> None:
    assert short_answer_matches(accepted, mode, answer, tolerance=0.005) is ok


def test_overlong_short_answers_never_match() -> None:
    assert short_answer_matches([".*"], "regex", "a" * 5000) is False


def test_an_unknown_match_mode_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown match mode"):
        short_answer_matches(["a"], "fuzzy", "a")


@pytest.mark.parametrize(
    ("correct", "chosen", "multiple", "expected"),
    [
        ([1], [1], False, 1.0),
        ([1], [0], False, 0.0),
        ([1], [0, 1], False, 0.0),  # a single-answer question answered twice is wrong
        ([1], [], False, 0.0),
        ([0, 2], [0, 2], True, 1.0),
        ([0, 2], [0], True, 0.5),
        ([0, 2], [0, 1], True, 0.0),  # one right, one wrong
        ([0, 2, 3], [0, 2, 1], True, 1 / 3),
        ([0, 2], [1, 3], True, 0.0),  # never below zero
        ([], [0], True, 0.0),
    ],
)
def test_multiple_choice_partial_credit(correct: list[int], chosen: list[int], multiple: bool, expected: float) -> None:
    assert multiple_choice_fraction(correct, chosen, multiple=multiple) == pytest.approx(expected)


def test_code_questions_apply_the_penalty_regime_per_wrong_try() -> None:
    penalties = [0, 5, 10, 20]
    assert code_fraction([CodeTry(100)], penalties=penalties, count="best") == 1.0
    assert code_fraction([CodeTry(0), CodeTry(100)], penalties=penalties, count="best") == pytest.approx(0.95)
    tries = [CodeTry(0)] * 5 + [CodeTry(100)]
    assert code_fraction(tries, penalties=penalties, count="best") == pytest.approx(0.8)  # the last entry repeats
    assert code_fraction([CodeTry(100), CodeTry(40)], penalties=[], count="best") == 1.0
    assert code_fraction([CodeTry(100), CodeTry(40)], penalties=[], count="last") == pytest.approx(0.4)
    assert code_fraction([CodeTry(60), CodeTry(None)], penalties=[], count="last") == pytest.approx(0.6)
    assert code_fraction([], penalties=penalties, count="best") == 0.0


@pytest.mark.parametrize(
    ("late_by", "mode", "percent", "expected"),
    [
        (timedelta(0), "per_day", 10, 0.0),
        (timedelta(seconds=-5), "fixed", 30, 0.0),
        (timedelta(seconds=1), "per_day", 10, 10.0),  # a started day counts
        (timedelta(hours=25), "per_day", 10, 20.0),
        (timedelta(days=30), "per_day", 10, 100.0),
        (timedelta(days=3), "fixed", 30, 30.0),
        (timedelta(days=3), "none", 30, 0.0),
    ],
)
def test_the_late_penalty(late_by: timedelta, mode: str, percent: float, expected: float) -> None:
    assert late_penalty_percent(DUE + late_by, DUE, mode=mode, percent=percent) == expected


def test_no_due_date_means_no_late_penalty() -> None:
    assert late_penalty_percent(DUE, None, mode="fixed", percent=50) == 0.0
