"""``CourseAccess``: the one place that resolves what the caller may do in a course.

Every course-scoped route carries :func:`requires_course_role` (a guard). It signs the caller in (the rules of
:func:`~api.domain.accounts.guards.requires_active_user`), loads the course named by the ``course_id`` path
parameter, resolves the caller's course role (admins are treated as instructors of every course) and refuses with
403 when the role is not among the route's. Handlers read the result as the ``course_access`` dependency::

    @get("/{course_id:uuid}/people", guards=[requires_course_role(*STAFF)])
    async def people(self, course_access: NamedDependency[CourseAccess]) -> ...

Queries that must show only what the caller's courses allow use :func:`member_course_ids`,
:func:`staff_course_ids` and :func:`visible_problem_clause`.

Course-scoped staff on the platform-wide routes (``/api/submissions``, ``/api/users``, the submission and user
pages, a problem's submission list): an admin sees everyone and every submission; anyone else (a platform
instructor too) sees themselves, and the people and submissions of the courses they teach (instructor or TA):
:func:`visible_submission_clause`, :func:`taught_user_ids`, :func:`ensure_can_view_user`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import ColumnElement, Select, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.auth import _db_config
from api.domain.accounts.guards import Guard, requires_active_user
from api.lib.exceptions import NotAuthenticatedError, PermissionDeniedError

__all__ = [
    "ANY_MEMBER",
    "STAFF",
    "CourseAccess",
    "course_access_from",
    "course_problem_ids",
    "course_roles_of",
    "course_staff_sees_submission",
    "ensure_can_view_user",
    "may_see_private_problem",
    "member_course_ids",
    "requires_course_role",
    "resolve_access",
    "shared_course_of",
    "staff_course_ids",
    "taught_user_ids",
    "visible_problem_clause",
    "visible_submission_clause",
]


Connection = ASGIConnection[Any, Any, Any, Any]
STAFF: Final = (m.CourseRole.INSTRUCTOR, m.CourseRole.TA)
ANY_MEMBER: Final = (m.CourseRole.INSTRUCTOR, m.CourseRole.TA, m.CourseRole.STUDENT)
_STATE_KEY: Final = "verdict_course_access"
_ROLES_ATTR: Final = "__verdict_course_roles__"


@dataclass(frozen=True)
class CourseAccess:
    """The caller, the course, and the caller's role in it (None: not a member; an admin still has ``is_admin``)."""

    user: m.User
    course: m.Course
    role: m.CourseRole | None
    membership: m.CourseMembership | None

    @property
    def is_admin(self) -> bool:
        return self.user.role is m.Role.ADMIN

    @property
    def effective_role(self) -> m.CourseRole | None:
        """Admins act as instructors of every course."""
        return m.CourseRole.INSTRUCTOR if self.is_admin else self.role

    @property
    def is_staff(self) -> bool:
        return self.effective_role in STAFF

    @property
    def is_instructor(self) -> bool:
        return self.effective_role is m.CourseRole.INSTRUCTOR

    def allows(self, roles: tuple[m.CourseRole, ...]) -> bool:
        return self.effective_role in roles


async def resolve_access(session: AsyncSession, user: m.User, course_id: UUID) -> CourseAccess | None:
    """The caller's access to the course, or None when there is no such course."""
    course = await session.get(m.Course, course_id)
    if course is None:
        return None
    membership = await session.scalar(
        select(m.CourseMembership).where(
            m.CourseMembership.course_id == course_id, m.CourseMembership.user_id == user.id
        )
    )
    return CourseAccess(user=user, course=course, role=membership.role if membership else None, membership=membership)


def requires_course_role(*roles: m.CourseRole) -> Guard:
    """A guard: signed in, and a course role among ``roles`` in the course of the path (admins: always)."""
    allowed = tuple(roles)

    async def guard(connection: Connection, handler: BaseRouteHandler) -> None:
        await requires_active_user(connection, handler)
        user = connection.scope.get("user")
        if not isinstance(user, m.User):  # pragma: no cover - requires_active_user has signed the caller in
            raise NotAuthenticatedError("sign in first")
        raw = connection.path_params.get("course_id")
        if raw is None:  # pragma: no cover - a wiring mistake, caught by the route-guard matrix
            raise PermissionDeniedError("this route names no course")
        session = _db_config(connection).provide_session(connection.app.state, connection.scope)
        access = await resolve_access(session, user, raw if isinstance(raw, UUID) else UUID(str(raw)))
        if access is None:
            raise PermissionDeniedError("no such course, or you are not a member of it")
        if not access.allows(allowed):
            if access.role is None and not access.is_admin:
                raise PermissionDeniedError("you are not a member of this course")
            raise PermissionDeniedError(f"only the course's {' or '.join(_names(allowed))} may do this")
        connection.scope.setdefault("state", {})[_STATE_KEY] = access

    guard.__name__ = guard.__qualname__ = f"requires_course_role({','.join(r.value for r in allowed)})"
    setattr(guard, _ROLES_ATTR, allowed)
    return guard


