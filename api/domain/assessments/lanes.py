"""Which judge lane an assessment's submission belongs in, for whoever enqueues it again (the reaper's re-queue
after a lost job, the resweep after Redis lost its data): an exam's first judging goes in the exam lane, as it
did when the student submitted; anything else keeps the default of its kind."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.queue import Lane

__all__ = ["exam_submission_ids", "requeue_lane"]


async def exam_submission_ids(session: AsyncSession, submission_ids: Iterable[UUID]) -> set[UUID]:
    """The ones among ``submission_ids`` made for an exam (one query)."""
    wanted = list(submission_ids)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(m.AssessmentSubmission.submission_id)
        .join(m.AssessmentAttempt, m.AssessmentAttempt.id == m.AssessmentSubmission.attempt_id)
        .join(m.Assessment, m.Assessment.id == m.AssessmentAttempt.assessment_id)
        .where(m.AssessmentSubmission.submission_id.in_(wanted), m.Assessment.kind == "exam")
    )
    return set(rows)


def requeue_lane(submission: m.Submission, exam_ids: set[UUID]) -> Lane | None:
    """The lane to enqueue ``submission`` in again (None: the default of its kind). A rejudge (a later attempt)
    stays out of the exam lane: it was background work."""
    if submission.id in exam_ids and submission.attempt == 1:
        return Lane.EXAM
    return None
