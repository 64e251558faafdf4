"""HTTP endpoints of the submissions area: submit, upload, run, list, detail, rejudge. Thin: the service decides."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user, requires_scope
from api.domain.assessments.visibility import audience_for, audiences_for
from api.domain.problems.services import testset_manifest
from api.domain.submissions import schemas
from api.domain.submissions.services import SubmissionService, normalise_files
from api.domain.submissions.uploads import UploadedFile, program_from_uploads
from api.domain.submissions.views import submission_view, summary_view
from api.lib.exceptions import ApplicationClientError
from api.lib.ratelimit import RateLimiter
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["RunController", "SubmissionController", "provide_submissions_service"]

_SUBMIT = requires_scope(m.ApiScope.SUBMISSIONS_WRITE)


async def provide_submissions_service(
    db_session: NamedDependency[AsyncSession],
) -> AsyncGenerator[SubmissionService, None]:
    async with SubmissionService.new(session=db_session) as service:
        yield service


async def _view(service: SubmissionService, submission: m.Submission, viewer: m.User) -> schemas.Submission:
    testset = None
    if submission.testset_digest is not None:
        testset = await service.repository.session.get(m.TestSet, submission.testset_digest)
    tests = testset_manifest(testset)["tests"]
    attempts = await service.attempts_of(submission)
    audience = await audience_for(service.repository.session, viewer, submission)
    return submission_view(submission, tests, audience, attempts=attempts)


def _created(view: schemas.Submission) -> Response[schemas.Submission]:
    return Response(view, status_code=HTTP_201_CREATED, headers={"Location": f"/api/submissions/{view.id}"})


class SubmissionController(Controller):
    """Students submit and see their own submissions; instructors see everyone's and rejudge."""

    path = "/api/submissions"
    tags = ["submissions"]
    guards = [requires_active_user]
    dependencies = {"submissions_service": Provide(provide_submissions_service)}

    @post(operation_id="CreateSubmission", guards=[_SUBMIT], status_code=HTTP_201_CREATED)
    async def create_submission(
        self,
        *,
        data: JSONBody[schemas.SubmissionCreate],
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
        judge_queue: NamedDependency[JudgeQueue],
        rate_limiter: NamedDependency[RateLimiter],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
    ) -> Response[schemas.Submission]:
        """Submit editor text. Answers at once with the id and the WebSocket path for live results."""
        files = normalise_files(data.language, source=data.source, files=data.files, settings=settings)
        problem = await submissions_service.find_problem(current_user, data.problem_id, data.problem_slug)
        submission = await submissions_service.submit(
            user=current_user,
            kind=m.SubmissionKind.SUBMISSION,
            problem=problem,
            language=data.language,
            files=files,
            stdin=None,
            queue=judge_queue,
            limiter=rate_limiter,
            redis=redis,
            settings=settings,
        )
        return _created(await _view(submissions_service, submission, current_user))

    @post("/upload", operation_id="UploadSubmission", guards=[_SUBMIT], status_code=HTTP_201_CREATED)
    async def upload_submission(
        self,
        *,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
        judge_queue: NamedDependency[JudgeQueue],
        rate_limiter: NamedDependency[RateLimiter],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
    ) -> Response[schemas.Submission]:
        """Submit files (multipart form): ``language``, ``problemId`` or ``problemSlug``, and ``file`` — one source
        file, several ``file`` fields, or one zip holding a multi-file program."""
        language = _form_text(data, "language")
        if not language:
            raise ApplicationClientError("the form needs a 'language' field")
        problem_id = _form_uuid(data, "problemId")
        problem = await submissions_service.find_problem(current_user, problem_id, _form_text(data, "problemSlug"))
        uploads = await _form_files(data)
        program = await program_from_uploads(uploads, settings)
        files = normalise_files(language, source=None, files=program, settings=settings)
        submission = await submissions_service.submit(
            user=current_user,
            kind=m.SubmissionKind.SUBMISSION,
            problem=problem,
            language=language,
            files=files,
            stdin=None,
            queue=judge_queue,
            limiter=rate_limiter,
            redis=redis,
            settings=settings,
        )
        return _created(await _view(submissions_service, submission, current_user))

    @get(operation_id="ListSubmissions")
    async def list_submissions(
        self,
        *,
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
        problem: Annotated[str | None, QueryParameter(max_length=64, description="a problem's slug or id")] = None,
        user_id: Annotated[UUID | None, QueryParameter(name="userId", description="instructors only")] = None,
        kind: FromQuery[m.SubmissionKind | None] = None,
        status: FromQuery[m.SubmissionStatus | None] = None,
        verdict: Annotated[str | None, QueryParameter(max_length=8)] = None,
        language: Annotated[str | None, QueryParameter(max_length=32)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> schemas.SubmissionPage:
        """Students see their own; instructors everyone's, filtered by problem, user, kind, status, verdict."""
        found = None
        if problem is not None:
            problem_id = _maybe_uuid(problem)
            found = await submissions_service.find_problem(
                current_user, problem_id, None if problem_id is not None else problem
            )
        items, total = await submissions_service.search(
            current_user,
            problem=found,
            user_id=user_id,
            kind=kind,
            status=status,
            verdict=verdict,
            language=language,
            limit=limit,
            offset=offset,
        )
        audiences = await audiences_for(submissions_service.repository.session, current_user, items)
        return schemas.SubmissionPage(
            items=[summary_view(s, audiences[s.id]) for s in items], total=total, limit=limit, offset=offset
        )

    @get("/{submission_id:uuid}", operation_id="GetSubmission")
    async def get_submission(
        self,
        submission_id: FromPath[UUID],
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
    ) -> schemas.Submission:
        """Per-test results as the viewer may see them: a hidden test shows its verdict, never its data."""
        submission = await submissions_service.for_viewer(current_user, submission_id)
        return await _view(submissions_service, submission, current_user)

    @post(
        "/{submission_id:uuid}/rejudge",
        operation_id="RejudgeSubmission",
        guards=[requires_scope(m.ApiScope.PROBLEMS_WRITE)],  # instructors and admins (and their CI tokens)
        status_code=HTTP_200_OK,
    )
    async def rejudge_submission(
        self,
        submission_id: FromPath[UUID],
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
        judge_queue: NamedDependency[JudgeQueue],
    ) -> schemas.Submission:
        """Judge again (a new attempt, against the problem's current tests, in the background lane); the earlier
        result is kept in ``attempts``."""
        submission = await submissions_service.for_viewer(current_user, submission_id)
        submission = await submissions_service.rejudge(submission, by=current_user, queue=judge_queue)
        return await _view(submissions_service, submission, current_user)


class RunController(Controller):
    """Run on custom input: the program runs once on the student's own input, unscored, in a lower-priority lane."""

    path = "/api/runs"
    tags = ["submissions"]
    guards = [requires_active_user]
    dependencies = {"submissions_service": Provide(provide_submissions_service)}

    @post(operation_id="CreateRun", guards=[_SUBMIT], status_code=HTTP_201_CREATED)
    async def create_run(
        self,
        *,
        data: JSONBody[schemas.RunCreate],
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
        judge_queue: NamedDependency[JudgeQueue],
        rate_limiter: NamedDependency[RateLimiter],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
    ) -> Response[schemas.Submission]:
        files = normalise_files(data.language, source=data.source, files=data.files, settings=settings)
        problem = await submissions_service.find_problem(current_user, data.problem_id, data.problem_slug)
        submission = await submissions_service.submit(
            user=current_user,
            kind=m.SubmissionKind.RUN,
            problem=problem,
            language=data.language,
            files=files,
            stdin=data.stdin.encode(),
            queue=judge_queue,
            limiter=rate_limiter,
            redis=redis,
            settings=settings,
        )
        return _created(await _view(submissions_service, submission, current_user))


def _form_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or isinstance(value, UploadFile):
        return None
    return str(value).strip() or None


def _maybe_uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def _form_uuid(data: dict[str, Any], key: str) -> UUID | None:
    raw = _form_text(data, key)
    if raw is None:
        return None
    parsed = _maybe_uuid(raw)
    if parsed is None:
        raise ApplicationClientError(f"{key} is not a valid id")
    return parsed


async def _form_files(data: dict[str, Any]) -> list[UploadedFile]:
    found: list[UploadFile] = []
    for key in ("file", "files"):
        value = data.get(key)
        items = value if isinstance(value, list) else [value]
        found.extend(item for item in items if isinstance(item, UploadFile))
    return [(upload.filename or "upload", await upload.read()) for upload in found]
