"""Grading pages of a course (staff): the gradebook, the grading queue of an assessment, the grading page of one
answer (read-only Monaco with line comments, test results, rubric, comment, override; keyboard driven) and the
regrade requests. Data comes from api/domain/grading; every change goes through /api/courses/<id>/grading
(web/static/js/grading.js, gradebook.js)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.ai_grading.hints import HintService
from api.domain.ai_grading.services import AiGradingService
from api.domain.courses.access import STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.courses.structure import CourseStructure
from api.domain.grading.answers import GRADED_TYPES
from api.domain.grading.gradebook import GradebookService
from api.domain.grading.release import ReleaseService
from api.domain.problems.markdown import render_markdown
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page
from api.settings import Settings

__all__ = ["GradingPages"]

_BASE = "/courses/{course_id:uuid}"


def _gradebook(db_session: NamedDependency[AsyncSession]) -> GradebookService:
    return GradebookService(db_session)


def _access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


class GradingPages(Controller):
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = {
        "gradebook": Provide(_gradebook, sync_to_thread=False),
        "course_access": Provide(_access, sync_to_thread=False),
    }
    guards = [requires_signed_in_page, requires_course_role(*STAFF)]

    @get(_BASE + "/gradebook", name="page:gradebook")
    async def gradebook_page(
        self,
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
        group_id: Annotated[UUID | None, QueryParameter(name="groupId")] = None,
        level_id: Annotated[UUID | None, QueryParameter(name="levelId")] = None,
        expand: Annotated[UUID | None, QueryParameter()] = None,
    ) -> Template:
        structure = CourseStructure(gradebook.session)
        book = await gradebook.gradebook(course_access, group_id=group_id, level_id=level_id, expand=expand)
        return render_page(
            "grading/gradebook.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Gradebook · {course_access.course.title}",
            course=course_access.course,
            book=book,
            groups=await structure.groups(course_access.course.id),
            levels=await structure.levels(course_access.course.id),
            group_id=group_id,
            level_id=level_id,
            expand=expand,
        )

    @get(_BASE + "/grading/assessments/{assessment_id:uuid}", name="page:grading-queue")
    async def queue(
        self,
        *,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
        settings: NamedDependency[Settings],
        question_id: Annotated[UUID | None, QueryParameter(name="questionId")] = None,
        pending: Annotated[bool, QueryParameter()] = False,
    ) -> Template:
        grading = ReleaseService(gradebook.session)
        assessment = await grading.assessment(course_access, assessment_id)
        questions = [q for q in await grading.attempts.questions(assessment.id) if q.type in GRADED_TYPES]
        ai = AiGradingService(gradebook.session, settings)
        return render_page(
            "grading/queue.html.j2",
            ai_open=await ai.open_proposals(course_access, assessment.id),
            user=course_access.user,
            nav="courses",
            title=f"Grading · {assessment.title}",
            course=course_access.course,
            assessment=assessment,
            entries=await grading.queue(course_access, assessment_id, question_id=question_id, pending=pending),
            questions=questions,
            question_id=question_id,
            pending=pending,
            release=await grading.release_view(assessment),
        )

    @get(_BASE + "/grading/answers/{attempt_id:uuid}/{question_id:uuid}", name="page:grading-answer")
    async def answer(
        self,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
        settings: NamedDependency[Settings],
    ) -> Template:
        grading = ReleaseService(gradebook.session)
        detail = await grading.detail(course_access, attempt_id, question_id)
        assessment = await grading.assessment(course_access, detail.assessment_id)
        ai = AiGradingService(gradebook.session, settings)
        proposals = await ai.proposals(course_access, attempt_id=attempt_id, question_id=question_id)
        return render_page(
            "grading/answer.html.j2",
            ai_status=await ai.status(course_access),
            ai_proposal=next((p for p in proposals if p.status in ("proposed", "withheld", "failed")), None),
            ai_decided=next((p for p in proposals if p.status in ("accepted", "rejected")), None),
            user=course_access.user,
            nav="courses",
            title=f"Grading {detail.display_name} · {assessment.title}",
            course=course_access.course,
            assessment=assessment,
            detail=detail,
            detail_data=msgspec.to_builtins(detail),
            prompt_html=render_markdown(detail.prompt_md),
        )

    @get(_BASE + "/grading/assessments/{assessment_id:uuid}/ai", name="page:ai-grading")
    async def ai_grading(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
        settings: NamedDependency[Settings],
    ) -> Template:
        """AI grading of an assessment: whether it is available, calibration per question, runs with progress."""
        ai = AiGradingService(gradebook.session, settings)
        assessment = await ai.assessment(course_access, assessment_id)
        questions = [q for q in await ai.attempts.questions(assessment.id) if q.type in GRADED_TYPES]
        calibrations = {q.id: await ai.calibration(course_access, q.id) for q in questions}
        return render_page(
            "grading/ai.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"AI grading · {assessment.title}",
            course=course_access.course,
            assessment=assessment,
            questions=questions,
            calibrations=calibrations,
            status=await ai.status(course_access),
            runs=await ai.runs(course_access, assessment.id),
            usage=await ai.usage(course_access) if course_access.is_instructor else None,
            hints=await HintService(gradebook.session, settings).view(course_access, assessment.id),
            is_instructor=course_access.is_instructor,
            course_ai=await ai.course_settings(course_access) if course_access.is_admin else None,
        )

    @get(_BASE + "/grading/regrades", name="page:grading-regrades")
    async def regrades(
        self, course_access: NamedDependency[CourseAccess], gradebook: NamedDependency[GradebookService]
    ) -> Template:
        grading = ReleaseService(gradebook.session)
        return render_page(
            "grading/regrades.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Regrade requests · {course_access.course.title}",
            course=course_access.course,
            requests=await grading.regrades(course_access),
        )
