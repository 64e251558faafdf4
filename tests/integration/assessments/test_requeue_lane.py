"""The reaper (and the resweep after Redis lost its data, which goes through the same ``_reap``) enqueues an
exam's lost job again in the exam lane, ahead of practice work; a rejudge of it stays out of the exam lane."""

from __future__ import annotations

import uuid
from typing import Any

from api.db import models as m
from api.lib.timeutil import utcnow
from api.queue import EXAM_AHEAD
from api.tasks import judge_job_id, reap_stale_submissions
from judge_worker.contracts import JUDGE_QUEUE
from tests.integration.fleet.test_recording import age, ctx, make_submission

__all__ = ["ctx"]


async def _link_to(ctx: dict[str, Any], submission: m.Submission, kind: str) -> None:
    """Make ``submission`` one of a ``kind`` assessment's, as submit_code does."""
    async with ctx["sessions"]() as session:
        course = m.Course(title="C", code=f"C-{uuid.uuid4().hex[:6]}")
        session.add(course)
        await session.flush()
        assessment = m.Assessment(course_id=course.id, kind=kind, title=kind)
        session.add(assessment)
        await session.flush()
        assert submission.user_id is not None
        attempt = m.AssessmentAttempt(assessment_id=assessment.id, user_id=submission.user_id, started_at=utcnow())
        session.add(attempt)
        await session.flush()
        question = m.AssessmentQuestion(assessment_id=assessment.id, type="code")
        session.add(question)
        await session.flush()
        session.add(m.AssessmentSubmission(attempt_id=attempt.id, question_id=question.id, submission_id=submission.id))
        await session.commit()


async def _score(ctx: dict[str, Any], submission: m.Submission) -> float:
    score = await ctx["redis"].zscore(JUDGE_QUEUE, judge_job_id(submission.id, submission.attempt))
    assert score is not None, "enqueued again"
    return float(score)


async def test_a_lost_exam_job_is_enqueued_again_in_the_exam_lane(ctx: dict[str, Any]) -> None:
    practice = await make_submission(ctx)
    quiz = await make_submission(ctx)
    exam = await make_submission(ctx)
    rejudged_exam = await make_submission(ctx, attempt=2)
    await _link_to(ctx, quiz, "quiz")
    await _link_to(ctx, exam, "exam")
    await _link_to(ctx, rejudged_exam, "exam")
    for submission in (exam, quiz, practice, rejudged_exam):
        await age(ctx, submission.id)
    assert await reap_stale_submissions(ctx) == 4
    scores = {name: await _score(ctx, s) for name, s in (("practice", practice), ("quiz", quiz), ("exam", exam))}
    scores["rejudged exam"] = await _score(ctx, rejudged_exam)
    order = sorted(scores, key=scores.__getitem__)
    assert order[0] == "exam", order  # arq takes the lowest score first
    ahead_ms = scores["practice"] - scores["exam"]
    assert abs(ahead_ms - EXAM_AHEAD.total_seconds() * 1000) < 60_000  # the exam lane's head start, not by chance
    assert abs(scores["quiz"] - scores["practice"]) < 60_000  # a quiz is ordinary student work
    assert abs(scores["rejudged exam"] - scores["practice"]) < 60_000  # a rejudge is not exam-lane work
