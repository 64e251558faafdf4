"""How a grader's marks change an answer's score. The derived score (tests, choices, the essay grade) is never
edited: an answer's fraction is computed each time from the derived one, the points of the rubric items applied to
it (read from the items, so editing an item changes every answer it is applied to) and a manual override."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m

__all__ = ["Marks", "graded_fraction", "grades_released", "marks_of", "percent"]


@dataclass(frozen=True)
class Marks:
    """A grader's marks on one answer: the sum of the applied items' points (percent of the question), how many
    items are applied, and the override (percent; None: none)."""

    points: float = 0.0
    applied: int = 0
    override: float | None = None

    @property
    def any(self) -> bool:
        return self.applied > 0 or self.override is not None


def graded_fraction(base: float | None, marks: Marks | None) -> float | None:
    """The answer's fraction (0..1). ``base`` is the derived fraction (None: an essay waiting for a grader). An
    override replaces everything; otherwise the applied items' points are added to the base, within 0..1. An
    answer with no base and no marks is still waiting (None)."""
    if marks is None or not marks.any:
        return base
    if marks.override is not None:
        return min(1.0, max(0.0, marks.override / 100))
    return min(1.0, max(0.0, (base or 0.0) + marks.points / 100))


def percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 2)


async def marks_of(session: AsyncSession, attempt_ids: Sequence[UUID]) -> dict[tuple[UUID, UUID], Marks]:
    """The marks of every graded answer of these attempts, by (attempt id, question id)."""
    if not attempt_ids:
        return {}
    rows = await session.execute(
        select(
            m.AnswerGrade.attempt_id,
            m.AnswerGrade.question_id,
            m.AnswerGrade.override_percent,
            func.coalesce(func.sum(m.RubricItem.points), 0.0),
            func.count(m.RubricApplication.id),
        )
        .outerjoin(m.RubricApplication, m.RubricApplication.grade_id == m.AnswerGrade.id)
        .outerjoin(m.RubricItem, m.RubricItem.id == m.RubricApplication.item_id)
        .where(m.AnswerGrade.attempt_id.in_(list(attempt_ids)))
        .group_by(m.AnswerGrade.id, m.AnswerGrade.attempt_id, m.AnswerGrade.question_id, m.AnswerGrade.override_percent)
    )
    return {
        (attempt_id, question_id): Marks(points=float(points), applied=int(applied), override=override)
        for attempt_id, question_id, override, points, applied in rows.tuples()
    }


async def grades_released(session: AsyncSession, assessment_id: UUID) -> bool:
    """Whether staff released this assessment's grades (students then see marks once its visibility rule allows)."""
    found = await session.scalar(select(m.GradeRelease.id).where(m.GradeRelease.assessment_id == assessment_id))
    return found is not None
