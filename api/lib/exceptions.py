"""Domain errors and the one place that maps every error to an HTTP answer.

API routes (``/api``, ``/judge0``, ``/internal``, ``/health``, ``/ready``) answer JSON problem details
(RFC 9457 fields plus ``detail`` and optional ``errors``); page routes answer a friendly HTML page. No answer
ever carries a stack trace: unexpected errors are logged with the request id and answered as a plain 500.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Final

from advanced_alchemy.exceptions import DuplicateKeyError, NotFoundError, RepositoryError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_502_BAD_GATEWAY,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

__all__ = [
    "RETRY_AFTER_S",
    "ApplicationClientError",
    "ApplicationError",
    "BadGatewayError",
    "ConflictError",
    "NotAuthenticatedError",
    "PermissionDeniedError",
    "ServiceUnavailableError",
    "TooManyRequestsError",
    "describe_pattern",
    "exception_handlers",
    "wants_json",
]

logger = logging.getLogger("verdict.errors")

_JSON_PREFIXES = ("/api", "/judge0", "/internal", "/health", "/ready", "/ws")
_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


# A wire format's regular expressions, each with its rule in words (``describe_pattern``): a value that does not match
# is answered with the rule, not with the expression.
_PATTERN_RULES: dict[str, str] = {}
_REGEX_MESSAGE: Final = re.compile(r"^Expected `str` matching regex '(?P<pattern>.*)'$", re.DOTALL)


def describe_pattern(pattern: str, rule: str) -> str:
    """Register ``rule`` (in words) as what a validation error says when a value does not match ``pattern``."""
    _PATTERN_RULES[pattern] = rule
    return pattern


def _in_words(error: dict[str, Any]) -> dict[str, Any]:
    found = _REGEX_MESSAGE.match(str(error.get("message", "")))
    if found is None:
        return error
    pattern = found.group("pattern").replace("\\\\", "\\")
    rule = _PATTERN_RULES.get(pattern) or _PATTERN_RULES.get(found.group("pattern"))
    return {**error, "message": rule or "does not have the expected form"}


class ApplicationError(Exception):
    """Base of Verdict's domain errors."""

    status_code: int = HTTP_500_INTERNAL_SERVER_ERROR

    def __init__(
        self, detail: str, *, errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class ApplicationClientError(ApplicationError):
    """The request cannot be done as asked; the message says what to change."""

    status_code = HTTP_400_BAD_REQUEST


class PermissionDeniedError(ApplicationError):
    status_code = HTTP_403_FORBIDDEN


class ConflictError(ApplicationError):
    status_code = HTTP_409_CONFLICT


class NotAuthenticatedError(ApplicationError):
    """No valid credentials (401): the message says whether to sign in, refresh, or fix the token."""

    status_code = HTTP_401_UNAUTHORIZED

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail, errors=errors, headers={"WWW-Authenticate": 'Bearer realm="verdict"'})


class TooManyRequestsError(ApplicationError):
    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))})
        self.retry_after_s = retry_after_s


class BadGatewayError(ApplicationError):
    """A service Verdict calls on someone's behalf (an LMS, say) refused or could not be reached."""

    status_code = HTTP_502_BAD_GATEWAY


class ServiceUnavailableError(ApplicationError):
    """A dependency (Redis, SMTP, ...) is down; the request may succeed later (``Retry-After`` says when)."""

    status_code = HTTP_503_SERVICE_UNAVAILABLE

    def __init__(self, detail: str, *, retry_after_s: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))})
        self.retry_after_s = retry_after_s


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path.startswith(_JSON_PREFIXES):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept


