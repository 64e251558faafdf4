"""HTTP endpoints of the problems area. Thin: each checks its input type, calls a service, shapes the answer."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user, requires_scope
from api.domain.problems import schemas
from api.domain.problems.files import package_file
from api.domain.problems.packages import PackageService
from api.domain.problems.services import ProblemService
from api.domain.submissions.controllers import provide_submissions_service
from api.domain.submissions.services import SubmissionService
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["ProblemController", "provide_packages_service", "provide_problems_service"]

AnyRequest = Request[Any, Any, Any]
_WRITE = requires_scope(m.ApiScope.PROBLEMS_WRITE)


async def provide_problems_service(db_session: NamedDependency[AsyncSession]) -> AsyncGenerator[ProblemService, None]:
    async with ProblemService.new(session=db_session) as service:
        yield service


def provide_packages_service(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    problems_service: NamedDependency[ProblemService],
) -> PackageService:
    return PackageService(session=db_session, settings=settings, problems=problems_service)


class ProblemController(Controller):
    """Students see published problems; instructors (and CI tokens with ``problems:write``) create and change them."""

    path = "/api/problems"
    tags = ["problems"]
    guards = [requires_active_user]
    dependencies = {
        "problems_service": Provide(provide_problems_service),
        "packages_service": Provide(provide_packages_service, sync_to_thread=False),
        "submissions_service": Provide(provide_submissions_service),
    }

    @get(operation_id="ListProblems")
    async def list_problems(
        self,
        *,
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        q: Annotated[str | None, QueryParameter(max_length=200, description="part of a title or slug")] = None,
        tag: Annotated[str | None, QueryParameter(max_length=40)] = None,
        difficulty: Annotated[str | None, QueryParameter(pattern=r"^(easy|medium|hard)$")] = None,
        visibility: FromQuery[m.ProblemVisibility | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> schemas.ProblemPage:
        items, total = await problems_service.search(
            current_user, query=q, tag=tag, difficulty=difficulty, visibility=visibility, limit=limit, offset=offset
        )
        return schemas.ProblemPage(
            items=[problems_service.to_summary(p) for p in items], total=total, limit=limit, offset=offset
        )

    @post(operation_id="CreateProblem", guards=[_WRITE], status_code=HTTP_201_CREATED)
    async def create_problem(
        self,
        data: JSONBody[schemas.ProblemCreate],
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        redis: NamedDependency[Redis],
    ) -> schemas.Problem:
        problem = await problems_service.create_problem(current_user, data, redis=redis)
        return await problems_service.to_view(problem, current_user)

    @get("/{slug:str}", operation_id="GetProblem")
    async def get_problem(
        self,
        slug: FromPath[str],
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        lang: Annotated[str | None, QueryParameter(max_length=16, description="a statement language")] = None,
    ) -> schemas.Problem:
        problem = await problems_service.for_viewer(current_user, slug)
        return await problems_service.to_view(problem, current_user, lang)

    @get(
        "/{slug:str}/files/{name:path}",
        operation_id="GetProblemFile",
        summary="An image the statement shows, or a file of the package's attachments/",
    )
    async def get_problem_file(
        self,
        slug: FromPath[str],
        name: FromPath[str],
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        problem = await problems_service.for_viewer(current_user, slug)
        data, media_type, download = await package_file(db_session, problem, name.lstrip("/"))
        headers = {
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        }
        if download:
            headers["Content-Disposition"] = f'attachment; filename="{name.rsplit("/", 1)[-1].replace(chr(34), "")}"'
        return Response(data, media_type=media_type, headers=headers)

    @patch("/{slug:str}", operation_id="UpdateProblem", guards=[_WRITE])
    async def update_problem(
        self,
        slug: FromPath[str],
        data: JSONBody[schemas.ProblemUpdate],
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        redis: NamedDependency[Redis],
    ) -> schemas.Problem:
        problem = await problems_service.update_problem(current_user, slug, data, redis=redis)
        return await problems_service.to_view(problem, current_user)

    @put(
        "/{slug:str}/package",
        operation_id="UploadProblemPackage",
        guards=[_WRITE],
        request_max_body_size=None,  # PACKAGE_MAX_BYTES is enforced while streaming, by the service
        summary="Create or update a problem from an ICPC problem package (zip or tar.gz body)",
    )
    async def upload_package(
        self,
        *,
        request: AnyRequest,
        slug: FromPath[str],
        current_user: NamedDependency[m.User],
        packages_service: NamedDependency[PackageService],
        judge_queue: NamedDependency[JudgeQueue],
        redis: NamedDependency[Redis],
        validate: Annotated[
            bool, QueryParameter(description="judge the package's reference solutions before it goes live")
        ] = False,
        check_inputs: Annotated[
            bool | None,
            QueryParameter(description="run the package's input validators on every test input (default: as validate)"),
        ] = None,
    ) -> Response[schemas.PackageResult]:
        """The body is the archive itself. The same package twice is a no-op answering the same digests."""
        prepared = await packages_service.receive(current_user, slug, request.stream(), _content_length(request))
        result = await packages_service.upload(
            user=current_user, slug=slug, prepared=prepared, validate=validate, queue=judge_queue, redis=redis,
            check_inputs=check_inputs,
        )  # fmt: skip
        return Response(result, status_code=HTTP_201_CREATED if result.created else HTTP_200_OK)

    @get(
        "/{slug:str}/package",
        operation_id="ExportProblemPackage",
        guards=[_WRITE],
        summary="The problem as an ICPC problem package (zip)",
        media_type="application/zip",
    )
    async def export_package(
        self,
        slug: FromPath[str],
        current_user: NamedDependency[m.User],
        packages_service: NamedDependency[PackageService],
    ) -> Response[bytes]:
        filename, data = await packages_service.export(current_user, slug)
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    @post("/{slug:str}/rejudge", operation_id="RejudgeProblem", guards=[_WRITE], status_code=HTTP_200_OK)
    async def rejudge_problem(
        self,
        slug: FromPath[str],
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        submissions_service: NamedDependency[SubmissionService],
        judge_queue: NamedDependency[JudgeQueue],
    ) -> schemas.RejudgeResult:
        """Judge every submission of the problem again against its current tests (a new attempt each; the old
        results are kept). Rejudges go to the background lane: students' work is always judged first."""
        problem = await problems_service.for_editor(current_user, slug)
        rejudged, skipped = await submissions_service.rejudge_problem(problem, by=current_user, queue=judge_queue)
        return schemas.RejudgeResult(rejudged=len(rejudged), skipped=skipped, submission_ids=[s.id for s in rejudged])


def _content_length(request: AnyRequest) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None
