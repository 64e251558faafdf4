"""Middleware: a handler that takes a JSON body gets one, or the client is told plainly what to send.

Litestar decodes any body as JSON whatever its ``Content-Type`` (so ``text/plain`` would be accepted and a form post
answered "JSON is malformed"), and reports a missing body as ``'data'``. This middleware answers those cases first:
415 naming the expected type, or 400 saying a JSON body is required. Handlers that declare another encoding
(``Body(media_type=RequestEncodingType.URL_ENCODED)`` or multipart) are left alone.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException, HTTPException
from litestar.params import BodyKwarg
from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = ["json_body_middleware"]

_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


def _expects_json(route_handler: Any) -> tuple[bool, bool]:
    """(takes a JSON body, the body is required)."""
    signature = getattr(route_handler, "parsed_fn_signature", None)
    if signature is None:
        return False, False
    data = signature.parameters.get("data")
    if data is None:
        return False, False
    kwarg = data.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type not in (RequestEncodingType.JSON, None):
        return False, False
    required = not data.is_optional and not data.has_default
    return True, required


def _handler_for(route_handler: Any, exc: HTTPException) -> Any:
    """The exception handler the route itself would use (routers may answer in their own shapes, e.g. Judge0)."""
    handlers = route_handler.resolve_exception_handlers() if route_handler is not None else {}
    if exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


def _problem(scope: Scope) -> tuple[int, str] | None:
    """What is wrong with the request's body for its handler, or None."""
    if scope["type"] != ScopeType.HTTP or scope.get("method") not in _BODY_METHODS:
        return None
    takes_json, required = _expects_json(scope.get("route_handler"))
    if not takes_json:
        return None
    headers = dict(scope.get("headers", []))
    length = headers.get(b"content-length", b"").strip()
    has_body = b"transfer-encoding" in headers or (length not in (b"", b"0"))
    if has_body:
        raw_type = headers.get(b"content-type", b"").decode("latin-1")
        media_type = raw_type.split(";", 1)[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            got = media_type or "no Content-Type"
            return 415, f"send the body as JSON with 'Content-Type: application/json' (got {got})"
        return None
    if required:
        return 400, f"{scope.get('method')} {scope.get('path')} needs a JSON body"
    return None


def json_body_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        problem = _problem(scope)
        if problem is None:
            await app(scope, receive, send)
            return
        status, detail = problem
        exc = ClientException(detail=detail, status_code=status)
        route_handler = scope.get("route_handler")
        handler = _handler_for(route_handler, exc)
        if handler is None:
            raise exc
        # Answer here rather than raise: a raised error would be answered outside the other middleware (no
        # request id header), by the app-level handler instead of the route's own.
        request: Request[Any, Any, Any] = Request(scope=scope, receive=receive, send=send)
        response = handler(request, exc)
        await response.to_asgi_response(app=None, request=request)(scope, receive, send)

    return middleware