def _answer(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    title = _TITLES.get(status, "Error")
    request_id = request.scope.get("state", {}).get("request_id", "")
    if not request_id:
        # Unrouted requests (404, 405) never reach the request-id middleware: give their answer an id here.
        request_id = uuid.uuid4().hex
        headers = {**(headers or {}), "x-request-id": request_id}
    if wants_json(request):
        body: dict[str, Any] = {"status": status, "title": title, "detail": detail}
        if errors:
            body["errors"] = errors
        if request_id:
            body["request_id"] = request_id
        return Response(body, status_code=status, media_type="application/problem+json", headers=headers)
    return Template(
        template_name="error.html.j2",
        context={"status": status, "title": title, "detail": detail, "request_id": request_id},
        status_code=status,
        media_type=MediaType.HTML,
        headers=headers,
    )


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    errors: list[dict[str, Any]] | None = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = [_in_words(e) if isinstance(e, dict) else {"message": str(e)} for e in exc.extra]
    detail = exc.detail or _TITLES.get(exc.status_code, "Error")
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    elif exc.status_code == 404 and detail in {"Not Found", "Not found"}:
        detail = f"nothing is at {request.url.path}"
    elif exc.status_code == 400 and detail == "Input data was truncated":
        detail = "JSON is malformed: the body ends in the middle of a value"
    elif exc.status_code == 413:
        resolve = getattr(request.scope.get("route_handler"), "resolve_request_max_body_size", None)
        limit = resolve() if resolve is not None else None
        detail = f"the request body is larger than the limit of {limit} bytes" if limit else "the body is too large"
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code >= 500:
        logger.error("server error %s: %s", exc.status_code, detail)
        detail = _TITLES.get(exc.status_code, "Error")
    return _answer(request, exc.status_code, detail, errors=errors, headers=headers)


def _application_error(request: Request[Any, Any, Any], exc: ApplicationError) -> Response[Any]:
    return _answer(request, exc.status_code, exc.detail, errors=exc.errors, headers=exc.headers)


def _not_found(request: Request[Any, Any, Any], exc: NotFoundError) -> Response[Any]:
    return _answer(request, HTTP_404_NOT_FOUND, "no such item, or you may not see it")


def _duplicate(request: Request[Any, Any, Any], exc: DuplicateKeyError) -> Response[Any]:
    return _answer(request, HTTP_409_CONFLICT, "an item with the same unique value already exists")


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request.scope.get("state", {}).get("request_id", "")
    logger.exception("unhandled error (request id %s)", request_id, exc_info=exc)
    return _answer(request, HTTP_500_INTERNAL_SERVER_ERROR, "something went wrong on our side; it has been logged")


RETRY_AFTER_S: Final = 5  # what a 503 for an unreachable database or Redis asks the client to wait
# Errors that mean "the database (or Redis) cannot be reached right now", not "the request is wrong" nor a bug:
# refused or dropped connections, a server starting up or shutting down, a pool with no connection to give.
_UNREACHABLE: Final = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionError,  # the OS's: refused, reset, aborted (asyncpg raises these while connecting)
    TimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
)
_PG_UNREACHABLE: Final = frozenset(
    {
        "CannotConnectNowError",
        "AdminShutdown",
        "CrashShutdown",
        "ConnectionDoesNotExistError",
        "TooManyConnectionsError",
    }
)


def _unreachable(exc: BaseException | None) -> BaseException | None:
    """The dependency-outage error in ``exc``'s chain of causes, if any."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, _UNREACHABLE):
            return exc
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return exc
        if type(exc).__name__ in _PG_UNREACHABLE:  # asyncpg's, also as DBAPIError.orig
            return exc
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
        seen += 1
    return None


def _dependency_down(request: Request[Any, Any, Any], exc: BaseException) -> Response[Any]:
    redis = isinstance(exc, RedisConnectionError | RedisTimeoutError)
    what = "Redis" if redis else "the database"
    logger.warning("503 on %s %s: %s is unreachable (%s)", request.method, request.url.path, what, exc)
    return _answer(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        f"{what} cannot be reached right now; try again in a few seconds",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _outage_or_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    cause = _unreachable(exc)
    if cause is not None:
        return _dependency_down(request, cause)
    return _unexpected(request, exc)


def _repository(request: Request[Any, Any, Any], exc: RepositoryError) -> Response[Any]:
    return _outage_or_unexpected(request, exc)


def _not_utf8(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    # Litestar's JSON decoding lets this through when a body is not UTF-8: the client sent bad bytes.
    return _answer(request, HTTP_400_BAD_REQUEST, "the body is not valid UTF-8 text")


def _recursion(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    if "deserializing" in str(exc):  # msgspec refusing absurdly nested JSON from a client
        return _answer(request, HTTP_400_BAD_REQUEST, "JSON is nested too deeply")
    return _unexpected(request, exc)


exception_handlers: dict[type[Exception] | int, Any] = {
    HTTPException: _http_exception,
    ApplicationError: _application_error,
    NotFoundError: _not_found,
    DuplicateKeyError: _duplicate,
    RepositoryError: _repository,
    DBAPIError: _outage_or_unexpected,  # OperationalError, InterfaceError, an invalidated connection: 503
    PoolTimeoutError: _outage_or_unexpected,
    ConnectionError: _outage_or_unexpected,
    TimeoutError: _outage_or_unexpected,
    RedisConnectionError: _outage_or_unexpected,
    RedisTimeoutError: _outage_or_unexpected,
    UnicodeDecodeError: _not_utf8,
    RecursionError: _recursion,
    Exception: _outage_or_unexpected,
}
