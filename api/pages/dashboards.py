"""Dashboard pages: the student's own (``/dashboard``), a course's for its staff (``/courses/{id}/dashboard``) and
the admins' analytics (``/admin/analytics``). Each renders at once; web/static/js/charts.js then fetches the JSON
(api/domain/dashboards/) and draws the charts, so no aggregate delays the page."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from api.db import models as m
from api.domain.courses.access import STAFF, CourseAccess, requires_course_role
from api.domain.courses.deps import COURSES_DEPENDENCIES
from api.domain.dashboards.sqlparts import MAX_DAYS
from api.lib.exceptions import PermissionDeniedError
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["CourseDashboardPage", "DashboardPages"]

Days = Annotated[int, QueryParameter(ge=1, le=MAX_DAYS)]
InactiveDays = Annotated[int, QueryParameter(name="inactiveDays", ge=1, le=365)]


class DashboardPages(Controller):
    include_in_schema = False
    guards = [requires_signed_in_page]
    exception_handlers = SIGN_IN_REDIRECT

    @get("/dashboard", name="page:dashboard")
    async def mine(self, current_user: NamedDependency[m.User]) -> Template:
        return render_page("dashboards/student.html.j2", user=current_user, nav="dashboard", title="Dashboard")

    @get("/admin/analytics", name="page:admin-analytics")
    async def analytics(self, current_user: NamedDependency[m.User], days: Days = 30) -> Template:
        if current_user.role is not m.Role.ADMIN:
            raise PermissionDeniedError("only admins may see the analytics")
        return render_page(
            "dashboards/analytics.html.j2",
            user=current_user,
            nav="admin",
            tab="analytics",
            title="Analytics",
            days=days,
        )


class CourseDashboardPage(Controller):
    path = "/courses/{course_id:uuid}"
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = COURSES_DEPENDENCIES
    guards = [requires_signed_in_page, requires_course_role(*STAFF)]

    @get("/dashboard", name="page:course-dashboard")
    async def dashboard(
        self, course_access: NamedDependency[CourseAccess], days: Days = 30, inactive_days: InactiveDays = 7
    ) -> Template:
        return render_page(
            "dashboards/course.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Dashboard · {course_access.course.title}",
            course=course_access.course,
            days=days,
            inactive_days=inactive_days,
        )
