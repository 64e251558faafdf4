"""The grade-sync status of a course for its staff: one row per person and assessment (sent, pending, failed with
the last error), and "retry failed now"."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.services import utcnow
from api.domain.courses.access import STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.courses.audit import audit
from api.domain.courses.deps import COURSES_DEPENDENCIES
from api.domain.lti.ags import retry_failed
from api.domain.lti.nrps import RosterImport, import_roster
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["LtiSyncController", "LtiSyncPages", "sync_rows"]


class GradeSyncRow(msgspec.Struct, rename="camel"):
    user_id: UUID
    display_name: str
    email: str
    assessment_id: UUID
    assessment_title: str
    status: str
    attempts: int
    last_error: str
    next_retry_at: datetime | None
    updated_at: datetime


class RetryOutcome(msgspec.Struct, rename="camel"):
    requeued: int


async def sync_rows(session: AsyncSession, course_id: UUID) -> list[GradeSyncRow]:
    rows = await session.execute(
        select(m.LtiGradeSync, m.User, m.Assessment)
        .join(m.User, m.User.id == m.LtiGradeSync.user_id)
        .join(m.Assessment, m.Assessment.id == m.LtiGradeSync.assessment_id)
        .where(m.Assessment.course_id == course_id)
        .order_by(m.Assessment.title, m.User.display_name, m.User.email)
    )
    return [
        GradeSyncRow(
            user_id=u.id,
            display_name=u.display_name,
            email=u.email,
            assessment_id=a.id,
            assessment_title=a.title,
            status=str(s.status),
            attempts=s.attempts,
            last_error=s.last_error,
            next_retry_at=s.next_retry_at,
            updated_at=s.updated_at,
        )
        for s, u, a in rows.tuples()
    ]


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


_STAFF: Final = requires_course_role(*STAFF)


class LtiSyncController(Controller):
    path = "/api/courses/{course_id:uuid}/lti"
    tags = ["lti"]
    dependencies = {"course_access": Provide(provide_course_access, sync_to_thread=False)}
    guards = [_STAFF]

    @get("/grade-sync", operation_id="ListLtiGradeSync")
    async def list_sync(
        self, course_access: NamedDependency[CourseAccess], db_session: NamedDependency[AsyncSession]
    ) -> list[GradeSyncRow]:
        return await sync_rows(db_session, course_access.course.id)

    @post("/grade-sync/retry", operation_id="RetryLtiGradeSync", status_code=HTTP_200_OK)
    async def retry(
        self, course_access: NamedDependency[CourseAccess], db_session: NamedDependency[AsyncSession]
    ) -> RetryOutcome:
        """Failed rows go back to pending, due now (the worker's sweep sends them within 30 seconds)."""
        count = await retry_failed(db_session, course_access.course.id, utcnow())
        audit(db_session, course_access.course.id, course_access.user, "lti_grade_sync_retried", count=count)
        return RetryOutcome(requeued=count)

    @post("/roster-import", operation_id="ImportLtiRoster", status_code=HTTP_200_OK)
    async def roster_import(
        self, course_access: NamedDependency[CourseAccess], db_session: NamedDependency[AsyncSession]
    ) -> RosterImport:
        """Import the roster of the linked LMS contexts (NRPS): members created or linked, enrolled by role."""
        return await import_roster(db_session, course_access)


class LtiSyncPages(Controller):
    path = "/courses/{course_id:uuid}"
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = COURSES_DEPENDENCIES
    guards = [requires_signed_in_page, _STAFF]

    @get("/lti", name="page:course-lti")
    async def page(
        self, course_access: NamedDependency[CourseAccess], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        rows = await sync_rows(db_session, course_access.course.id)
        counts = {s.value: sum(1 for r in rows if r.status == s.value) for s in m.LtiGradeSyncStatus}
        return render_page(
            "lti/course_sync.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"LMS grade sync · {course_access.course.title}",
            course=course_access.course,
            rows=rows,
            counts=counts,
        )
