"""Similarity and scanning pages of a course's code question (staff): the similarity report (start it, its progress
polled with htmx, the ranked pairs), one pair side by side with the matched regions marked, and the question's code
checks (instructors). Data comes from api/domain/similarity and api/domain/scanning; changes go through their JSON
APIs (web/static/js/forms.js, web/static/js/scanning.js)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from api.db import models as m
from api.domain.courses.access import STAFF, CourseAccess, requires_course_role
from api.domain.scanning.services import ScanService
from api.domain.similarity.controllers import SIMILARITY_DEPENDENCIES
from api.domain.similarity.engine import segments
from api.domain.similarity.services import SimilarityService
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["SimilarityPages"]

_COURSE = "/courses/{course_id:uuid}"


class SimilarityPages(Controller):
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = SIMILARITY_DEPENDENCIES
    guards = [requires_signed_in_page, requires_course_role(*STAFF)]

    @get(
        _COURSE + "/assessments/{assessment_id:uuid}/questions/{question_id:uuid}/similarity",
        name="page:similarity-report",
    )
    async def report(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
    ) -> Template:
        assessment, question = await similarity.code_question(course_access, assessment_id, question_id)
        latest = await similarity.latest(question.id)
        return render_page(
            "similarity/report.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Similarity · {assessment.title}",
            course=course_access.course,
            assessment=assessment,
            question=question,
            report=await similarity.to_schema(latest) if latest is not None else None,
            report_boilerplate=latest.boilerplate if latest is not None else "",
        )

    @get(_COURSE + "/similarity/{report_id:uuid}/status", name="page:similarity-status")
    async def status(
        self,
        report_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
    ) -> Template:
        """The report's progress and, once done, its pairs: the fragment the report page polls."""
        report = await similarity.report(course_access, report_id)
        return render_page(
            "similarity/_status.html.j2",
            user=course_access.user,
            course=course_access.course,
            report=await similarity.to_schema(report),
        )

    @get(_COURSE + "/similarity/{report_id:uuid}/pairs/{pair_id:uuid}", name="page:similarity-pair")
    async def pair(
        self,
        report_id: FromPath[UUID],
        pair_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
    ) -> Template:
        detail = await similarity.pair_detail(course_access, report_id, pair_id)
        report = await similarity.report(course_access, report_id)
        assessment = await similarity.session.get(m.Assessment, report.assessment_id)
        return render_page(
            "similarity/pair.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Pair {detail.rank} · similarity",
            course=course_access.course,
            report=report,
            assessment=assessment,
            pair=detail,
            segments_a=segments(detail.a.text, detail.a.regions),
            segments_b=segments(detail.b.text, detail.b.regions),
        )

    @get(
        _COURSE + "/assessments/{assessment_id:uuid}/questions/{question_id:uuid}/scan",
        name="page:question-scan",
        guards=[requires_course_role(m.CourseRole.INSTRUCTOR)],
    )
    async def scan_settings(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
    ) -> Template:
        """The code checks of a question: construct rules, the linter, the points."""
        assessment, question = await similarity.code_question(course_access, assessment_id, question_id)
        settings = await ScanService(similarity.session).get(course_access, assessment_id, question_id)
        return render_page(
            "scanning/settings.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Code checks · {assessment.title}",
            course=course_access.course,
            assessment=assessment,
            question=question,
            scan=settings,
        )
