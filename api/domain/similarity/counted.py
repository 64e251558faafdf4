"""Which submission of each student counts for a code question: the best (after the penalty per try) or the last
judged one, as the question says; when none is judged yet, the latest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m

__all__ = ["Counted", "counted_submissions", "pick_counted"]


@dataclass(frozen=True)
class Counted:
    user_id: UUID
    submission: m.Submission


def pick_counted(tries: Sequence[m.Submission], *, count: str, penalties: Sequence[float]) -> m.Submission | None:
    """``tries`` in the order they were made."""
    if not tries:
        return None
    judged: list[tuple[float, int, m.Submission]] = []
    for index, submission in enumerate(tries):
        if submission.score is None:
            continue
        penalty = penalties[min(index, len(penalties) - 1)] if penalties else 0.0
        judged.append((submission.score * (1 - penalty / 100), index, submission))
    if not judged:
        return tries[-1]
    if count == "last":
        return judged[-1][2]
    return max(judged, key=lambda row: (row[0], row[1]))[2]


async def counted_submissions(session: AsyncSession, question: m.AssessmentQuestion) -> list[Counted]:
    """The counted submission of every student who submitted to ``question``, in the students' order of first
    submission."""
    rows = await session.execute(
        select(m.AssessmentAttempt.user_id, m.Submission)
        .join(m.AssessmentSubmission, m.AssessmentSubmission.attempt_id == m.AssessmentAttempt.id)
        .join(m.Submission, m.Submission.id == m.AssessmentSubmission.submission_id)
        .where(m.AssessmentSubmission.question_id == question.id)
        .order_by(m.Submission.created_at, m.Submission.id)
    )
    per_user: dict[UUID, list[m.Submission]] = {}
    for user_id, submission in rows.tuples():
        per_user.setdefault(user_id, []).append(submission)
    config = question.config or {}
    count = str(config.get("count") or "best")
    penalties = [float(p) for p in config.get("penalties") or []]
    out: list[Counted] = []
    for user_id, tries in per_user.items():
        chosen = pick_counted(tries, count=count, penalties=penalties)
        if chosen is not None:
            out.append(Counted(user_id=user_id, submission=chosen))
    return out
