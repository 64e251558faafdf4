"""Course pages for its staff (instructors and TAs): people (roles, groups, levels; remove, re-role, bulk assign),
roster import (preview, then confirm), the audit trail (who changed what, when) and every submission of the
course, filterable, with a per-student view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from api.domain.courses.access import STAFF, CourseAccess, requires_course_role
from api.domain.courses.audit_log import AuditLog
from api.domain.courses.deps import COURSES_DEPENDENCIES
from api.domain.courses.services import CourseService
from api.domain.courses.structure import CourseStructure
from api.domain.problems.languages import VERDICT_LANGUAGES
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["CourseStaffPages"]

PAGE_SIZE: Final = 50
AUDIT_PAGE_SIZE: Final = 50
VERDICTS: Final = ("AC", "WA", "TLE", "MLE", "OLE", "RTE", "CE", "IE")


class CourseStaffPages(Controller):
    path = "/courses/{course_id:uuid}"
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = COURSES_DEPENDENCIES
    guards = [requires_signed_in_page, requires_course_role(*STAFF)]

    @get("/people", name="page:course-people")
    async def people(
        self,
        course_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        course_structure: NamedDependency[CourseStructure],
    ) -> Template:
        return render_page(
            "courses/people.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"People · {course_access.course.title}",
            course=course_access.course,
            members=await courses_service.members(course_id),
            groups=await course_structure.groups(course_id),
            levels=await course_structure.levels(course_id),
            instructor=course_access.is_instructor,
        )

    @get("/audit", name="page:course-audit")
    async def audit(
        self,
        *,
        course_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        kind: Annotated[str | None, QueryParameter(max_length=40)] = None,
        person: Annotated[str | None, QueryParameter(max_length=36)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        """The course's audit trail: who changed what and when, filtered by kind and person, a page at a time."""
        log = AuditLog(courses_service.session, course_id)
        action = kind or None
        actor = _uuid_or_none(person)
        total = await log.count(action=action, actor_id=actor)
        return render_page(
            "courses/audit.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Audit trail · {course_access.course.title}",
            course=course_access.course,
            entries=await log.entries(
                action=action, actor_id=actor, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE
            ),
            kinds=await log.kinds(),
            actors=await log.actors(),
            kind=action or "",
            person=str(actor) if actor else "",
            total=total,
            page_number=page,
            pages=max(1, -(-total // AUDIT_PAGE_SIZE)),
        )

    @get("/roster", name="page:course-roster")
    async def roster(self, course_access: NamedDependency[CourseAccess]) -> Template:
        return render_page(
            "courses/roster.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Import a roster · {course_access.course.title}",
            course=course_access.course,
        )

    @get("/submissions", name="page:course-submissions")
    async def submissions(
        self,
        *,
        course_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        course_structure: NamedDependency[CourseStructure],
        student: Annotated[UUID | None, QueryParameter()] = None,
        problem: Annotated[UUID | None, QueryParameter()] = None,
        verdict: Annotated[str | None, QueryParameter(max_length=8)] = None,
        language: Annotated[str | None, QueryParameter(max_length=32)] = None,
        since: Annotated[str | None, QueryParameter(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = None,
        until: Annotated[str | None, QueryParameter(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        members = await courses_service.members(course_id)
        chosen = verdict if verdict in VERDICTS else None
        items, total = await course_structure.submissions(
            course_id,
            user_id=student,
            problem_id=problem,
            verdict=chosen,
            language=language or None,
            since=datetime.fromisoformat(since) if since else None,
            until=datetime.fromisoformat(until) if until else None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        person = next((p for p in members if p.user_id == student), None)
        return render_page(
            "courses/submissions.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Submissions · {course_access.course.title}",
            course=course_access.course,
            submissions=items,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            members=members,
            person=person,
            problems=await course_structure.problems(course_id, include_drafts=True),
            verdicts=VERDICTS,
            languages=list(VERDICT_LANGUAGES),
            filters={
                "student": str(student) if student else "",
                "problem": str(problem) if problem else "",
                "verdict": chosen or "",
                "language": language or "",
                "since": since or "",
                "until": until or "",
            },
        )


def _uuid_or_none(value: str | None) -> UUID | None:
    """A filter's person id ("" from the form's "Anyone", or garbage: no filter)."""
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
