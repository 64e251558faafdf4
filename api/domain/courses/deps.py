"""Dependencies of the courses area: the services, and ``course_access`` (set by the route's course-role guard)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.courses.access import CourseAccess, course_access_from
from api.domain.courses.services import CourseService
from api.domain.courses.structure import CourseStructure

__all__ = ["COURSES_DEPENDENCIES"]


async def provide_courses_service(db_session: NamedDependency[AsyncSession]) -> AsyncGenerator[CourseService, None]:
    async with CourseService.new(session=db_session) as service:
        yield service


def provide_course_structure(db_session: NamedDependency[AsyncSession]) -> CourseStructure:
    return CourseStructure(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


COURSES_DEPENDENCIES: dict[str, Provide] = {
    "courses_service": Provide(provide_courses_service),
    "course_structure": Provide(provide_course_structure, sync_to_thread=False),
    "course_access": Provide(provide_course_access, sync_to_thread=False),
}
