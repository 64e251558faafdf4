"""Community pages: notifications, a course's announcements, questions (and staff's view by test) and chat. The
pages' JavaScript (web/static/js/community.js, notifications.js) sends every change to the JSON API and follows the
live connection."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.announcements.services import AnnouncementService
from api.domain.chat.services import author_of
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.problems.services import testset_manifest
from api.domain.qa.services import QaService
from api.domain.submissions.views import Audience, case_views
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["CommunityPages"]

_MEMBER = requires_course_role(*ANY_MEMBER)
_STAFF = requires_course_role(*STAFF)


def _access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


class CommunityPages(Controller):
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    guards = [requires_signed_in_page]
    dependencies = {"course_access": Provide(_access, sync_to_thread=False)}

    @get("/notifications", name="page:notifications")
    async def notifications(self, current_user: NamedDependency[m.User]) -> Template:
        return render_page(
            "community/notifications.html.j2", user=current_user, nav="notifications", title="Notifications"
        )

    @get("/courses/{course_id:uuid}/announcements", name="page:announcements", guards=[_MEMBER])
    async def announcements(
        self, course_access: NamedDependency[CourseAccess], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        items = await AnnouncementService(db_session).list_for(course_access)
        return render_page(
            "community/announcements.html.j2",
            user=course_access.user,
            nav="courses",
            course=course_access.course,
            staff=course_access.is_staff,
            announcements=items,
        )

    @get("/courses/{course_id:uuid}/chat", name="page:chat", guards=[_MEMBER])
    async def chat(
        self,
        course_access: NamedDependency[CourseAccess],
        db_session: NamedDependency[AsyncSession],
        room: Annotated[UUID | None, QueryParameter()] = None,
    ) -> Template:
        people = await db_session.scalars(
            select(m.User)
            .join(m.CourseMembership, m.CourseMembership.user_id == m.User.id)
            .where(m.CourseMembership.course_id == course_access.course.id, m.User.id != course_access.user.id)
            .order_by(m.User.display_name)
        )
        return render_page(
            "community/chat.html.j2",
            user=course_access.user,
            nav="courses",
            course=course_access.course,
            staff=course_access.is_staff,
            people=[author_of(p) for p in people],
            room_id=room,
        )

    @get("/courses/{course_id:uuid}/questions", name="page:questions", guards=[_MEMBER])
    async def questions(
        self,
        course_access: NamedDependency[CourseAccess],
        db_session: NamedDependency[AsyncSession],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        submission: Annotated[UUID | None, QueryParameter()] = None,
        test: Annotated[int | None, QueryParameter(ge=0, le=100_000)] = None,
    ) -> Template:
        """``?submission=<id>&test=<index>``: "Ask about this" from a submission (one's own; visible tests only)."""
        items = await QaService(db_session).search(course_access, q=q)
        linked = await _linked(db_session, course_access.user, submission, test)
        return render_page(
            "community/questions.html.j2",
            user=course_access.user,
            nav="courses",
            course=course_access.course,
            staff=course_access.is_staff,
            questions=items,
            q=q,
            linked=linked,
        )

    @get("/courses/{course_id:uuid}/questions/by-test", name="page:questions-by-test", guards=[_STAFF])
    async def by_test(
        self, course_access: NamedDependency[CourseAccess], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        groups = await QaService(db_session).by_test(course_access)
        ids = {g.problem_id for g in groups if g.problem_id}
        problems = (
            {str(p.id): p.title for p in await db_session.scalars(select(m.Problem).where(m.Problem.id.in_(ids)))}
            if ids
            else {}
        )
        return render_page(
            "community/by_test.html.j2",
            user=course_access.user,
            nav="courses",
            course=course_access.course,
            groups=groups,
            problems=problems,
        )

    @get("/courses/{course_id:uuid}/questions/{question_id:uuid}", name="page:question", guards=[_MEMBER])
    async def question(
        self,
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        db_session: NamedDependency[AsyncSession],
    ) -> Template:
        detail = await QaService(db_session).detail(course_access, question_id)
        return render_page(
            "community/question.html.j2",
            user=course_access.user,
            nav="courses",
            course=course_access.course,
            staff=course_access.is_staff,
            question=detail,
        )


async def _linked(
    session: AsyncSession, user: m.User, submission_id: UUID | None, test: int | None
) -> dict[str, Any] | None:
    """The submission and (visible) test a question from "Ask about this" names; None when it is not the caller's."""
    if submission_id is None:
        return None
    submission = await session.get(m.Submission, submission_id)
    if submission is None or submission.user_id != user.id:
        return None
    problem = await session.get(m.Problem, submission.problem_id) if submission.problem_id else None
    test_name = None
    if test is not None:
        testset = await session.get(m.TestSet, submission.testset_digest) if submission.testset_digest else None
        cases = case_views(submission.results, testset_manifest(testset)["tests"], Audience(staff=False))
        case = next((c for c in cases if c.index == test and not c.hidden), None)
        if case is None:
            test = None  # a hidden test is never named
        else:
            test_name = case.name or f"test {test + 1}"
    return {
        "submission_id": submission.id,
        "problem": problem.title if problem else "a problem",
        "test_index": test,
        "test_name": test_name,
    }
