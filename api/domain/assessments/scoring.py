"""Pure scoring rules: each answer scores a fraction in 0..1; an assessment's score is the weighted mean of its
questions' fractions, normalised to 100, less the late penalty. No database, no clock: ``now`` is passed in."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

__all__ = [
    "MAX_ANSWER_CHARS",
    "CodeTry",
    "WeightedScore",
    "assessment_score",
    "code_fraction",
    "late_penalty_percent",
    "multiple_choice_fraction",
    "short_answer_matches",
]

MAX_ANSWER_CHARS: Final = 2000  # short answers longer than this are refused (and never reach a regular expression)


def multiple_choice_fraction(correct: Sequence[int], chosen: Sequence[int], *, multiple: bool) -> float:
    """Single answer: 1 if the one chosen option is the correct one. Multiple answers: partial credit, each right
    choice earns 1/len(correct) and each wrong choice takes as much away, never below 0."""
    right, picked = set(correct), set(chosen)
    if not right:
        return 0.0
    if not multiple:
        return 1.0 if len(picked) == 1 and picked <= right else 0.0
    hits = len(picked & right)
    misses = len(picked - right)
    return max(0.0, (hits - misses) / len(right))


def short_answer_matches(accepted: Sequence[str], mode: str, answer: str, *, tolerance: float = 0.0) -> bool:
    """Whether ``answer`` matches one of ``accepted`` under ``mode``: ``exact`` (surrounding spaces ignored),
    ``case_insensitive`` (and inner runs of spaces collapsed), ``regex`` (the whole answer must match) or
    ``numeric`` (within ``tolerance``, absolute)."""
    text = answer.strip()
    if len(text) > MAX_ANSWER_CHARS:
        return False
    if mode == "exact":
        return any(text == a.strip() for a in accepted)
    if mode == "case_insensitive":
        folded = " ".join(text.split()).casefold()
        return any(folded == " ".join(a.split()).casefold() for a in accepted)
    if mode == "regex":
        return any(re.fullmatch(a, text) is not None for a in accepted)
    if mode == "numeric":
        value = _number(text)
        if value is None:
            return False
        return any((target := _number(a)) is not None and abs(value - target) <= tolerance + 1e-12 for a in accepted)
    raise ValueError(f"unknown match mode {mode!r}")


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class CodeTry:
    """One judged submission to a code question: its score out of 100 (None: not judged yet)."""

    score: float | None


def code_fraction(tries: Sequence[CodeTry], *, penalties: Sequence[float], count: str) -> float:
    """A code question's fraction from its submissions in order. The n-th try (from 0) loses ``penalties[n]``
    percent (the last entry repeats; ``0, 5, 10, 20`` costs nothing for the first try). ``best``: the best of the
    penalised scores; ``last``: the last judged one's."""
    scored: list[float] = []
    for index, attempt in enumerate(tries):
        if attempt.score is None:
            continue
        penalty = penalties[min(index, len(penalties) - 1)] if penalties else 0.0
        scored.append(max(0.0, attempt.score * (1 - penalty / 100)) / 100)
    if not scored:
        return 0.0
    return min(1.0, scored[-1] if count == "last" else max(scored))


def late_penalty_percent(submitted_at: datetime, due_at: datetime | None, *, mode: str, percent: float) -> float:
    """The late penalty in percent (0..100): nothing on time; ``fixed``: ``percent`` once late; ``per_day``:
    ``percent`` per started day after the due time."""
    if due_at is None or submitted_at <= due_at or mode == "none":
        return 0.0
    if mode == "fixed":
        return min(100.0, percent)
    if mode == "per_day":
        days = math.ceil((submitted_at - due_at).total_seconds() / 86400)
        return min(100.0, days * percent)
    raise ValueError(f"unknown late penalty mode {mode!r}")


@dataclass(frozen=True)
class WeightedScore:
    weight: float
    fraction: float


def assessment_score(parts: Sequence[WeightedScore], *, late_penalty: float = 0.0) -> float:
    """The weighted mean of the fractions, out of 100, less ``late_penalty`` percent; rounded to 2 decimals."""
    total = sum(p.weight for p in parts if p.weight > 0)
    if total <= 0:
        return 0.0
    raw = sum(p.weight * min(1.0, max(0.0, p.fraction)) for p in parts if p.weight > 0) / total * 100
    return round(raw * (1 - min(100.0, max(0.0, late_penalty)) / 100), 2)
