"""Where the rest of the platform tells people things: a submission judged (the api-tasks worker, after recording
the report), an assessment published or its grades released (the assessments service), deadlines within 24 hours
and the e-mail digest (api-tasks cron jobs)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import models as m
from api.domain.assessments.rules import in_audience, scores_visible
from api.domain.notifications.services import NotificationService, notify
from api.lib.mail import Mailer
from api.lib.timeutil import utcnow

__all__ = [
    "DEADLINE_WINDOW",
    "assessment_published",
    "grades_released_notice",
    "notify_deadlines",
    "regrade_resolved_notice",
    "send_digests",
    "submission_judged",
]

logger = logging.getLogger("verdict.notifications")
DEADLINE_WINDOW: Final = timedelta(hours=24)
DIGEST_LOOKBACK: Final = timedelta(days=2)


async def submission_judged(sessions: async_sessionmaker[AsyncSession], submission: m.Submission) -> None:
    """The author's notification (best effort: a failure here never fails recording the report). Inside an
    assessment the verdict is left out: what the student may see there is the assessment's page to say."""
    if submission.user_id is None or submission.kind is m.SubmissionKind.RUN:
        return
    try:
        async with sessions() as session:
            problem = await session.get(m.Problem, submission.problem_id) if submission.problem_id else None
            in_assessment = await session.scalar(
                select(m.AssessmentSubmission.id).where(m.AssessmentSubmission.submission_id == submission.id)
            )
            name = problem.title if problem else "your submission"
            title = f"{name}: judged" if in_assessment else f"{name}: {submission.verdict or 'judged'}"
            await notify(
                session,
                [submission.user_id],
                kind=m.NotificationKind.SUBMISSION_JUDGED,
                title=title,
                link=f"/submissions/{submission.id}",
                dedupe_key=f"judged:{submission.id}:{submission.attempt}",
            )
            await session.commit()
    except Exception:
        logger.exception("notifying the judgement of %s failed", submission.id)


async def _audience(session: AsyncSession, assessment: m.Assessment) -> list[m.CourseMembership]:
    members = await session.scalars(
        select(m.CourseMembership).where(
            m.CourseMembership.course_id == assessment.course_id, m.CourseMembership.role == m.CourseRole.STUDENT
        )
    )
    return [member for member in members if in_audience(assessment, member)]


async def assessment_published(
    session: AsyncSession, assessment: m.Assessment, *, was_published: bool, scores_were_published: bool
) -> None:
    """Called by the assessments service after a publish change, in its transaction."""
    link = f"/courses/{assessment.course_id}/assessments/{assessment.id}"
    if assessment.published and not was_published:
        due = f" Due {assessment.due_at:%Y-%m-%d %H:%M} UTC." if assessment.due_at else ""
        await notify(
            session,
            [member.user_id for member in await _audience(session, assessment)],
            kind=m.NotificationKind.NEW_ASSESSMENT,
            title=f"New: {assessment.title}",
            body=due.strip(),
            link=link,
            course_id=assessment.course_id,
            dedupe_key=f"published:{assessment.id}",
        )
    if assessment.scores_published and not scores_were_published:
        await notify(
            session,
            [member.user_id for member in await _audience(session, assessment)],
            kind=m.NotificationKind.GRADE_RELEASED,
            title=f"Grades released: {assessment.title}",
            link=link,
            course_id=assessment.course_id,
        )


async def grades_released_notice(session: AsyncSession, assessment: m.Assessment, now: datetime) -> None:
    """Called by grading when staff release an assessment's grades, in its transaction. Students are told only when
    they can see the grades now (an assessment showing scores after its due time tells nobody before it)."""
    if not scores_visible(assessment, now, staff=False):
        return
    await notify(
        session,
        [member.user_id for member in await _audience(session, assessment)],
        kind=m.NotificationKind.GRADE_RELEASED,
        title=f"Grades released: {assessment.title}",
        link=f"/courses/{assessment.course_id}/assessments/{assessment.id}",
        course_id=assessment.course_id,
        dedupe_key=f"released:{assessment.id}",
    )


async def regrade_resolved_notice(session: AsyncSession, request: m.RegradeRequest, assessment: m.Assessment) -> None:
    """Called by grading when staff resolve a regrade request: its author hears the outcome."""
    before, after = request.score_before, request.score_after
    change = f" Score {before:g} → {after:g}." if before is not None and after is not None and before != after else ""
    await notify(
        session,
        [request.student_id],
        kind=m.NotificationKind.REGRADE_RESOLVED,
        title=f"Regrade resolved: {assessment.title}",
        body=f"{request.outcome}{change}"[:1000],
        link=f"/courses/{assessment.course_id}/assessments/{assessment.id}",
        course_id=assessment.course_id,
        dedupe_key=f"regrade:{request.id}",
    )


async def notify_deadlines(session: AsyncSession, now: datetime | None = None) -> int:
    """Tell each student of a published assessment due within 24 hours, who has not handed it in, once."""
    now = now or utcnow()
    assessments = await session.scalars(
        select(m.Assessment).where(
            m.Assessment.published.is_(True),
            m.Assessment.due_at.is_not(None),
            m.Assessment.due_at > now,
            m.Assessment.due_at <= now + DEADLINE_WINDOW,
        )
    )
    sent = 0
    for assessment in assessments:
        finished = set(
            await session.scalars(
                select(m.AssessmentAttempt.user_id).where(
                    m.AssessmentAttempt.assessment_id == assessment.id, m.AssessmentAttempt.submitted_at.is_not(None)
                )
            )
        )
        people = [member.user_id for member in await _audience(session, assessment) if member.user_id not in finished]
        hours = max(1, round((assessment.due_at - now).total_seconds() / 3600)) if assessment.due_at else 24
        rows = await notify(
            session,
            people,
            kind=m.NotificationKind.DEADLINE_SOON,
            title=f"{assessment.title} is due in about {hours} hour{'s' if hours != 1 else ''}",
            link=f"/courses/{assessment.course_id}/assessments/{assessment.id}",
            course_id=assessment.course_id,
            dedupe_key=f"deadline:{assessment.id}",
        )
        sent += len(rows)
    return sent


async def send_digests(session: AsyncSession, mailer: Mailer, now: datetime | None = None) -> int:
    """One e-mail per person with the notifications of the kinds they want mailed, not mailed before."""
    now = now or utcnow()
    due = await NotificationService(session).digest_due(now - DIGEST_LOOKBACK)
    if not due:
        return 0
    users = {u.id: u for u in await session.scalars(select(m.User).where(m.User.id.in_(list(due))))}
    mails = []
    for user_id, rows in due.items():
        user = users.get(user_id)
        if user is None:
            continue
        items: list[dict[str, Any]] = [{"title": r.title, "link": r.link} for r in rows]
        mails.append(
            mailer.render(
                "notification_digest",
                to=user.email,
                subject=f"Verdict: {len(items)} new notification{'s' if len(items) != 1 else ''}",
                context={"display_name": user.display_name, "items": items},
            )
        )
        for row in rows:
            row.emailed_at = now
    await mailer.send_many(mails)
    await session.commit()
    return len(mails)
