"""Course pages: my courses (and joining by code), a new course, the join page of invite links, and a course's home
(description, problems, people count; staff also see the join code and invite link). Staff pages: people, roster
import and submissions (:mod:`api.pages.course_staff`). Data comes from the courses area; changes go through the API."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from api.db import models as m
from api.domain.accounts.guards import requires_instructor
from api.domain.assessments.services import AssessmentService
from api.domain.courses.access import ANY_MEMBER, CourseAccess, requires_course_role
from api.domain.courses.deps import COURSES_DEPENDENCIES
from api.domain.courses.services import CourseService
from api.domain.courses.structure import CourseStructure
from api.domain.courses.views import view_of
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page
from api.settings import Settings

__all__ = ["CoursePages"]


class CoursePages(Controller):
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = COURSES_DEPENDENCIES
    guards = [requires_signed_in_page]

    @get("/courses", name="page:courses")
    async def my_courses(
        self, current_user: NamedDependency[m.User], courses_service: NamedDependency[CourseService]
    ) -> Template:
        rows = await courses_service.list_for(current_user, include_archived=True)
        counts = await courses_service.counts([c.id for c, _ in rows])
        courses = [view_of(c, r, staff=False, members=counts[c.id][0], problems=counts[c.id][1]) for c, r in rows]
        return render_page(
            "courses/list.html.j2",
            user=current_user,
            nav="courses",
            title="My courses",
            courses=courses,
            can_create=current_user.role in (m.Role.INSTRUCTOR, m.Role.ADMIN),
        )

    @get("/courses/new", name="page:course-new", guards=[requires_instructor])
    async def new_course(self, current_user: NamedDependency[m.User]) -> Template:
        return render_page("courses/new.html.j2", user=current_user, nav="courses", title="New course")

    @get("/courses/join", name="page:course-join")
    async def join(
        self,
        current_user: NamedDependency[m.User],
        invite: Annotated[str | None, QueryParameter(max_length=128)] = None,
        code: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> Template:
        """The page an invite link opens (signed out: after signing in), or a join-code form."""
        return render_page(
            "courses/join.html.j2", user=current_user, nav="courses", title="Join a course", invite=invite, code=code
        )

    @get("/courses/{course_id:uuid}", name="page:course", guards=[requires_course_role(*ANY_MEMBER)])
    async def course_home(
        self,
        course_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        course_structure: NamedDependency[CourseStructure],
        settings: NamedDependency[Settings],
    ) -> Template:
        staff = course_access.is_staff
        course = await courses_service.to_view(course_access.course, course_access.role, staff=staff)
        problems = await course_structure.problems(course_id, include_drafts=staff)
        counts = {role.value: 0 for role in m.CourseRole}
        if staff:
            for member in await courses_service.members(course_id):
                counts[member.role.value] += 1
        assessments = await AssessmentService(course_structure.session).list_for(course_access)
        return render_page(
            "courses/show.html.j2",
            assessments=assessments,
            user=course_access.user,
            nav="courses",
            title=course.title,
            course=course,
            problems=problems,
            counts=counts,
            staff=staff,
            instructor=course_access.is_instructor,
            base_url=settings.base_url,
        )
