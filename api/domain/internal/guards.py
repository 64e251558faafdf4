"""The judge-token guard: ``Authorization: Bearer <JUDGE_TOKEN>``, compared in constant time."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from api.lib.crypto import secrets_equal
from api.settings import Settings

__all__ = ["requires_judge_token"]


async def requires_judge_token(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    settings: Settings = connection.app.state["app_state"].settings
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    expected = settings.judge_token
    # Compare even when the header is malformed, so timing does not tell a wrong scheme from a wrong token.
    matches = secrets_equal(token.strip(), expected)
    if scheme.lower() != "bearer" or not expected or not matches:
        raise NotAuthorizedException(
            "a judge token is required (Authorization: Bearer <JUDGE_TOKEN>)",
            headers={"WWW-Authenticate": 'Bearer realm="verdict-judge"'},
        )
