"""What a viewer may see of a submission's results: the ONE decision every channel asks (the submission page and
lists, ``/api/submissions``, the live ``/ws/submissions`` events, the problem page's recent submissions; the
Judge0 API has no way to name an assessment's submission, and exports are staff-only).

A code submission made for an assessment whose scores are not yet visible to the student (``score_visibility``
``after_due`` before the due time, or ``on_publish`` before the instructor publishes) shows the student only that
it was submitted and judged: no verdict, score, time, memory, compiler output or per-test result, and a rule
saying when the results come (``resultsHiddenUntil``). Staff of the assessment's course (and admins) see
everything. Per test, ``after_due_date`` and ``after_published`` resolve against the assessment (its due time, or
its close when it has no due time; its published scores).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import is_staff
from api.domain.assessments.rules import scores_visible
from api.domain.courses.access import staff_course_ids
from api.domain.submissions.views import Audience
from api.lib.timeutil import utcnow

__all__ = [
    "assessment_audience",
    "audience_for",
    "audiences_for",
    "hidden_rule",
    "hidden_submission_ids",
    "owner_hidden_until",
]


def _due_moment(assessment: m.Assessment) -> datetime | None:
    return assessment.due_at or assessment.closes_at


def hidden_rule(assessment: m.Assessment) -> str:
    """When a student's hidden results become visible, in words."""
    if assessment.score_visibility == "after_due":
        moment = _due_moment(assessment)
        return f"the due time ({moment.isoformat()})" if moment is not None else "the due time"
    return "the instructor publishes the scores"


def assessment_audience(assessment: m.Assessment, now: datetime, *, staff: bool) -> Audience:
    """The audience of one assessment's submission for a viewer who is (or is not) staff of its course."""
    due = _due_moment(assessment)
    shown = scores_visible(assessment, now, staff=staff)
    return Audience(
        staff=staff,
        due_passed=due is not None and now >= due,
        grades_published=assessment.scores_published,
        results_hidden_until=None if shown else hidden_rule(assessment),
    )


async def audiences_for(
    session: AsyncSession, viewer: m.User, submissions: Iterable[m.Submission], *, now: datetime | None = None
) -> dict[UUID, Audience]:
    """The audience of each submission for ``viewer`` (one query for the lot)."""
    wanted = [s.id for s in submissions]
    plain = Audience(staff=is_staff(viewer))
    out: dict[UUID, Audience] = dict.fromkeys(wanted, plain)
    if not wanted:
        return out
    rows = (
        await session.execute(
            select(m.AssessmentSubmission.submission_id, m.Assessment)
            .join(m.AssessmentAttempt, m.AssessmentAttempt.id == m.AssessmentSubmission.attempt_id)
            .join(m.Assessment, m.Assessment.id == m.AssessmentAttempt.assessment_id)
            .where(m.AssessmentSubmission.submission_id.in_(wanted))
        )
    ).tuples()
    linked = list(rows)
    if not linked:
        return out
    moment = now or utcnow()
    teaches: set[UUID] = set()
    if viewer.role is not m.Role.ADMIN:
        teaches = set(await session.scalars(staff_course_ids(viewer.id)))
    for submission_id, assessment in linked:
        staff = viewer.role is m.Role.ADMIN or assessment.course_id in teaches
        out[submission_id] = assessment_audience(assessment, moment, staff=staff)
    return out


async def audience_for(
    session: AsyncSession, viewer: m.User, submission: m.Submission, *, now: datetime | None = None
) -> Audience:
    return (await audiences_for(session, viewer, [submission], now=now))[submission.id]


async def owner_hidden_until(session: AsyncSession, submission: m.Submission) -> str | None:
    """Until when the submission's results are hidden from the person who made it (None: not hidden)."""
    owner = await session.get(m.User, submission.user_id) if submission.user_id is not None else None
    if owner is None:
        return None
    return (await audience_for(session, owner, submission)).results_hidden_until


async def hidden_submission_ids(
    session: AsyncSession, viewer: m.User, *, now: datetime | None = None
) -> Select[tuple[UUID]]:
    """The viewer's own assessment submissions whose results are hidden from them now (so that filtering a list by
    verdict cannot reveal a hidden verdict)."""
    moment = now or utcnow()
    rows = (
        await session.execute(
            select(m.Assessment)
            .join(m.AssessmentAttempt, m.AssessmentAttempt.assessment_id == m.Assessment.id)
            .where(m.AssessmentAttempt.user_id == viewer.id)
        )
    ).scalars()
    teaches: set[UUID] = set()
    if viewer.role is not m.Role.ADMIN:
        teaches = set(await session.scalars(staff_course_ids(viewer.id)))
    hidden = [
        a.id
        for a in rows
        if assessment_audience(
            a, moment, staff=viewer.role is m.Role.ADMIN or a.course_id in teaches
        ).results_hidden_until
        is not None
    ]
    return (
        select(m.AssessmentSubmission.submission_id)
        .join(m.AssessmentAttempt, m.AssessmentAttempt.id == m.AssessmentSubmission.attempt_id)
        .where(m.AssessmentAttempt.user_id == viewer.id, m.AssessmentAttempt.assessment_id.in_(hidden))
    )
