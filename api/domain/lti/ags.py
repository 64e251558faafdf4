"""LTI Assignment and Grade Services: grade pass-back. When an assessment's grades are released and its scores are
visible to students, every student with an LTI user link whose assessment has a line item (recorded at launch) gets
a grade-sync row (pending); a background job posts the score (0..100, as the gradebook computes it) to the
platform through pylti1p3's AssignmentsGradesService, retrying with backoff. A withdrawn release sends nothing more."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

import requests
from arq import cron
from arq.worker import func
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import models as m
from api.domain.assessments.rules import scores_visible, submitted_as_of
from api.domain.assessments.services import utcnow
from api.domain.assessments.taking import AttemptService
from api.domain.grading.scores import grades_released
from api.domain.lti.keys import active_key, public_pem

__all__ = [
    "SEND_GRADE",
    "ags_cron_jobs",
    "ags_functions",
    "connector",
    "due_syncs",
    "queue_grade_syncs",
    "registration",
    "retry_failed",
    "send_due_grades",
    "send_grade",
]

SEND_GRADE: Final = "lti_send_grade"
MAX_ATTEMPTS: Final = 6
LMS_TIMEOUT_S: Final = (5.0, 30.0)  # connect, read: an LMS that hangs must not hold a worker thread for ever
SCORE_SCOPES: Final = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failures: 30 s, 1, 2, 4 ... min, at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class _Target:
    platform: m.LtiPlatform
    subject: str
    line_item_url: str


async def _target(session: AsyncSession, user_id: UUID, assessment_id: UUID) -> _Target | None:
    """The platform, the user's sub there and the line item of this assessment on it (None: nothing to send to)."""
    row = (
        await session.execute(
            select(m.LtiPlatform, m.LtiUserLink.subject, m.LtiLineItem.line_item_url)
            .join(m.LtiUserLink, m.LtiUserLink.platform_id == m.LtiPlatform.id)
            .join(m.LtiResourceLink, m.LtiResourceLink.platform_id == m.LtiPlatform.id)
            .join(m.LtiLineItem, m.LtiLineItem.resource_link_id == m.LtiResourceLink.id)
            .where(
                m.LtiUserLink.user_id == user_id,
                m.LtiLineItem.assessment_id == assessment_id,
                m.LtiPlatform.enabled.is_(True),
            )
            .order_by(m.LtiLineItem.updated_at.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _Target(row[0], row[1], row[2])


async def _visible(session: AsyncSession, assessment: m.Assessment, now: datetime) -> bool:
    return await grades_released(session, assessment.id) and scores_visible(assessment, now, staff=False)


async def queue_grade_syncs(
    session: AsyncSession, assessment: m.Assessment, now: datetime, *, only_missing: bool = False
) -> list[UUID]:
    """Pending grade-sync rows for every linked student of the course (ids of the rows to send now);
    ``only_missing``: rows that exist already are left as they are."""
    if not await _visible(session, assessment, now):
        return []
    students = await session.scalars(
        select(m.CourseMembership.user_id).where(
            m.CourseMembership.course_id == assessment.course_id, m.CourseMembership.role == m.CourseRole.STUDENT
        )
    )
    out: list[UUID] = []
    for user_id in list(students):
        if await _target(session, user_id, assessment.id) is None:
            continue
        row = await session.scalar(
            select(m.LtiGradeSync).where(
                m.LtiGradeSync.user_id == user_id, m.LtiGradeSync.assessment_id == assessment.id
            )
        )
        if row is not None and only_missing:
            continue
        if row is None:
            row = m.LtiGradeSync(user_id=user_id, assessment_id=assessment.id, attempts=0, last_error="")
            session.add(row)
        row.status = m.LtiGradeSyncStatus.PENDING
        row.next_retry_at = now
        await session.flush()
        out.append(row.id)
    return out


async def _score(
    session: AsyncSession, assessment: m.Assessment, user_id: UUID, now: datetime
) -> tuple[float | None, bool]:
    """The student's score out of 100 as the gradebook shows it (None: no attempt, nothing to grade) and whether the
    attempt counts as handed in (at its deadline, if one passed)."""
    attempts = AttemptService(session, lambda: now)
    attempt = await session.scalar(
        select(m.AssessmentAttempt).where(
            m.AssessmentAttempt.assessment_id == assessment.id, m.AssessmentAttempt.user_id == user_id
        )
    )
    if attempt is None:
        return None, False
    value = (await attempts.score_of(assessment, attempt, await attempts.questions(assessment.id)))[0]
    handed_in = submitted_as_of(attempt.submitted_at, attempt.deadline, now) is not None
    return float(value or 0.0), handed_in


def registration(platform: m.LtiPlatform, private_pem: str, public: str) -> Registration:
    """The platform as pylti1p3 sees it, with the tool's key (for the client-credentials token assertion)."""
    reg = Registration()
    reg.set_issuer(platform.issuer)
    reg.set_client_id(platform.client_id)
    reg.set_auth_login_url(platform.auth_login_url)
    reg.set_auth_token_url(platform.auth_token_url)
    reg.set_key_set_url(platform.key_set_url)
    reg.set_tool_private_key(private_pem)
    reg.set_tool_public_key(public)
    return reg


class _BoundedSession(requests.Session):
    """pylti1p3 calls the LMS without a timeout; every request of this session has one."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", LMS_TIMEOUT_S)
        return super().request(method, url, *args, **kwargs)


def connector(platform: m.LtiPlatform, private_pem: str, public: str) -> ServiceConnector:
    """pylti1p3's client for the platform's services (token by client-credentials assertion), with timeouts."""
    http = _BoundedSession()
    http.headers["User-Agent"] = "Verdict LTI tool"
    return ServiceConnector(registration(platform, private_pem, public), requests_session=http)


def _post(platform: m.LtiPlatform, private_pem: str, public: str, target: _Target, grade: Grade) -> None:
    """The HTTP part, done by pylti1p3 (token by client-credentials assertion, then the score POST)."""
    service = AssignmentsGradesService(
        connector(platform, private_pem, public), {"scope": list(SCORE_SCOPES), "lineitem": target.line_item_url}
    )
    service.put_grade(grade)


async def send_grade(session: AsyncSession, sync_id: UUID, now: datetime | None = None) -> m.LtiGradeSyncStatus | None:
    """Try to send one row's grade; the row records the outcome (sent, or pending/failed with the next try)."""
    now = now or utcnow()
    row = await session.get(m.LtiGradeSync, sync_id)
    if row is None or row.status == m.LtiGradeSyncStatus.SENT:
        return None if row is None else row.status
    assessment = await session.get(m.Assessment, row.assessment_id)
    target = await _target(session, row.user_id, row.assessment_id)
    if assessment is None or target is None or not await _visible(session, assessment, now):
        row.next_retry_at = None
        row.last_error = "grades not released or not visible: nothing sent"
        await session.flush()
        return row.status
    score, handed_in = await _score(session, assessment, row.user_id, now)
    grade = Grade().set_timestamp(now.strftime("%Y-%m-%dT%H:%M:%S.000Z")).set_user_id(target.subject)
    if score is None:  # never started: the LMS shows no grade, as Verdict's gradebook does (not a 0)
        grade.set_activity_progress("Initialized").set_grading_progress("NotReady")
    else:
        grade.set_score_given(round(score, 2)).set_score_maximum(100).set_grading_progress("FullyGraded")
        grade.set_activity_progress("Completed" if handed_in else "InProgress")
    key = await active_key(session)
    row.attempts += 1
    try:
        await asyncio.to_thread(_post, target.platform, key.private_pem, public_pem(key), target, grade)
    except Exception as exc:
        row.last_error = str(exc)[:2000] or type(exc).__name__
        row.status = m.LtiGradeSyncStatus.FAILED if row.attempts >= MAX_ATTEMPTS else m.LtiGradeSyncStatus.PENDING
        row.next_retry_at = None if row.attempts >= MAX_ATTEMPTS else now + backoff(row.attempts)
    else:
        row.status = m.LtiGradeSyncStatus.SENT
        row.last_error = ""
        row.next_retry_at = None
    await session.flush()
    return row.status


async def due_syncs(session: AsyncSession, now: datetime) -> list[UUID]:
    rows = await session.scalars(
        select(m.LtiGradeSync.id).where(
            m.LtiGradeSync.status == m.LtiGradeSyncStatus.PENDING,
            m.LtiGradeSync.next_retry_at.is_not(None),
            m.LtiGradeSync.next_retry_at <= now,
        )
    )
    return list(rows)


async def send_grade_job(ctx: dict[str, Any], sync_id: str) -> str:
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    async with sessions() as session:
        status = await send_grade(session, UUID(sync_id))
        await session.commit()
    return str(status)


def ags_functions() -> list[Any]:
    return [func(send_grade_job, name=SEND_GRADE, max_tries=1, timeout=120, keep_result=600)]


async def send_due_grades(ctx: dict[str, Any]) -> int:
    """The retry sweep: every pending row whose next try is due is sent (one session each). Answers how many."""
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    async with sessions() as session:
        # released assessments whose scores became visible later (after the due time) get their rows now
        released = await session.scalars(
            select(m.Assessment)
            .join(m.GradeRelease, m.GradeRelease.assessment_id == m.Assessment.id)
            .where(m.Assessment.id.in_(select(m.LtiLineItem.assessment_id)))
        )
        for assessment in list(released):
            await queue_grade_syncs(session, assessment, utcnow(), only_missing=True)
        await session.commit()
        due = await due_syncs(session, utcnow())
    for sync_id in due:
        async with sessions() as session:
            await send_grade(session, sync_id)
            await session.commit()
    return len(due)


async def retry_failed(session: AsyncSession, course_id: UUID, now: datetime) -> int:
    """Course staff's "retry failed now": failed rows of the course go back to pending, due now, attempts reset."""
    rows = await session.scalars(
        select(m.LtiGradeSync)
        .join(m.Assessment, m.Assessment.id == m.LtiGradeSync.assessment_id)
        .where(m.Assessment.course_id == course_id, m.LtiGradeSync.status == m.LtiGradeSyncStatus.FAILED)
    )
    count = 0
    for row in rows:
        row.status = m.LtiGradeSyncStatus.PENDING
        row.attempts = 0
        row.next_retry_at = now
        count += 1
    await session.flush()
    return count


def ags_cron_jobs() -> list[Any]:
    return [cron(send_due_grades, second={15, 45}, unique=True, timeout=300)]
