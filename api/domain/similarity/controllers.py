"""HTTP endpoints of similarity reports, under a course (staff only): start a report of a code question, follow
it, read its pairs and one pair side by side."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.courses.access import STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.similarity import schemas
from api.domain.similarity.services import SimilarityService
from api.queue import JudgeQueue

__all__ = ["SIMILARITY_DEPENDENCIES", "SimilarityController"]

_STAFF: Final = requires_course_role(*STAFF)
_QUESTION: Final = "/assessments/{assessment_id:uuid}/questions/{question_id:uuid}/similarity"


def provide_similarity(db_session: NamedDependency[AsyncSession]) -> SimilarityService:
    return SimilarityService(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


SIMILARITY_DEPENDENCIES: Final = {
    "similarity": Provide(provide_similarity, sync_to_thread=False),
    "course_access": Provide(provide_course_access, sync_to_thread=False),
}


class SimilarityController(Controller):
    path = "/api/courses/{course_id:uuid}"
    tags = ["similarity"]
    dependencies = SIMILARITY_DEPENDENCIES
    guards = [_STAFF]

    @post(_QUESTION, operation_id="StartSimilarityReport", status_code=HTTP_202_ACCEPTED)
    async def start_report(
        self,
        *,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.ReportCreate],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
        judge_queue: NamedDependency[JudgeQueue],
    ) -> schemas.Report:
        """Compare the counted submission of every student to this code question (starter code in ``boilerplate``
        is ignored). Runs in the background: follow ``GET /api/courses/<id>/similarity/<report id>``."""
        report = await similarity.start(course_access, assessment_id, question_id, data, judge_queue)
        return await similarity.to_schema(report, with_pairs=False)

    @get(_QUESTION, operation_id="GetLatestSimilarityReport")
    async def latest_report(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
    ) -> schemas.Report:
        """The question's latest report with its most similar pairs (404 before the first)."""
        _, question = await similarity.code_question(course_access, assessment_id, question_id)
        report = await similarity.latest(question.id)
        if report is None:
            raise NotFoundError("no similarity report of this question yet")
        return await similarity.to_schema(report)

    @get("/similarity/{report_id:uuid}", operation_id="GetSimilarityReport")
    async def get_report(
        self,
        report_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
    ) -> schemas.Report:
        """A report: its progress (``done`` of ``total``) and, once done, its pairs, most similar first."""
        return await similarity.to_schema(await similarity.report(course_access, report_id))

    @get("/similarity/{report_id:uuid}/pairs/{pair_id:uuid}", operation_id="GetSimilarityPair")
    async def get_pair(
        self,
        report_id: FromPath[UUID],
        pair_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        similarity: NamedDependency[SimilarityService],
    ) -> schemas.PairDetail:
        """Both sources of a pair and their matched regions (character offsets)."""
        return await similarity.pair_detail(course_access, report_id, pair_id)
