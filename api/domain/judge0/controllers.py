"""The Judge0 CE 1.13.1 API at ``/judge0``: thin handlers over :class:`Judge0SubmissionService`.

Every route needs a personal access token with the ``judge0`` scope (``X-Auth-Token``, Judge0's header, or
``Authorization: Bearer``), as on a Judge0 host with authentication on. Errors keep Judge0's shapes (see
:mod:`api.domain.judge0.errors`); the router's own exception handlers produce them, so the rest of the app keeps
its problem-details format.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, Final
from urllib.parse import parse_qsl

import msgspec
from litestar import Controller, Request, Response, Router, delete, get, post, route
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.auth import Principal
from api.domain.accounts.guards import requires_scope
from api.domain.accounts.services import ApiTokenService
from api.domain.judge0 import info
from api.domain.judge0.config import ConfigInfo, Judge0Config, judge0_config
from api.domain.judge0.errors import NOT_UTF8_MANY, NOT_UTF8_ONE, Judge0Error, bad_request, forbidden, not_found
from api.domain.judge0.fields import FieldSelection, parse_fields
from api.domain.judge0.languages import LANGUAGES, LanguageBrief, LanguageDetail, LanguageEntry
from api.domain.judge0.present import NotUtf8Error, present
from api.domain.judge0.services import Judge0SubmissionService, Stored
from api.domain.judge0.statuses import STATUSES, StatusBody
from api.lib.exceptions import ApplicationError, NotAuthenticatedError, PermissionDeniedError
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["judge0_router"]

Params = dict[str, Any]
_PER_PAGE: Final = 20
_MAX_PER_PAGE: Final = 1000


# --- request helpers -----------------------------------------------------------------------------------------------


async def _params(request: Request[Any, Any, Any]) -> Params:
    """Rails' ``params``: the query string, overridden by a JSON (or form) body's top-level keys."""
    params: Params = {key: request.query_params.getall(key)[-1] for key in request.query_params}
    body = await request.body()
    if not body.strip():
        return params
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return params
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise Judge0Error(400, {"status": 400, "error": "Bad Request"}) from None
    if isinstance(decoded, dict):
        params.update(decoded)
    return params


def _flag(params: Params, name: str) -> bool:
    """Judge0 turns a flag on only for the exact string ``"true"``."""
    return params.get(name) == "true"


def _fields(params: Params) -> FieldSelection:
    raw = params.get("fields")
    selection = parse_fields(raw if isinstance(raw, str) else None if raw is None else str(raw))
    if selection.error is not None:
        raise bad_request(selection.error)
    return selection


def _to_i(value: Any, default: int) -> int:
    """Ruby's ``to_i`` of a query parameter (``"abc"`` is 0), or ``default`` when absent."""
    if value is None:
        return default
    text = str(value).strip()
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    number = ""
    for char in digits:
        if not char.isdigit():
            break
        number += char
    return sign * int(number) if number else 0


async def _render(
    service: Judge0SubmissionService, stored: Stored, selection: FieldSelection, *, base64_encoded: bool
) -> dict[str, Any]:
    result = await service.result(stored)
    return present(stored.row, result, fields=selection.fields, base64_encoded=base64_encoded)


async def _authorize(request: Request[Any, Any, Any], session: AsyncSession, user_id: Any) -> None:
    """Judge0's authorization step (``X-Auth-User``): when sent, it must be a ``judge0`` token of the same owner."""
    raw = request.headers.get("x-auth-user")
    if raw is None:
        return
    try:
        token, user = await ApiTokenService(session=session).resolve(raw.strip())
    except ApplicationError:
        raise forbidden() from None
    if user.id != user_id or m.ApiScope.JUDGE0.value not in token.scopes:
        raise forbidden()


# --- handlers ------------------------------------------------------------------------------------------------------


