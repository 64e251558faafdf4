"""Assessment scores of many attempts at once, by the assessments' own rules (api/domain/assessments/scoring.py)
and the same steps as ``AttemptService.score_of`` — but in four queries for a whole course instead of two per
attempt, so a dashboard of a thousand students costs no more queries than one of ten."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.rules import submitted_as_of
from api.domain.assessments.scoring import (
    CodeTry,
    WeightedScore,
    assessment_score,
    code_fraction,
    late_penalty_percent,
)

__all__ = ["AttemptScore", "QuestionFraction", "scores_of"]


@dataclass(frozen=True)
class _Answer:
    auto_score: float | None
    manual_score: float | None


@dataclass(frozen=True)
class QuestionFraction:
    question_id: UUID
    fraction: float | None  # None: not answered, or waiting for a grader


@dataclass(frozen=True)
class AttemptScore:
    attempt_id: UUID
    user_id: UUID
    submitted_at: datetime | None  # past its deadline: submitted as of the deadline, as the assessment pages show it
    score: float
    questions: list[QuestionFraction]


@dataclass(frozen=True)
class _Question:
    """What scoring reads of a question, read once per assessment (not once per attempt off the ORM object)."""

    id: UUID
    type: str
    weight: float
    max_attempts: int
    penalties: list[float]
    count: str

    @classmethod
    def of(cls, q: m.AssessmentQuestion) -> _Question:
        config = q.config
        return cls(
            q.id,
            q.type,
            q.weight,
            int(config.get("maxAttempts") or 0),
            list(config.get("penalties", [])),
            str(config.get("count", "best")),
        )


def _fraction(q: _Question, answer: _Answer | None, tries: list[CodeTry]) -> float | None:
    if q.type == "code":
        if q.max_attempts:
            tries = tries[: q.max_attempts]  # racing submissions past the limit count not
        if not tries:
            return None
        return code_fraction(tries, penalties=q.penalties, count=q.count)
    if answer is None:
        return None
    return answer.manual_score if q.type == "essay" else answer.auto_score


async def scores_of(
    session: AsyncSession, assessments: Sequence[m.Assessment], *, now: datetime, user_id: UUID | None = None
) -> dict[UUID, list[AttemptScore]]:
    """Every attempt of ``assessments`` (only ``user_id``'s, if given) with its score out of 100, per assessment."""
    ids = [a.id for a in assessments]
    if not ids:
        return {}
    questions: dict[UUID, list[_Question]] = defaultdict(list)
    for q in await session.scalars(
        select(m.AssessmentQuestion)
        .where(m.AssessmentQuestion.assessment_id.in_(ids))
        .order_by(m.AssessmentQuestion.position, m.AssessmentQuestion.created_at)
    ):
        questions[q.assessment_id].append(_Question.of(q))
    # the attempts' answers and submissions are selected by the same filter (a join, not thousands of ids)
    attempt_filter: list[ColumnElement[bool]] = [m.AssessmentAttempt.assessment_id.in_(ids)]
    if user_id is not None:
        attempt_filter.append(m.AssessmentAttempt.user_id == user_id)
    attempt_query = select(
        m.AssessmentAttempt.id,
        m.AssessmentAttempt.assessment_id,
        m.AssessmentAttempt.user_id,
        m.AssessmentAttempt.submitted_at,
        m.AssessmentAttempt.deadline,
    ).where(*attempt_filter)
    attempts = list((await session.execute(attempt_query)).tuples())
    answers: dict[tuple[UUID, UUID], _Answer] = {}
    tries: dict[tuple[UUID, UUID], list[CodeTry]] = defaultdict(list)
    if attempts:
        answer_query = select(
            m.AssessmentAnswer.attempt_id,
            m.AssessmentAnswer.question_id,
            m.AssessmentAnswer.auto_score,
            m.AssessmentAnswer.manual_score,
        ).join(m.AssessmentAttempt, m.AssessmentAttempt.id == m.AssessmentAnswer.attempt_id)
        answer_query = answer_query.where(*attempt_filter)
        for attempt_id, question_id, auto, manual in (await session.execute(answer_query)).tuples():
            answers[attempt_id, question_id] = _Answer(auto, manual)
        links = await session.execute(
            select(m.AssessmentSubmission.attempt_id, m.AssessmentSubmission.question_id, m.Submission.score)
            .join(m.Submission, m.Submission.id == m.AssessmentSubmission.submission_id)
            .join(m.AssessmentAttempt, m.AssessmentAttempt.id == m.AssessmentSubmission.attempt_id)
            .where(*attempt_filter)
            .order_by(m.Submission.created_at, m.Submission.id)
        )
        for attempt_id, question_id, score in links.tuples():
            tries[attempt_id, question_id].append(CodeTry(score))
    by_id = {a.id: a for a in assessments}
    out: dict[UUID, list[AttemptScore]] = defaultdict(list)
    for attempt_id, assessment_id, owner_id, handed_in_at, deadline in attempts:
        assessment = by_id[assessment_id]
        submitted_at = submitted_as_of(handed_in_at, deadline, now)  # as ``auto_submit``, writing nothing
        asked = questions[assessment_id]
        fractions = [
            QuestionFraction(q.id, _fraction(q, answers.get((attempt_id, q.id)), tries.get((attempt_id, q.id), [])))
            for q in asked
        ]
        parts = [WeightedScore(q.weight, f.fraction or 0.0) for q, f in zip(asked, fractions, strict=True)]
        late = late_penalty_percent(
            submitted_at or now,
            assessment.due_at,
            mode=assessment.late_penalty_mode,
            percent=assessment.late_penalty_percent,
        )
        score = assessment_score(parts, late_penalty=late)
        out[assessment_id].append(AttemptScore(attempt_id, owner_id, submitted_at, score, fractions))
    return out
