"""HTTP endpoints of the courses area (``/api/courses``). Thin: the guard resolves the course role, services decide.

Course-scoped routes carry :func:`~api.domain.courses.access.requires_course_role` with the course roles they admit;
platform admins pass every one of them.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from api.db import models as m
from api.domain.accounts.guards import requires_active_user, requires_instructor
from api.domain.courses import schemas
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, requires_course_role
from api.domain.courses.audit_log import AuditLog
from api.domain.courses.deps import COURSES_DEPENDENCIES
from api.domain.courses.services import CourseService
from api.domain.courses.views import view_of
from api.lib.ratelimit import RateLimiter, RateRule

__all__ = ["CourseController"]

_MEMBER = requires_course_role(*ANY_MEMBER)
_STAFF = requires_course_role(*STAFF)
_INSTRUCTOR = requires_course_role(m.CourseRole.INSTRUCTOR)
_JOIN_RULE = RateRule(name="course-join", limit=20, window_s=300, message="too many attempts to join a course")


class CourseController(Controller):
    """Courses: instructors and admins create them; members see them; their instructors change them."""

    path = "/api/courses"
    tags = ["courses"]
    dependencies = COURSES_DEPENDENCIES

    @get(operation_id="ListMyCourses", guards=[requires_active_user])
    async def list_courses(
        self,
        current_user: NamedDependency[m.User],
        courses_service: NamedDependency[CourseService],
        archived: Annotated[bool, QueryParameter(description="include archived courses")] = False,
    ) -> schemas.CoursePage:
        """The caller's courses with their role in each (admins: every course)."""
        rows = await courses_service.list_for(current_user, include_archived=archived)
        counts = await courses_service.counts([c.id for c, _ in rows])
        admin = current_user.role is m.Role.ADMIN
        items = [
            view_of(
                c,
                r,
                staff=admin or r in STAFF,
                members=counts.get(c.id, (0, 0))[0],
                problems=counts.get(c.id, (0, 0))[1],
            )
            for c, r in rows
        ]
        return schemas.CoursePage(items=items, total=len(items))

    @post(operation_id="CreateCourse", guards=[requires_instructor], status_code=HTTP_201_CREATED)
    async def create_course(
        self,
        data: JSONBody[schemas.CourseCreate],
        current_user: NamedDependency[m.User],
        courses_service: NamedDependency[CourseService],
    ) -> schemas.Course:
        """Create a course; its creator becomes its first instructor. A join code and an invite link are made."""
        course = await courses_service.create_course(current_user, data)
        return await courses_service.to_view(course, m.CourseRole.INSTRUCTOR, staff=True)

    @post("/join", operation_id="JoinCourse", guards=[requires_active_user], status_code=HTTP_200_OK)
    async def join_course(
        self,
        data: JSONBody[schemas.JoinRequest],
        current_user: NamedDependency[m.User],
        courses_service: NamedDependency[CourseService],
        rate_limiter: NamedDependency[RateLimiter],
    ) -> schemas.Course:
        """Join as a student with a join code or an invite link's secret. Wrong, expired and replaced codes
        answer 400 saying which; more than 20 tries in 5 minutes answer 429 (codes are not for guessing)."""
        await rate_limiter.enforce(_JOIN_RULE, str(current_user.id))
        course, membership = await courses_service.join(current_user, data)
        return await courses_service.to_view(course, membership.role, staff=membership.role in STAFF)

    @get("/{course_id:uuid}", operation_id="GetCourse", guards=[_MEMBER])
    async def get_course(
        self, course_access: NamedDependency[CourseAccess], courses_service: NamedDependency[CourseService]
    ) -> schemas.Course:
        return await courses_service.to_view(course_access.course, course_access.role, staff=course_access.is_staff)

    @patch("/{course_id:uuid}", operation_id="UpdateCourse", guards=[_INSTRUCTOR])
    async def update_course(
        self,
        data: JSONBody[schemas.CourseUpdate],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
    ) -> schemas.Course:
        course = await courses_service.update_course(course_access, data)
        return await courses_service.to_view(course, course_access.role, staff=True)

    @post("/{course_id:uuid}/archive", operation_id="ArchiveCourse", guards=[_INSTRUCTOR], status_code=HTTP_200_OK)
    async def archive_course(
        self, course_access: NamedDependency[CourseAccess], courses_service: NamedDependency[CourseService]
    ) -> schemas.Course:
        """Archive: the course stays readable to its members but takes no new members (PATCH archived=false undoes)."""
        course = await courses_service.update_course(course_access, schemas.CourseUpdate(archived=True))
        return await courses_service.to_view(course, course_access.role, staff=True)

    @delete("/{course_id:uuid}", operation_id="DeleteCourse", guards=[_INSTRUCTOR], status_code=HTTP_204_NO_CONTENT)
    async def delete_course(
        self, course_access: NamedDependency[CourseAccess], courses_service: NamedDependency[CourseService]
    ) -> None:
        """Delete the course with its memberships, groups, levels and private problems (submissions stay)."""
        await courses_service.delete_course(course_access)

    @post("/{course_id:uuid}/join-code", operation_id="RotateJoinCode", guards=[_INSTRUCTOR], status_code=HTTP_200_OK)
    async def rotate_join_code(
        self,
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        data: JSONBody[schemas.JoinCodeRotate | None] = None,
    ) -> schemas.Course:
        """A new join code (the old one stops working), with an optional expiry; ``disable`` switches codes off."""
        course = await courses_service.rotate_join_code(course_access, data or schemas.JoinCodeRotate())
        return await courses_service.to_view(course, course_access.role, staff=True)

    @post(
        "/{course_id:uuid}/invite-link", operation_id="RotateInviteLink", guards=[_INSTRUCTOR], status_code=HTTP_200_OK
    )
    async def rotate_invite(
        self, course_access: NamedDependency[CourseAccess], courses_service: NamedDependency[CourseService]
    ) -> schemas.Course:
        """A new invite link (``invitePath``); the old link stops working."""
        course = await courses_service.rotate_invite(course_access)
        return await courses_service.to_view(course, course_access.role, staff=True)

    @get("/{course_id:uuid}/audit", operation_id="CourseAuditLog", guards=[_STAFF])
    async def audit_log(
        self,
        *,
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
        action: Annotated[str | None, QueryParameter(max_length=40, description="one kind of change")] = None,
        actor_id: Annotated[UUID | None, QueryParameter(name="actorId", description="changes by this person")] = None,
    ) -> list[schemas.AuditEntry]:
        """Who changed what, newest first; filtered by kind of change and by who made it (course staff)."""
        log = AuditLog(courses_service.session, course_access.course.id)
        return await log.entries(action=action, actor_id=actor_id, limit=limit, offset=offset)

    @get("/{course_id:uuid}/audit.csv", operation_id="ExportCourseAuditLog", guards=[_STAFF], media_type="text/csv")
    async def export_audit_log(
        self,
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        action: Annotated[str | None, QueryParameter(max_length=40)] = None,
        actor_id: Annotated[UUID | None, QueryParameter(name="actorId")] = None,
    ) -> Response[str]:
        """The audit trail (with the same filters) as CSV: when, who, kind, what; no cell runs as a formula."""
        text = await AuditLog(courses_service.session, course_access.course.id).csv(action=action, actor_id=actor_id)
        filename = f"{course_access.course.code}-audit.csv".replace('"', "")
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