def course_roles_of(handler: BaseRouteHandler) -> tuple[m.CourseRole, ...] | None:
    """The course roles a route admits (None: not a course-scoped route)."""
    for guard in handler.resolve_guards():
        roles = getattr(guard, _ROLES_ATTR, None)
        if roles is not None:
            return tuple(roles)
    return None


def course_access_from(connection: Connection) -> CourseAccess:
    access = connection.scope.get("state", {}).get(_STATE_KEY)
    if not isinstance(access, CourseAccess):  # pragma: no cover - the route lacks requires_course_role
        raise PermissionDeniedError("this route does not check course roles")
    return access


def _names(roles: tuple[m.CourseRole, ...]) -> list[str]:
    labels = {
        m.CourseRole.INSTRUCTOR: "instructors",
        m.CourseRole.TA: "teaching assistants",
        m.CourseRole.STUDENT: "students",
    }
    return [labels[r] for r in roles]


def member_course_ids(user_id: UUID, roles: tuple[m.CourseRole, ...] = ANY_MEMBER) -> Select[tuple[UUID]]:
    return select(m.CourseMembership.course_id).where(
        m.CourseMembership.user_id == user_id, m.CourseMembership.role.in_(roles)
    )


def staff_course_ids(user_id: UUID) -> Select[tuple[UUID]]:
    return member_course_ids(user_id, STAFF)


def visible_problem_clause(user: m.User) -> ColumnElement[bool]:
    """Library problems, and course-private problems of the caller's courses (admins: all)."""
    if user.role is m.Role.ADMIN:
        return m.Problem.course_id.is_(None) | m.Problem.course_id.is_not(None)
    return or_(m.Problem.course_id.is_(None), m.Problem.course_id.in_(member_course_ids(user.id)))


async def may_see_private_problem(session: AsyncSession, user: m.User, problem: m.Problem) -> bool:
    """A library problem: yes (other rules apply); a course-private one: only the course's members and admins."""
    if problem.course_id is None or user.role is m.Role.ADMIN:
        return True
    found = await session.scalar(
        member_course_ids(user.id).where(m.CourseMembership.course_id == problem.course_id).limit(1)
    )
    return found is not None


def course_problem_ids(course_id: UUID) -> Select[tuple[UUID]]:
    """The problems of a course: those attached to it (private ones are attached when created)."""
    return select(m.CourseProblem.problem_id).where(m.CourseProblem.course_id == course_id)


async def course_staff_sees_submission(session: AsyncSession, viewer: m.User, submission: m.Submission) -> bool:
    """Whether ``viewer`` is staff (instructor or TA) of a course that has both the submitter and the problem."""
    return await shared_course_of(session, viewer, submission) is not None


async def shared_course_of(session: AsyncSession, viewer: m.User, submission: m.Submission) -> UUID | None:
    """A course ``viewer`` teaches (instructor or TA) with the submitter in it and the problem in its set."""
    if submission.user_id is None or submission.problem_id is None:
        return None
    viewer_courses = staff_course_ids(viewer.id).subquery()
    found: UUID | None = await session.scalar(
        select(m.CourseMembership.course_id)
        .join(viewer_courses, viewer_courses.c.course_id == m.CourseMembership.course_id)
        .join(
            m.CourseProblem,
            (m.CourseProblem.course_id == m.CourseMembership.course_id)
            & (m.CourseProblem.problem_id == submission.problem_id),
        )
        .where(m.CourseMembership.user_id == submission.user_id)
        .limit(1)
    )
    return found


def visible_submission_clause(viewer: m.User) -> ColumnElement[bool]:
    """Submissions ``viewer`` may see on the platform-wide routes: all for admins; otherwise their own and those
    of members of a course they teach, to a problem of that course's set (as :func:`shared_course_of`)."""
    if viewer.role is m.Role.ADMIN:
        return true()
    taught = (
        select(m.CourseMembership.course_id)
        .join(
            m.CourseProblem,
            (m.CourseProblem.course_id == m.CourseMembership.course_id)
            & (m.CourseProblem.problem_id == m.Submission.problem_id),
        )
        .where(
            m.CourseMembership.user_id == m.Submission.user_id,
            m.CourseMembership.course_id.in_(staff_course_ids(viewer.id)),
        )
        .correlate(m.Submission)
    )
    return or_(m.Submission.user_id == viewer.id, exists(taught))


def taught_user_ids(viewer_id: UUID) -> Select[tuple[UUID]]:
    """The people in the courses ``viewer_id`` teaches (instructor or TA), whatever their role there."""
    return select(m.CourseMembership.user_id).where(m.CourseMembership.course_id.in_(staff_course_ids(viewer_id)))


async def ensure_can_view_user(session: AsyncSession, viewer: m.User, target: m.User) -> None:
    """Admins see everyone; everyone sees themselves; course staff (instructors and TAs of a course) see the
    people of their courses. Anyone else: 403."""
    if viewer.id == target.id or viewer.role is m.Role.ADMIN:
        return
    found = await session.scalar(taught_user_ids(viewer.id).where(m.CourseMembership.user_id == target.id).limit(1))
    if found is None:
        raise PermissionDeniedError("you may not see this account")
