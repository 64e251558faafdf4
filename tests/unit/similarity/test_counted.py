"""Which try of a student counts in a similarity report: the question's rule (best after penalties, or last judged),
else the latest."""

from __future__ import annotations

from api.db import models as m
from api.domain.similarity.counted import pick_counted


def _tries(*scores: float | None) -> list[m.Submission]:
    return [m.Submission(language="python3", files={"main.py": f"# {i}"}, score=s) for i, s in enumerate(scores)]


def test_best_counts_the_best_penalised_try() -> None:
    tries = _tries(60.0, 100.0, 90.0)
    assert pick_counted(tries, count="best", penalties=[]) is tries[1]
    # less 50 % from the second try on: 60, 50 and 45
    assert pick_counted(tries, count="best", penalties=[0, 50]) is tries[0]


def test_best_ties_go_to_the_later_try() -> None:
    tries = _tries(100.0, 100.0)
    assert pick_counted(tries, count="best", penalties=[]) is tries[1]


def test_last_counts_the_last_judged_try() -> None:
    tries = _tries(100.0, 20.0, None)
    assert pick_counted(tries, count="last", penalties=[]) is tries[1]


def test_without_a_judged_try_the_latest_counts() -> None:
    tries = _tries(None, None)
    assert pick_counted(tries, count="best", penalties=[]) is tries[1]
    assert pick_counted([], count="best", penalties=[]) is None
