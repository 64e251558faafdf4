"""HTTP endpoints of the dashboards: JSON for the charts (the pages fetch them after they render) and CSV per table.
The student's own (``/api/dashboard``), a course's for its staff (``/api/courses/{id}/dashboard``) and the admins'
analytics (``/api/analytics``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, QueryParameter
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user, requires_admin
from api.domain.courses.access import STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.dashboards import schemas
from api.domain.dashboards.analytics import analytics_dashboard
from api.domain.dashboards.course import course_dashboard
from api.domain.dashboards.csvexport import ANALYTICS_TABLES, COURSE_TABLES, csv_response
from api.domain.dashboards.sqlparts import MAX_DAYS, DateRange
from api.domain.dashboards.student import student_dashboard

__all__ = ["DASHBOARD_CONTROLLERS", "AnalyticsController", "CourseDashboardController", "StudentDashboardController"]

Days = Annotated[int, QueryParameter(ge=1, le=MAX_DAYS, description="whole UTC days up to today")]
InactiveDays = Annotated[int, QueryParameter(name="inactiveDays", ge=1, le=365, description="at risk after this")]
Table = Annotated[str, PathParameter(max_length=40, pattern=r"^[a-z-]+\.csv$")]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


class StudentDashboardController(Controller):
    path = "/api/dashboard"
    tags = ["dashboards"]
    guards = [requires_active_user]

    @get(operation_id="MyDashboard", summary="What is due, scores over time, practice progress, recent submissions")
    async def mine(
        self, current_user: NamedDependency[m.User], db_session: NamedDependency[AsyncSession]
    ) -> schemas.StudentDashboard:
        """The caller's own dashboard. Scores appear only once the assessment's visibility rules show them."""
        return await student_dashboard(db_session, current_user, utcnow())


class CourseDashboardController(Controller):
    path = "/api/courses/{course_id:uuid}/dashboard"
    tags = ["dashboards"]
    guards = [requires_course_role(*STAFF)]
    dependencies = {"course_access": Provide(_provide_course_access, sync_to_thread=False)}

    async def _data(self, session: AsyncSession, access: CourseAccess, days: int, inactive: int) -> Any:
        now = utcnow()
        span = DateRange.ending(now.date(), days)
        return await course_dashboard(session, access.course, now=now, span=span, inactive_days=inactive)

    @get(operation_id="CourseDashboard", summary="Activity, assessment statistics, failing tests, students at risk")
    async def dashboard(
        self,
        course_access: NamedDependency[CourseAccess],
        db_session: NamedDependency[AsyncSession],
        days: Days = 30,
        inactive_days: InactiveDays = 7,
    ) -> schemas.CourseDashboard:
        """Staff of the course: the aggregates of its students' work (hidden tests included)."""
        data: schemas.CourseDashboard = await self._data(db_session, course_access, days, inactive_days)
        return data

    @get("/{table:str}", operation_id="CourseDashboardCsv", media_type="text/csv", summary="One table as CSV")
    async def table_csv(
        self,
        table: Table,
        course_access: NamedDependency[CourseAccess],
        db_session: NamedDependency[AsyncSession],
        days: Days = 30,
        inactive_days: InactiveDays = 7,
    ) -> Response[str]:
        """``activity``, ``assessments``, ``questions``, ``tests``, ``wrong-outputs`` or ``at-risk``, with ``.csv``."""
        name = table.removesuffix(".csv")
        if name not in COURSE_TABLES:
            raise NotFoundError(f"no table {name!r}: use one of {', '.join(COURSE_TABLES)}")
        data = await self._data(db_session, course_access, days, inactive_days)
        return csv_response(COURSE_TABLES[name], data, f"{course_access.course.code}-{name}.csv")


class AnalyticsController(Controller):
    path = "/api/analytics"
    tags = ["dashboards"]
    guards = [requires_admin]

    @get(operation_id="Analytics", summary="Active users, submissions by language and verdict, waits, judge use")
    async def analytics(
        self, db_session: NamedDependency[AsyncSession], redis: NamedDependency[Redis], days: Days = 30
    ) -> schemas.AnalyticsDashboard:
        return await analytics_dashboard(db_session, redis, DateRange.ending(utcnow().date(), days))

    @get("/{table:str}", operation_id="AnalyticsCsv", media_type="text/csv", summary="One table as CSV")
    async def table_csv(
        self, table: Table, db_session: NamedDependency[AsyncSession], redis: NamedDependency[Redis], days: Days = 30
    ) -> Response[str]:
        """``active-days``, ``active-weeks``, ``languages``, ``verdicts``, ``queue-wait``, ``judge`` or ``courses``."""
        name = table.removesuffix(".csv")
        if name not in ANALYTICS_TABLES:
            raise NotFoundError(f"no table {name!r}: use one of {', '.join(ANALYTICS_TABLES)}")
        data = await analytics_dashboard(db_session, redis, DateRange.ending(utcnow().date(), days))
        return csv_response(ANALYTICS_TABLES[name], data, f"analytics-{name}.csv")


DASHBOARD_CONTROLLERS: Final = (StudentDashboardController, CourseDashboardController, AnalyticsController)
