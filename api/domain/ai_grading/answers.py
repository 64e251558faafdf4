"""Reading answers for the model: the text of an essay or the source of a code answer's latest submission, with
its verdict; the hand-graded answers of a question (the rubric items a person applied, their comment)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.ai_grading.prompts import AnswerText, Example

__all__ = ["HandGraded", "answer_text", "hand_graded", "problem_of", "worked_examples"]


def problem_of(question: m.AssessmentQuestion) -> UUID | None:
    raw = (question.config or {}).get("problemId")
    try:
        return UUID(str(raw)) if raw else None
    except ValueError:
        return None


async def answer_text(session: AsyncSession, attempt_id: UUID, question: m.AssessmentQuestion) -> AnswerText:
    if question.type == "code":
        shown = await session.scalar(
            select(m.Submission)
            .join(m.AssessmentSubmission, m.AssessmentSubmission.submission_id == m.Submission.id)
            .where(m.AssessmentSubmission.attempt_id == attempt_id, m.AssessmentSubmission.question_id == question.id)
            .order_by(m.Submission.created_at.desc(), m.Submission.id.desc())
            .limit(1)
        )
        if shown is None:
            return AnswerText(text="", language="code")
        source = next(iter(shown.files.values()), "") if shown.files else ""
        results = shown.results or []
        passed = sum(1 for r in results if r.get("verdict") == "AC")
        return AnswerText(
            text=str(source),
            language=shown.language,
            verdict=shown.verdict,
            tests_passed=passed,
            tests_total=len(results),
        )
    saved = await session.scalar(
        select(m.AssessmentAnswer.text).where(
            m.AssessmentAnswer.attempt_id == attempt_id, m.AssessmentAnswer.question_id == question.id
        )
    )
    return AnswerText(text=saved or "")


@dataclass(frozen=True)
class HandGraded:
    attempt_id: UUID
    item_ids: frozenset[UUID]
    comment: str


async def hand_graded(session: AsyncSession, question_id: UUID) -> list[HandGraded]:
    """Answers a person graded (not through an accepted AI proposal), oldest grade first."""
    accepted = set(
        (
            await session.execute(
                select(m.AiProposal.attempt_id).where(
                    m.AiProposal.question_id == question_id, m.AiProposal.status == "accepted"
                )
            )
        ).scalars()
    )
    grades = list(
        await session.scalars(
            select(m.AnswerGrade)
            .where(m.AnswerGrade.question_id == question_id, m.AnswerGrade.graded_at.is_not(None))
            .order_by(m.AnswerGrade.graded_at, m.AnswerGrade.id)
        )
    )
    out = []
    for grade in grades:
        if grade.attempt_id in accepted:
            continue
        items = frozenset(
            await session.scalars(select(m.RubricApplication.item_id).where(m.RubricApplication.grade_id == grade.id))
        )
        out.append(HandGraded(grade.attempt_id, items, grade.overall_comment))
    return out


async def worked_examples(
    session: AsyncSession,
    question: m.AssessmentQuestion,
    item_ids: list[UUID],
    graded: list[HandGraded],
    *,
    excluding: UUID | None = None,
    limit: int = 3,
) -> list[Example]:
    out = []
    for row in graded:
        if row.attempt_id == excluding:
            continue
        applied = tuple(i + 1 for i, item in enumerate(item_ids) if item in row.item_ids)
        out.append(
            Example(answer=await answer_text(session, row.attempt_id, question), applied=applied, feedback=row.comment)
        )
        if len(out) >= limit:
            break
    return out
