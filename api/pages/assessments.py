"""Assessment pages of a course: the take page (start, answer with autosave, the server's countdown, submit,
review), the staff editor (settings, questions, publish) and the results table. Data comes from the assessments
area; every change goes through /api/courses/<id>/assessments (web/static/js/assessments.js)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy import select

from api.db import models as m
from api.domain.assessments import accommodations, schemas
from api.domain.assessments.controllers import ASSESSMENTS_DEPENDENCIES
from api.domain.assessments.preview import preview_attempt, student_preview
from api.domain.assessments.taking import AttemptService
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, requires_course_role
from api.domain.courses.structure import CourseStructure
from api.domain.problems.markdown import render_markdown
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["AssessmentPages"]

_BASE = "/courses/{course_id:uuid}/assessments"


class AssessmentPages(Controller):
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = ASSESSMENTS_DEPENDENCIES
    guards = [requires_signed_in_page]

    @get(_BASE + "/new", name="page:assessment-new", guards=[requires_course_role(m.CourseRole.INSTRUCTOR)])
    async def new(
        self, course_access: NamedDependency[CourseAccess], assessments: NamedDependency[AttemptService]
    ) -> Template:
        structure = CourseStructure(assessments.session)
        return render_page(
            "assessments/edit.html.j2",
            user=course_access.user,
            nav="courses",
            title="New assessment",
            course=course_access.course,
            detail=None,
            problems=[],
            groups=await structure.groups(course_access.course.id),
            levels=await structure.levels(course_access.course.id),
        )

    @get(
        _BASE + "/{assessment_id:uuid}/edit",
        name="page:assessment-edit",
        guards=[requires_course_role(m.CourseRole.INSTRUCTOR)],
    )
    async def edit(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> Template:
        assessment = await assessments.visible(course_access, assessment_id)
        detail = await assessments.detail(course_access, assessment)
        structure = CourseStructure(assessments.session)
        return render_page(
            "assessments/edit.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Edit {assessment.title}",
            course=course_access.course,
            detail=detail,
            questions_json={str(q.id): msgspec.to_builtins(q) for q in detail.questions},  # for reorder and weights
            problems=await structure.problems(course_access.course.id, include_drafts=True),
            groups=await structure.groups(course_access.course.id),
            levels=await structure.levels(course_access.course.id),
        )

    @get(_BASE + "/{assessment_id:uuid}/results", name="page:assessment-results", guards=[requires_course_role(*STAFF)])
    async def results(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> Template:
        assessment = await assessments.visible(course_access, assessment_id)
        questions = await assessments.questions(assessment.id)
        essays = [q for q in questions if q.type == "essay"]
        rows = await assessments.session.execute(
            select(m.AssessmentAttempt.user_id, m.AssessmentAnswer)
            .join(m.AssessmentAttempt, m.AssessmentAttempt.id == m.AssessmentAnswer.attempt_id)
            .where(m.AssessmentAnswer.question_id.in_([q.id for q in essays]))
        )
        essay_answers = {(str(user_id), str(answer.question_id)): answer for user_id, answer in rows.tuples()}
        return render_page(
            "assessments/results.html.j2",
            essays=essays,
            code_questions=[q for q in questions if q.type == "code"],  # each links to its similarity report
            essay_answers=essay_answers,
            user=course_access.user,
            nav="courses",
            title=f"Results of {assessment.title}",
            course=course_access.course,
            assessment=assessment,
            rows=await assessments.results(course_access, assessment_id),
            instructor=course_access.is_instructor,
            accommodations={
                str(a.user_id): a for a in await accommodations.list_accommodations(assessments.session, assessment)
            },
        )

    @get(_BASE + "/{assessment_id:uuid}", name="page:assessment", guards=[requires_course_role(*ANY_MEMBER)])
    async def take(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
        preview: Annotated[bool, QueryParameter(description="staff: the page as a student sees it")] = False,
    ) -> Template:
        """The student's page: what the assessment is, Start, then the questions (and later the review). Staff
        with ``?preview=true`` see it as a student who has pressed Start (nothing is saved)."""
        assessment = await assessments.visible(course_access, assessment_id)
        detail = await assessments.detail(course_access, assessment)
        preview = preview and course_access.is_staff
        if preview:
            detail = student_preview(detail, course_access.user.id)
            view: schemas.Attempt | None = preview_attempt(assessment, assessments.clock())
        else:
            attempt = await assessments.attempt_of(course_access.user.id, assessment.id)
            view = await assessments.view(course_access, assessment, attempt) if attempt is not None else None
        prompts = {str(q.id): render_markdown(q.prompt_md) for q in detail.questions}
        return render_page(
            "assessments/take.html.j2",
            user=course_access.user,
            nav="courses",
            title=assessment.title,
            course=course_access.course,
            detail=detail,
            instructions_html=render_markdown(assessment.instructions_md),
            prompts=prompts,
            attempt=view,
            answers={str(a.question_id): a for a in (view.answers if view else [])},
            staff=course_access.is_staff,
            preview=preview,
        )
