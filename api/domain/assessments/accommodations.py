"""Per-student accommodations: extra time (minutes, percent of the time limit), another window, and reopening a
handed-in attempt. Changing an accommodation moves the deadline of an attempt in progress at once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments import schemas
from api.domain.assessments.rules import InvalidInputError, attempt_deadline
from api.domain.courses.access import CourseAccess
from api.domain.courses.audit import audit

__all__ = [
    "accommodation_of",
    "accommodation_view",
    "delete_accommodation",
    "list_accommodations",
    "reopen",
    "set_accommodation",
]


def accommodation_view(row: m.AssessmentAccommodation) -> schemas.Accommodation:
    return schemas.Accommodation(
        user_id=row.user_id,
        extra_minutes=row.extra_minutes,
        extra_percent=row.extra_percent,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
    )


async def accommodation_of(
    session: AsyncSession, assessment_id: UUID, user_id: UUID
) -> m.AssessmentAccommodation | None:
    row: m.AssessmentAccommodation | None = await session.scalar(
        select(m.AssessmentAccommodation).where(
            m.AssessmentAccommodation.assessment_id == assessment_id, m.AssessmentAccommodation.user_id == user_id
        )
    )
    return row


async def _attempt(session: AsyncSession, assessment_id: UUID, user_id: UUID) -> m.AssessmentAttempt | None:
    attempt: m.AssessmentAttempt | None = await session.scalar(
        select(m.AssessmentAttempt).where(
            m.AssessmentAttempt.assessment_id == assessment_id, m.AssessmentAttempt.user_id == user_id
        )
    )
    return attempt


async def list_accommodations(session: AsyncSession, assessment: m.Assessment) -> list[schemas.Accommodation]:
    rows = await session.scalars(
        select(m.AssessmentAccommodation)
        .where(m.AssessmentAccommodation.assessment_id == assessment.id)
        .order_by(m.AssessmentAccommodation.created_at)
    )
    return [accommodation_view(r) for r in rows]


async def set_accommodation(
    session: AsyncSession,
    access: CourseAccess,
    assessment: m.Assessment,
    user_id: UUID,
    data: schemas.AccommodationSet,
) -> m.AssessmentAccommodation:
    member = await session.scalar(
        select(m.CourseMembership.id).where(
            m.CourseMembership.course_id == access.course.id, m.CourseMembership.user_id == user_id
        )
    )
    if member is None:
        raise NotFoundError("no such person in this course")
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise InvalidInputError(
            "closesAt: the closing time is not after the opening time",
            errors=[{"key": "closesAt", "message": "not after the opening time"}],
        )
    row = await accommodation_of(session, assessment.id, user_id)
    if row is None:
        row = m.AssessmentAccommodation(assessment_id=assessment.id, user_id=user_id)
        session.add(row)
    row.extra_minutes, row.extra_percent = data.extra_minutes, data.extra_percent
    row.opens_at, row.closes_at = data.opens_at, data.closes_at
    attempt = await _attempt(session, assessment.id, user_id)
    if attempt is not None and attempt.submitted_at is None:
        attempt.deadline = attempt_deadline(assessment, attempt.started_at, row)
    audit(
        session,
        access.course.id,
        access.user,
        "accommodation_set",
        assessment_id=assessment.id,
        user_id=user_id,
        extra_minutes=data.extra_minutes,
        extra_percent=data.extra_percent,
    )
    await session.flush()
    return row


async def delete_accommodation(
    session: AsyncSession, access: CourseAccess, assessment: m.Assessment, user_id: UUID
) -> None:
    row = await accommodation_of(session, assessment.id, user_id)
    if row is None:
        raise NotFoundError("this student has no accommodation here")
    await session.delete(row)
    attempt = await _attempt(session, assessment.id, user_id)
    if attempt is not None and attempt.submitted_at is None:
        attempt.deadline = attempt_deadline(assessment, attempt.started_at, None)
    audit(session, access.course.id, access.user, "accommodation_removed", assessment_id=assessment.id, user_id=user_id)
    await session.flush()


async def reopen(
    session: AsyncSession, access: CourseAccess, assessment: m.Assessment, user_id: UUID, now: datetime
) -> m.AssessmentAttempt:
    """Reopen a handed-in attempt: its answers stay and the time limit (with extra time) runs again from now, never
    past the student's closing time (after the close, give them another window first)."""
    attempt = await _attempt(session, assessment.id, user_id)
    if attempt is None:
        raise NotFoundError("this student has not started this assessment")
    accommodation = await accommodation_of(session, assessment.id, user_id)
    attempt.submitted_at = None
    attempt.started_at = now
    attempt.deadline = attempt_deadline(assessment, now, accommodation)
    audit(session, access.course.id, access.user, "attempt_reopened", assessment_id=assessment.id, user_id=user_id)
    await session.flush()
    return attempt