class Judge0Controller(Controller):
    path = ""
    tags = ["judge0"]

    # Information, languages and statuses.

    @get("/about", operation_id="Judge0About", summary="Judge0: version and maintainer")
    async def about(self, settings: NamedDependency[Settings]) -> info.About:
        return info.about(settings)

    @get("/config_info", operation_id="Judge0ConfigInfo", summary="Judge0: configuration, limits and defaults")
    async def config_info(self, judge0_config: NamedDependency[Judge0Config]) -> ConfigInfo:
        return judge0_config.info

    @get("/system_info", operation_id="Judge0SystemInfo", summary="Judge0: the API host's CPUs and memory")
    async def system_info(self) -> dict[str, str]:
        return await asyncio.to_thread(info.system_info)

    @get("/statistics", operation_id="Judge0Statistics", summary="Judge0: submission counts (cached 10 minutes)")
    async def statistics(
        self, request: Request[Any, Any, Any], judge0_service: NamedDependency[Judge0SubmissionService]
    ) -> Any:
        return await info.statistics(judge0_service, invalidate=request.query_params.get("invalidate_cache") == "true")

    @get("/workers", operation_id="Judge0Workers", summary="Judge0: the judge queue and its workers")
    async def workers(self, redis: NamedDependency[Redis]) -> list[info.QueueWorkers]:
        return await info.workers(redis)

    @get("/statuses", operation_id="Judge0Statuses", summary="Judge0: the 14 submission statuses")
    async def statuses(self) -> tuple[StatusBody, ...]:
        return STATUSES

    @get("/languages", operation_id="Judge0Languages", summary="Judge0: languages usable now")
    async def languages(self, judge0_service: NamedDependency[Judge0SubmissionService]) -> list[LanguageBrief]:
        active = await judge0_service.active_languages()
        return [LanguageBrief(id=lang.id, name=lang.name) for lang in LANGUAGES.values() if lang.id in active]

    @get("/languages/all", operation_id="Judge0AllLanguages", summary="Judge0: every language, archived or not")
    async def all_languages(self, judge0_service: NamedDependency[Judge0SubmissionService]) -> list[LanguageEntry]:
        active = await judge0_service.active_languages()
        return [
            LanguageEntry(id=lang.id, name=lang.name, is_archived=lang.id not in active) for lang in LANGUAGES.values()
        ]

    @get("/languages/{language_id:str}", operation_id="Judge0Language", summary="Judge0: one language")
    async def language(
        self, language_id: FromPath[str], judge0_service: NamedDependency[Judge0SubmissionService]
    ) -> LanguageDetail:
        lang = LANGUAGES.get(_to_i(language_id, -1)) if language_id.strip().lstrip("+-").isdigit() else None
        if lang is None:
            raise not_found()
        active = await judge0_service.active_languages()
        return LanguageDetail(
            id=lang.id,
            name=lang.name,
            is_archived=lang.id not in active,
            source_file=lang.source_file,
            compile_cmd=lang.compile_cmd,
            run_cmd=lang.run_cmd,
        )

    # Authentication and authorization checks.

    @post("/authenticate", operation_id="Judge0Authenticate", summary="Judge0: is this X-Auth-Token valid?")
    async def authenticate(self) -> Response[bytes]:
        return Response(b"", status_code=HTTP_200_OK)

    @post("/authorize", operation_id="Judge0Authorize", summary="Judge0: is this X-Auth-User valid?")
    async def authorize(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        current_principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        await _authorize(request, db_session, current_principal.user.id)
        return Response(b"", status_code=HTTP_200_OK)

    # Submissions.

    @post("/submissions", operation_id="Judge0CreateSubmission", summary="Judge0: create a submission")
    async def create_submission(
        self,
        request: Request[Any, Any, Any],
        judge0_service: NamedDependency[Judge0SubmissionService],
        judge_queue: NamedDependency[JudgeQueue],
        current_user: NamedDependency[m.User],
    ) -> Response[Any]:
        params = await _params(request)
        wait = _flag(params, "wait")
        if wait and not judge0_service.config.info.enable_wait_result:
            raise bad_request("wait not allowed")
        await judge0_service.check_queue(judge_queue, 1)
        selection = _fields(params)
        base64_encoded = _flag(params, "base64_encoded")
        submit = judge0_service.submit_and_wait if wait else judge0_service.submit
        outcome = await submit(
            owner_id=current_user.id, params=params, base64_encoded=base64_encoded, queue=judge_queue
        )
        if not isinstance(outcome, Stored):
            return Response(outcome, status_code=422)
        if not wait:
            return Response({"token": str(outcome.row.token)}, status_code=HTTP_201_CREATED)
        try:
            body = await _render(judge0_service, outcome, selection, base64_encoded=base64_encoded)
        except NotUtf8Error:
            body = {"error": NOT_UTF8_ONE, "token": str(outcome.row.token)}
        return Response(body, status_code=HTTP_201_CREATED)

    @get("/submissions", operation_id="Judge0ListSubmissions", summary="Judge0: your submissions, a page at a time")
    async def list_submissions(
        self,
        request: Request[Any, Any, Any],
        judge0_service: NamedDependency[Judge0SubmissionService],
        db_session: NamedDependency[AsyncSession],
        current_user: NamedDependency[m.User],
    ) -> Response[Any]:
        await _authorize(request, db_session, current_user.id)
        params = await _params(request)
        selection = _fields(params)
        base64_encoded = _flag(params, "base64_encoded")
        page = _to_i(params.get("page"), 1)
        per_page = _to_i(params.get("per_page"), _PER_PAGE)
        if page <= 0:
            raise bad_request(f"invalid page: {page}")
        if per_page < 0:
            raise bad_request(f"invalid per_page: {per_page}")
        per_page = min(per_page, _MAX_PER_PAGE)
        stored, total = await judge0_service.page(current_user.id, page=page, per_page=per_page)
        try:
            submissions = [
                await _render(judge0_service, one, selection, base64_encoded=base64_encoded) for one in stored
            ]
        except NotUtf8Error:
            raise bad_request(NOT_UTF8_MANY) from None
        total_pages = math.ceil(total / per_page) if per_page else 0
        meta = {
            "current_page": page,
            "next_page": page + 1 if page < total_pages else None,
            "prev_page": page - 1 if page > 1 else None,
            "total_pages": total_pages,
            "total_count": total,
        }
        return Response({"submissions": submissions, "meta": meta})

    @get("/submissions/batch", operation_id="Judge0GetBatch", summary="Judge0: several submissions by token")
    async def get_batch(
        self,
        request: Request[Any, Any, Any],
        judge0_service: NamedDependency[Judge0SubmissionService],
        current_user: NamedDependency[m.User],
    ) -> Response[Any]:
        params = await _params(request)
        if not judge0_service.config.info.enable_batched_submissions:
            raise bad_request("batched submissions are not allowed")
        selection = _fields(params)
        base64_encoded = _flag(params, "base64_encoded")
        raw = request.headers.get("tokens") or params.get("tokens") or ""
        tokens = str(raw).strip().split(",")
        while tokens and not tokens[-1]:
            tokens.pop()
        limit = judge0_service.config.info.max_submission_batch_size
        if len(tokens) > limit:
            raise bad_request(f"number of submissions in a batch should be less than or equal to {limit}")
        if not tokens:
            raise bad_request("there should be at least one submission in a batch")
        found = await judge0_service.find_many(current_user.id, tokens)
        try:
            submissions = [
                await _render(judge0_service, found[token], selection, base64_encoded=base64_encoded)
                if token in found
                else None
                for token in tokens
            ]
        except NotUtf8Error:
            raise bad_request(NOT_UTF8_MANY) from None
        return Response({"submissions": submissions})

    @post("/submissions/batch", operation_id="Judge0CreateBatch", summary="Judge0: create up to 20 submissions")
    async def create_batch(
        self,
        request: Request[Any, Any, Any],
        judge0_service: NamedDependency[Judge0SubmissionService],
        judge_queue: NamedDependency[JudgeQueue],
        current_user: NamedDependency[m.User],
    ) -> Response[Any]:
        params = await _params(request)
        config = judge0_service.config.info
        if not config.enable_batched_submissions:
            raise bad_request("batched submissions are not allowed")
        items = params.get("submissions")
        count = len(items) if isinstance(items, list | dict) else 0
        await judge0_service.check_queue(judge_queue, count or 1)
        if count > config.max_submission_batch_size:
            raise bad_request(
                f"number of submissions in a batch should be less than or equal to {config.max_submission_batch_size}"
            )
        if count == 0 or not isinstance(items, list):
            raise bad_request("there should be at least one submission in a batch")
        outcomes = await judge0_service.submit_batch(
            owner_id=current_user.id, items=items, base64_encoded=_flag(params, "base64_encoded"), queue=judge_queue
        )
        body = [{"token": str(o.row.token)} if isinstance(o, Stored) else o for o in outcomes]
        created = any(isinstance(o, Stored) for o in outcomes)
        return Response(body, status_code=HTTP_201_CREATED if created else 422)

    @get("/submissions/{token:str}", operation_id="Judge0GetSubmission", summary="Judge0: one submission")
    async def get_submission(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        judge0_service: NamedDependency[Judge0SubmissionService],
        current_user: NamedDependency[m.User],
    ) -> Response[Any]:
        params = await _params(request)
        selection = _fields(params)
        stored = await judge0_service.find(current_user.id, token)
        try:
            body = await _render(judge0_service, stored, selection, base64_encoded=_flag(params, "base64_encoded"))
        except NotUtf8Error:
            raise bad_request(NOT_UTF8_ONE) from None
        return Response(body)

    @delete(
        "/submissions/{token:str}",
        operation_id="Judge0DeleteSubmission",
        summary="Judge0: delete a judged submission",
        status_code=HTTP_200_OK,
    )
    async def delete_submission(
        self,
        token: FromPath[str],
        request: Request[Any, Any, Any],
        judge0_service: NamedDependency[Judge0SubmissionService],
        db_session: NamedDependency[AsyncSession],
        current_user: NamedDependency[m.User],
    ) -> Response[Any]:
        await _authorize(request, db_session, current_user.id)
        params = await _params(request)
        selection = _fields(params)
        stored, result = await judge0_service.remove(current_user.id, token)
        return Response(present(stored.row, result, fields=selection.fields, base64_encoded=True))

    @route(
        "/{path:path}",
        http_method=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
        operation_id="Judge0NotFound",
    )
    async def not_found(self, path: FromPath[str]) -> None:
        """Any other path under ``/judge0``: Judge0's (Rails') 404."""
        del path
        raise not_found()


# --- wiring --------------------------------------------------------------------------------------------------------


def _judge0_error(_request: Request[Any, Any, Any], exc: Judge0Error) -> Response[Any]:
    if exc.body is None:
        return Response(b"", status_code=exc.status_code, media_type="application/json")
    return Response(exc.body, status_code=exc.status_code)


def _not_authenticated(_request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return Response(b"", status_code=401, media_type="application/json")


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 404:
        return _judge0_error(request, not_found())
    if exc.status_code == 401:
        return _not_authenticated(request, exc)
    status = exc.status_code
    return Response({"status": status, "error": exc.detail or "Error"}, status_code=status)


def judge0_router(settings: Settings) -> Router:
    """``/judge0``: every route needs the ``judge0`` scope; errors answer in Judge0's shapes."""
    config = judge0_config(settings)

    def provide_judge0_config() -> Judge0Config:
        return config

    async def provide_judge0_service(
        db_session: NamedDependency[AsyncSession], redis: NamedDependency[Redis]
    ) -> Judge0SubmissionService:
        return Judge0SubmissionService(db_session, redis=redis, config=config)

    return Router(
        path="/judge0",
        route_handlers=[Judge0Controller],
        guards=[requires_scope(m.ApiScope.JUDGE0)],
        dependencies={
            "judge0_config": Provide(provide_judge0_config, sync_to_thread=False),
            "judge0_service": Provide(provide_judge0_service),
        },
        exception_handlers={
            Judge0Error: _judge0_error,
            NotAuthenticatedError: _not_authenticated,
            PermissionDeniedError: _not_authenticated,
            HTTPException: _http_error,
        },
    )
