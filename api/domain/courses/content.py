"""HTTP endpoints for a course's problem set, its submissions (staff view) and its roster (import and export)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, Request, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.runtime import AccountsRuntime
from api.domain.courses import schemas
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, requires_course_role
from api.domain.courses.csvio import MAX_ROSTER_BYTES
from api.domain.courses.deps import COURSES_DEPENDENCIES
from api.domain.courses.roster import RosterImport, roster_csv
from api.domain.courses.roster_jobs import RosterJob, read_job, start_job
from api.domain.courses.structure import CourseStructure
from api.domain.problems.schemas import ProblemCreate
from api.lib.exceptions import ApplicationClientError
from api.lib.mail import Mailer, OutgoingMail
from api.queue import JudgeQueue

__all__ = ["CourseContentController"]

_MEMBER = requires_course_role(*ANY_MEMBER)
_STAFF = requires_course_role(*STAFF)
_INSTRUCTOR = requires_course_role(m.CourseRole.INSTRUCTOR)
_CSV_DOC = "the CSV file itself as the body (text/csv): columns email, name, and optionally group and level"


async def _send_all(mailer: Mailer, mails: list[OutgoingMail]) -> None:
    await mailer.send_many(mails)


async def _csv_body(request: Request[Any, Any, Any]) -> bytes:
    data = await request.body()
    if not data.strip():
        raise ApplicationClientError(f"send {_CSV_DOC}")
    return data


class CourseContentController(Controller):
    path = "/api/courses/{course_id:uuid}"
    tags = ["courses"]
    dependencies = COURSES_DEPENDENCIES

    @get("/problems", operation_id="ListCourseProblems", guards=[_MEMBER])
    async def list_problems(
        self, course_access: NamedDependency[CourseAccess], course_structure: NamedDependency[CourseStructure]
    ) -> list[schemas.CourseProblem]:
        """The course's problem set (students see published problems; staff also drafts)."""
        return await course_structure.problems(course_access.course.id, include_drafts=course_access.is_staff)

    @post("/problems", operation_id="AttachCourseProblem", guards=[_INSTRUCTOR], status_code=HTTP_201_CREATED)
    async def attach_problem(
        self,
        data: JSONBody[schemas.CourseProblemAttach],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> list[schemas.CourseProblem]:
        """Attach a library problem by slug; answers the new problem set."""
        await course_structure.attach(course_access, data.slug)
        return await course_structure.problems(course_access.course.id, include_drafts=True)

    @post(
        "/problems/private",
        operation_id="CreatePrivateCourseProblem",
        guards=[_INSTRUCTOR],
        status_code=HTTP_201_CREATED,
    )
    async def create_private_problem(
        self,
        data: JSONBody[ProblemCreate],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
        redis: NamedDependency[Redis],
    ) -> list[schemas.CourseProblem]:
        """A new problem private to this course (only its members see it); edit it through /api/problems."""
        await course_structure.create_private(course_access, data, redis=redis)
        return await course_structure.problems(course_access.course.id, include_drafts=True)

    @delete(
        "/problems/{problem_id:uuid}",
        operation_id="DetachCourseProblem",
        guards=[_INSTRUCTOR],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def detach_problem(
        self,
        problem_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> None:
        await course_structure.detach(course_access, problem_id)

    @get("/submissions", operation_id="ListCourseSubmissions", guards=[_STAFF])
    async def list_submissions(
        self,
        *,
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
        user_id: Annotated[UUID | None, QueryParameter(name="userId")] = None,
        problem_id: Annotated[UUID | None, QueryParameter(name="problemId")] = None,
        verdict: Annotated[str | None, QueryParameter(max_length=8)] = None,
        language: Annotated[str | None, QueryParameter(max_length=32)] = None,
        since: Annotated[datetime | None, QueryParameter(description="created at or after (ISO 8601)")] = None,
        until: Annotated[datetime | None, QueryParameter(description="created before (ISO 8601)")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> schemas.StaffSubmissionPage:
        """Every submission of the course's members to the course's problems, newest first, filterable."""
        items, total = await course_structure.submissions(
            course_access.course.id,
            user_id=user_id,
            problem_id=problem_id,
            verdict=verdict,
            language=language,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return schemas.StaffSubmissionPage(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/roster/preview",
        operation_id="PreviewCourseRoster",
        guards=[_STAFF],
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_ROSTER_BYTES + 1024,
        description=_CSV_DOC,
    )
    async def preview_roster(
        self,
        request: Request[Any, Any, Any],
        course_access: NamedDependency[CourseAccess],
        db_session: NamedDependency[AsyncSession],
        accounts_runtime: NamedDependency[AccountsRuntime],
    ) -> schemas.RosterPreview:
        """What importing this CSV would do, row by row, with each row's problems. Nothing is written."""
        importer = RosterImport(db_session, accounts_runtime.mailer, accounts_runtime.settings.base_url)
        return await importer.preview(course_access.course.id, await _csv_body(request))

    @post(
        "/roster",
        operation_id="ImportCourseRoster",
        guards=[_STAFF],
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_ROSTER_BYTES + 1024,
        description=_CSV_DOC,
    )
    async def import_roster(
        self,
        request: Request[Any, Any, Any],
        course_access: NamedDependency[CourseAccess],
        db_session: NamedDependency[AsyncSession],
        accounts_runtime: NamedDependency[AccountsRuntime],
    ) -> Response[schemas.RosterCommitResult]:
        """Import the CSV: all rows or none (any row with a problem refuses the file). Importing again updates
        groups and levels and adds nobody twice. New addresses get an account and an invitation mail."""
        importer = RosterImport(db_session, accounts_runtime.mailer, accounts_runtime.settings.base_url)
        result, mails = await importer.commit(course_access, await _csv_body(request))
        return Response(result, background=BackgroundTask(_send_all, accounts_runtime.mailer, mails) if mails else None)

    @post(
        "/roster/jobs",
        operation_id="StartCourseRosterImport",
        guards=[_STAFF],
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=MAX_ROSTER_BYTES + 1024,
        description=_CSV_DOC,
    )
    async def start_roster_import(
        self,
        request: Request[Any, Any, Any],
        course_access: NamedDependency[CourseAccess],
        redis: NamedDependency[Redis],
        judge_queue: NamedDependency[JudgeQueue],
    ) -> RosterJob:
        """Import the CSV in the background (all rows or none, as ``POST /roster``); poll the job's status for
        progress (``done`` of ``total``) and the result."""
        data = await _csv_body(request)
        if len(data) > MAX_ROSTER_BYTES:
            raise ApplicationClientError(f"the file is larger than {MAX_ROSTER_BYTES // (1024 * 1024)} MB")
        return await start_job(redis, judge_queue, course_access.course, course_access.user, data)

    @get("/roster/jobs/{job_id:uuid}", operation_id="GetCourseRosterImport", guards=[_STAFF])
    async def roster_import_status(
        self, job_id: FromPath[UUID], course_access: NamedDependency[CourseAccess], redis: NamedDependency[Redis]
    ) -> RosterJob:
        """A background import's state (queued, running, done, failed), progress and result."""
        job = await read_job(redis, course_access.course.id, job_id)
        if job is None:
            raise NotFoundError("no such roster import in this course (they are kept for an hour)")
        return job

    @get("/roster.csv", operation_id="ExportCourseRoster", guards=[_STAFF], media_type="text/csv")
    async def export_roster(
        self, course_access: NamedDependency[CourseAccess], db_session: NamedDependency[AsyncSession]
    ) -> Response[str]:
        """The course's people as CSV; cells that a spreadsheet would run as formulas start with an apostrophe."""
        text = await roster_csv(db_session, course_access.course.id)
        filename = f"{course_access.course.code}-roster.csv".replace('"', "")
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )
