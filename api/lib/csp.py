"""Security headers for every answer, and the Content-Security-Policy of every HTML page.

Pages load scripts only from Verdict itself (``web/static/js`` and the vendored packages): no inline script, no
``eval``, no other origin. Styles allow inline ``style`` (Monaco and KaTeX set styles at run time); images and fonts
come from the site or ``data:`` URLs; Monaco's workers start from the site or from ``blob:`` URLs; the WebSocket of
live results is same-origin (``connect-src 'self'``).

A page that must post a form to another site (the LTI deep-linking picker answers the LMS) names that one origin
in the ``x-verdict-form-action`` header of its answer; the header is removed and the origin added to ``form-action``
of that answer only.

The one page with an inline script is Litestar's Swagger UI at ``/api/docs``, which embeds the OpenAPI document in
its start-up script: that answer gets the same policy with the SHA-256 of exactly the inline scripts it carries, so
nothing else inline can run there either.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Final

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "FORM_ACTION_HEADER", "content_security_policy", "security_headers_middleware"]

FORM_ACTION_HEADER: Final = "x-verdict-form-action"
_ORIGIN: Final = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")

_DIRECTIVES: Final = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("worker-src", "'self' blob:"),
    ("frame-src", "'none'"),
    ("frame-ancestors", "'none'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)
_DOCS_PREFIX: Final = "/api/docs"
_INLINE_SCRIPT: Final = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def content_security_policy(extra_script_sources: tuple[str, ...] = (), form_origin: str = "") -> str:
    parts = []
    for name, value in _DIRECTIVES:
        sources = " ".join((value, *extra_script_sources)) if name == "script-src" else value
        if name == "form-action" and form_origin:
            sources = f"{value} {form_origin}"
        parts.append(f"{name} {sources}")
    return "; ".join(parts)


CONTENT_SECURITY_POLICY: Final = content_security_policy()


def _script_hashes(body: bytes) -> tuple[str, ...]:
    return tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode() + "'"
        for match in _INLINE_SCRIPT.finditer(body)
    )


def _set_headers(message: Message, policy: str) -> None:
    headers = MutableScopeHeaders.from_message(message)
    form_origin = headers.get(FORM_ACTION_HEADER, "")
    if form_origin:
        del headers[FORM_ACTION_HEADER]
        if _ORIGIN.match(form_origin):
            policy = content_security_policy(form_origin=form_origin)
    headers["x-content-type-options"] = "nosniff"
    headers["referrer-policy"] = "same-origin"
    if headers.get("content-type", "").startswith("text/html"):
        headers["content-security-policy"] = policy
        headers["x-frame-options"] = "DENY"


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        if not scope.get("path", "").startswith(_DOCS_PREFIX):

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    _set_headers(message, CONTENT_SECURITY_POLICY)
                await send(message)

            await app(scope, receive, send_with_headers)
            return

        # The docs page: read the whole (small, uncompressed) answer to hash its inline scripts.
        scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            _set_headers(start, content_security_policy(_script_hashes(body)))
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await app(scope, receive, buffered)

    return middleware
