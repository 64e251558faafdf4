"""``/api/courses/<course>/files``: upload (the body is the file), download, delete, the staff's list, and
submitting uploaded sources as one program."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Final
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Response, Stream
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments import schemas as assessment_schemas
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.files import schemas
from api.domain.files.names import SAFE_INLINE_TYPES
from api.domain.files.programs import submit_uploaded_program
from api.domain.files.services import FileService, to_view
from api.domain.files.storage import Storage, build_storage, content_disposition
from api.lib.ratelimit import RateLimiter
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["FileController", "download_headers", "provide_file_storage"]

_MEMBER: Final = requires_course_role(*ANY_MEMBER)
_STAFF: Final = requires_course_role(*STAFF)
_STORAGE_KEY: Final = "file_storage"


def provide_file_storage(state: State, settings: NamedDependency[Settings]) -> Storage:
    """One storage back end per app (a boto3 client is made once)."""
    storage = state.get(_STORAGE_KEY)
    if storage is None:
        storage = build_storage(settings)
        state[_STORAGE_KEY] = storage
    return storage


def provide_files_service(
    db_session: NamedDependency[AsyncSession],
    file_storage: NamedDependency[Storage],
    settings: NamedDependency[Settings],
) -> FileService:
    return FileService(db_session, file_storage, settings)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


def download_headers(row: m.StoredFile) -> dict[str, str]:
    """Every download is an attachment that is never sniffed or rendered (an uploaded .html stays a file)."""
    return {
        "Content-Disposition": content_disposition(row.name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
        "Content-Length": str(row.size),
    }


def _content_length(request: Request[Any, Any, Any]) -> int | None:
    raw = request.headers.get("content-length")
    return int(raw) if raw is not None and raw.isdigit() else None


class FileController(Controller):
    path = "/api/courses/{course_id:uuid}/files"
    tags = ["files"]
    dependencies = {
        "file_storage": Provide(provide_file_storage, sync_to_thread=False),
        "files_service": Provide(provide_files_service, sync_to_thread=False),
        "course_access": Provide(provide_course_access, sync_to_thread=False),
    }

    @post(
        operation_id="UploadFile",
        guards=[_MEMBER],
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,  # the caps are enforced while streaming, by the service (413)
        summary="Upload one file (the request body is the file; ?unzip=true unpacks a zip)",
    )
    async def upload(
        self,
        *,
        request: Request[Any, Any, Any],
        course_access: NamedDependency[CourseAccess],
        files_service: NamedDependency[FileService],
        name: Annotated[str, QueryParameter(min_length=1, max_length=1000, description="the file's name")],
        purpose: FromQuery[schemas.Purpose],
        problem_id: Annotated[UUID | None, QueryParameter(query="problemId")] = None,
        assessment_id: Annotated[UUID | None, QueryParameter(query="assessmentId")] = None,
        question_id: Annotated[UUID | None, QueryParameter(query="questionId")] = None,
        unzip: FromQuery[bool] = False,
    ) -> schemas.FileBatch:
        """``purpose``: ``attachment`` (staff: on ``problemId``, ``assessmentId`` or the course), ``answer`` (a
        file-answer question: ``assessmentId`` and ``questionId``) or ``submission_source`` (a source of a program,
        optionally for a code question). Over a cap or a quota: 413 while the body streams; nothing is kept."""
        query = schemas.FileUploadQuery(
            name=name,
            purpose=purpose,
            problem_id=problem_id,
            assessment_id=assessment_id,
            question_id=question_id,
            unzip=unzip,
        )
        body: AsyncIterator[bytes] = request.stream()
        rows = await files_service.upload(course_access, query, body, _content_length(request))
        return schemas.FileBatch(files=[to_view(r, course_access.user.display_name) for r in rows])

    @get(operation_id="ListFiles", guards=[_MEMBER])
    async def list_files(
        self,
        *,
        course_access: NamedDependency[CourseAccess],
        files_service: NamedDependency[FileService],
        purpose: FromQuery[schemas.Purpose | None] = None,
        problem_id: Annotated[UUID | None, QueryParameter(query="problemId")] = None,
        assessment_id: Annotated[UUID | None, QueryParameter(query="assessmentId")] = None,
        question_id: Annotated[UUID | None, QueryParameter(query="questionId")] = None,
        mine: FromQuery[bool] = False,
    ) -> schemas.FileBatch:
        """Files the caller may download, newest first: staff see the course's, students their own and the
        attachments they can see; ``mine=true``: only the caller's own."""
        rows = await files_service.listed(
            course_access,
            purpose=m.FilePurpose(purpose) if purpose else None,
            problem_id=problem_id,
            assessment_id=assessment_id,
            question_id=question_id,
            mine=mine,
        )
        return schemas.FileBatch(files=[to_view(r) for r in rows])

    @get("/overview", operation_id="CourseFilesOverview", guards=[_STAFF])
    async def overview(
        self, course_access: NamedDependency[CourseAccess], files_service: NamedDependency[FileService]
    ) -> schemas.CourseFiles:
        """Staff: every file of the course with owner and size, and totals against the course's quota."""
        return await files_service.course_files(course_access)

    @get("/{file_id:uuid}", operation_id="DownloadFile", guards=[_MEMBER])
    async def download(
        self,
        file_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        files_service: NamedDependency[FileService],
        file_storage: NamedDependency[Storage],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        """The file, as an attachment (never rendered). With object storage: a redirect to a signed URL valid for
        FILES_SIGNED_URL_TTL seconds."""
        row = await files_service.for_download(course_access, file_id)
        url = await file_storage.signed_url(
            row.storage_key, filename=row.name, expires_s=settings.files_signed_url_ttl_s
        )
        if url is not None:
            return Redirect(url, status_code=302, headers={"Cache-Control": "private, no-store"})
        media_type = row.content_type if row.content_type in SAFE_INLINE_TYPES else "application/octet-stream"
        return Stream(file_storage.stream(row.storage_key), media_type=media_type, headers=download_headers(row))

    @delete("/{file_id:uuid}", operation_id="DeleteFile", guards=[_MEMBER], status_code=HTTP_204_NO_CONTENT)
    async def delete_file(
        self,
        file_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        files_service: NamedDependency[FileService],
    ) -> None:
        """The owner (while the attempt is open) or the course's staff."""
        await files_service.delete(course_access, file_id)

    @post("/submissions", operation_id="SubmitUploadedProgram", guards=[_MEMBER], status_code=HTTP_201_CREATED)
    async def submit_program(
        self,
        *,
        data: JSONBody[schemas.FileSubmission],
        course_access: NamedDependency[CourseAccess],
        files_service: NamedDependency[FileService],
        judge_queue: NamedDependency[JudgeQueue],
        rate_limiter: NamedDependency[RateLimiter],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
    ) -> assessment_schemas.SubmissionLink:
        """Judge your uploaded sources together as one program for a code question (its entry point by the
        language's rule: ``main.py``, ``main.cpp``, the Java class with ``main``)."""
        submission = await submit_uploaded_program(
            files_service, course_access, data, queue=judge_queue, limiter=rate_limiter, redis=redis, settings=settings
        )
        return assessment_schemas.SubmissionLink(
            question_id=data.question_id,
            submission_id=submission.id,
            created_at=submission.created_at,
            status=submission.status.value,
        )
