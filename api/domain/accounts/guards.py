"""Route guards: every role, scope and ownership check of the platform, in one place.

Put one on every route that is not public (``tests/integration/test_route_guards.py`` fails for a route that has
neither a guard nor a place in its explicit public list)::

    from api.domain.accounts.guards import requires_active_user, requires_instructor, requires_scope

    class ProblemController(Controller):
        path = "/api/problems"
        guards = [requires_active_user]                                  # any signed-in, active account

        @post(guards=[requires_scope(m.ApiScope.PROBLEMS_WRITE)])         # instructors/admins, or a token with
        async def create_problem(...): ...                                 # the scope (whose owner may use it)

- :func:`requires_active_user`: signed in (session or API token), account active. 401 / 403 otherwise.
- :func:`requires_instructor`: an instructor or an admin. :func:`requires_admin`: an admin.
- :func:`requires_scope` ``(scope)``: a personal access token must carry the scope (and its owner's role must allow
  it); a signed-in session passes when the role allows the scope (``problems:write``: instructor or admin).
- :func:`requires_session`: a signed-in session, not an API token (account settings, token management).

**API tokens reach only what they are scoped for**: a route guarded without ``requires_scope`` accepts a personal
access token only for GET/HEAD, and only if the token has the ``read`` scope.

Ownership: :func:`ensure_owner_or_staff` (the owner, an instructor or an admin) raises 403; services and handlers
call it with the loaded object. Who may see another person's account is course-scoped:
:func:`api.domain.courses.access.ensure_can_view_user`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Final
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import WebSocketException
from litestar.handlers.base import BaseRouteHandler

from api.db import models as m
from api.domain.accounts.auth import SAFE_METHODS, AuthMethod, Principal, anonymous_reason, authenticate
from api.domain.accounts.services import allowed_scopes
from api.lib.exceptions import ApplicationError, NotAuthenticatedError, PermissionDeniedError

__all__ = [
    "STAFF_ROLES",
    "Guard",
    "ensure_owner_or_staff",
    "is_staff",
    "requires_active_user",
    "requires_admin",
    "requires_instructor",
    "requires_scope",
    "requires_session",
]

Connection = ASGIConnection[Any, Any, Any, Any]
Guard = Callable[[Connection, BaseRouteHandler], Awaitable[None]]
STAFF_ROLES: Final = frozenset({m.Role.INSTRUCTOR, m.Role.ADMIN})
_SCOPE_ATTR: Final = "__verdict_scope__"


def _closes_websockets(guard: Guard) -> Guard:
    """On a WebSocket handshake, a refusal closes with 4000 + the HTTP status (4401, 4403, 4429, 4503) and the
    reason, instead of Litestar's generic 4500 for errors that are not its own."""

    @functools.wraps(guard)
    async def wrapped(connection: Connection, handler: BaseRouteHandler) -> None:
        try:
            await guard(connection, handler)
        except ApplicationError as exc:
            if connection.scope["type"] != ScopeType.WEBSOCKET:
                raise
            raise WebSocketException(detail=exc.detail, code=4000 + exc.status_code) from exc

    return wrapped


def is_staff(user: m.User) -> bool:
    return user.role in STAFF_ROLES


def _route_checks_scope(handler: BaseRouteHandler) -> bool:
    return any(getattr(guard, _SCOPE_ATTR, None) is not None for guard in handler.resolve_guards())


async def _signed_in(connection: Connection, handler: BaseRouteHandler) -> Principal:
    principal = await authenticate(connection)
    if principal is None:
        reason = anonymous_reason(connection)
        if reason is not None:
            raise reason
        raise NotAuthenticatedError(
            "sign in first: send 'Authorization: Bearer <token>' (POST /api/auth/login) or use the web sign-in"
        )
    if principal.method is AuthMethod.API_TOKEN and not _route_checks_scope(handler):
        scopes = principal.scopes or frozenset()
        method = connection.scope.get("method", "GET")
        if method not in SAFE_METHODS or m.ApiScope.READ not in scopes:
            raise PermissionDeniedError(
                "an API token cannot be used here"
                + (" (it lacks the 'read' scope)" if method in SAFE_METHODS else ": sign in to do this")
            )
    return principal


@_closes_websockets
async def requires_active_user(connection: Connection, handler: BaseRouteHandler) -> None:
    await _signed_in(connection, handler)


@_closes_websockets
async def requires_session(connection: Connection, handler: BaseRouteHandler) -> None:
    principal = await _signed_in(connection, handler)
    if not principal.is_session:
        raise PermissionDeniedError("this needs a signed-in session, not an API token")


@_closes_websockets
async def requires_instructor(connection: Connection, handler: BaseRouteHandler) -> None:
    principal = await _signed_in(connection, handler)
    if not is_staff(principal.user):
        raise PermissionDeniedError("only instructors and admins may do this")


@_closes_websockets
async def requires_admin(connection: Connection, handler: BaseRouteHandler) -> None:
    principal = await _signed_in(connection, handler)
    if principal.user.role is not m.Role.ADMIN:
        raise PermissionDeniedError("only admins may do this")


def requires_scope(scope: m.ApiScope) -> Guard:
    """A guard for routes that API tokens may use: the token needs ``scope``; a session needs a role allowing it."""

    async def guard(connection: Connection, handler: BaseRouteHandler) -> None:
        principal = await _signed_in(connection, handler)
        role_allows = scope in allowed_scopes(principal.user.role)
        scopes = principal.scopes
        if scopes is not None and scope not in scopes:
            raise PermissionDeniedError(f"this API token lacks the '{scope.value}' scope")
        if not role_allows:
            raise PermissionDeniedError(f"a {principal.user.role.value} may not use '{scope.value}'")

    guard.__name__ = guard.__qualname__ = f"requires_scope({scope.value})"
    wrapped = _closes_websockets(guard)
    setattr(wrapped, _SCOPE_ATTR, scope)
    return wrapped


def ensure_owner_or_staff(user: m.User, owner_id: UUID | None, *, what: str = "this") -> None:
    """The owner, an instructor or an admin may go on; anyone else gets 403."""
    if owner_id is not None and user.id == owner_id:
        return
    if not is_staff(user):
        raise PermissionDeniedError(f"you may not see or change {what}")
