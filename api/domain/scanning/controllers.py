"""HTTP endpoints of code scanning: a code question's scan settings (staff read, instructors set) and the scan of
a submission (whoever may see the submission)."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, Request, delete, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user
from api.domain.courses.access import STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.scanning import schemas
from api.domain.scanning.services import ScanService, scan_view
from api.domain.submissions.controllers import provide_submissions_service
from api.domain.submissions.services import SubmissionService

__all__ = ["QuestionScanController", "SubmissionScanController"]

_STAFF: Final = requires_course_role(*STAFF)
_INSTRUCTOR: Final = requires_course_role(m.CourseRole.INSTRUCTOR)
_SCAN: Final = "/{assessment_id:uuid}/questions/{question_id:uuid}/scan"


def provide_scans(db_session: NamedDependency[AsyncSession]) -> ScanService:
    return ScanService(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


class QuestionScanController(Controller):
    path = "/api/courses/{course_id:uuid}/assessments"
    tags = ["scanning"]
    dependencies = {
        "scans": Provide(provide_scans, sync_to_thread=False),
        "course_access": Provide(provide_course_access, sync_to_thread=False),
    }

    @get(_SCAN, operation_id="GetQuestionScan", guards=[_STAFF])
    async def get_scan(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        scans: NamedDependency[ScanService],
    ) -> schemas.QuestionScan:
        """The code question's static checks (``configured`` false: none)."""
        return await scans.get(course_access, assessment_id, question_id)

    @put(_SCAN, operation_id="SetQuestionScan", guards=[_INSTRUCTOR])
    async def set_scan(
        self,
        *,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.QuestionScanSet],
        course_access: NamedDependency[CourseAccess],
        scans: NamedDependency[ScanService],
    ) -> schemas.QuestionScan:
        """Construct rules, the linter and the points of the question's scan; submissions judged from now on are
        scanned in the sandbox of a judge worker."""
        return await scans.put(course_access, assessment_id, question_id, data)

    @delete(_SCAN, operation_id="DeleteQuestionScan", guards=[_INSTRUCTOR], status_code=HTTP_204_NO_CONTENT)
    async def delete_scan(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        scans: NamedDependency[ScanService],
    ) -> None:
        await scans.delete(course_access, assessment_id, question_id)


class SubmissionScanController(Controller):
    path = "/api/submissions"
    tags = ["scanning"]
    guards = [requires_active_user]
    dependencies = {"submissions_service": Provide(provide_submissions_service)}

    @get("/{submission_id:uuid}/scan", operation_id="GetSubmissionScan")
    async def get_submission_scan(
        self,
        submission_id: FromPath[UUID],
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
    ) -> schemas.SubmissionScan:
        """The static checks of a submission to a scanned code question (404: not scanned)."""
        submission = await submissions_service.for_viewer(current_user, submission_id)
        view = await scan_view(submissions_service.repository.session, submission.id)
        if view is None:
            raise NotFoundError("this submission has no scan")
        return view
