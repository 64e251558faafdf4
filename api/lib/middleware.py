"""ASGI middleware: a request id on every request and response, and one access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Final

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.logging import request_id_var

__all__ = ["request_id_middleware"]

logger = logging.getLogger("verdict.access")
_VALID_ID: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        is_http = scope["type"] == ScopeType.HTTP
        incoming = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["x-request-id"] = request_id
            await send(message)

        try:
            # a socket's frames pass straight through: no response header to add, and one call less per frame
            await app(scope, receive, send_with_id if is_http else send)
        finally:
            if is_http:
                elapsed_ms = (time.perf_counter() - started) * 1000
                logger.info("%s %s %s %.1fms", scope.get("method", ""), scope.get("path", ""), status, elapsed_ms)
            request_id_var.reset(token)

    return middleware
