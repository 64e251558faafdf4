"""Who is making this request: :func:`authenticate` turns a connection's credentials into a :class:`Principal`.

Credentials, first match wins:

1. ``Authorization: Bearer <access JWT>`` or ``Authorization: Bearer vdt_...`` (a personal access token);
2. ``X-Auth-Token: vdt_...`` (the Judge0 convention; personal access tokens only);
3. the ``verdict_access`` cookie (browser sessions). On POST/PUT/PATCH/DELETE it must come with an
   ``X-CSRF-Token`` header equal to the session's CSRF token, else 403. WebSocket handshakes carrying the cookie
   from another origin are treated as anonymous.

Header credentials that are wrong (expired, tampered, revoked) are a 401 at once; an expired or revoked *cookie*
makes the request anonymous, so public pages still render, and guarded routes answer 401 with the reason.
The result is computed once per request and kept in the ASGI scope, so guards and dependencies share it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.cookies import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER
from api.domain.accounts.runtime import STATE_KEY, AccountsRuntime
from api.domain.accounts.services import ApiTokenService
from api.domain.accounts.sessions import RevocationStore
from api.domain.accounts.tokens import API_TOKEN_PREFIX, AccessClaims, InvalidAccessTokenError
from api.lib.crypto import secrets_equal
from api.lib.exceptions import ApplicationError, NotAuthenticatedError, PermissionDeniedError

__all__ = ["AuthMethod", "Principal", "anonymous_reason", "authenticate", "runtime_of"]

_MEMO: Final = "verdict.principal"
_REASON: Final = "verdict.anonymous_reason"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

Connection = ASGIConnection[Any, Any, Any, Any]


class AuthMethod(enum.StrEnum):
    BEARER = "bearer"  # an access JWT in the Authorization header
    COOKIE = "cookie"  # an access JWT in the verdict_access cookie
    API_TOKEN = "api_token"  # noqa: S105 - a personal access token (Authorization: Bearer or X-Auth-Token)


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user and how they proved it."""

    user: m.User
    method: AuthMethod
    claims: AccessClaims | None = None  # set for sessions (BEARER, COOKIE)
    api_token: m.ApiToken | None = None  # set for API_TOKEN

    @property
    def is_session(self) -> bool:
        return self.claims is not None

    @property
    def session_id(self) -> UUID | None:
        return self.claims.session_id if self.claims else None

    @property
    def scopes(self) -> frozenset[m.ApiScope] | None:
        """The token's scopes, or None for a session (whose reach is its role's)."""
        if self.api_token is None:
            return None
        return frozenset(m.ApiScope(s) for s in self.api_token.scopes if s in m.ApiScope._value2member_map_)


def runtime_of(connection: Connection) -> AccountsRuntime:
    runtime: AccountsRuntime = connection.app.state[STATE_KEY]
    return runtime


def _db_config(connection: Connection) -> SQLAlchemyAsyncConfig:
    plugin = connection.app.plugins.get(SQLAlchemyPlugin)
    config = plugin.config[0]
    if not isinstance(config, SQLAlchemyAsyncConfig):  # pragma: no cover - the app is configured async
        raise TypeError("the accounts area needs the async SQLAlchemy config")
    return config


def _scope_state(connection: Connection) -> dict[str, Any]:
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    return state


def anonymous_reason(connection: Connection) -> ApplicationError | None:
    """Why a request that carried a session cookie is anonymous (expired, revoked, deactivated ...), if it did.

    Guards raise it, so a guarded route says why instead of a bare "sign in".
    """
    reason: ApplicationError | None = _scope_state(connection).get(_REASON)
    return reason


async def authenticate(connection: Connection) -> Principal | None:
    state = _scope_state(connection)
    if _MEMO in state:
        memo: Principal | None = state[_MEMO]
        return memo
    if connection.scope["type"] == ScopeType.HTTP:
        session = _db_config(connection).provide_session(connection.app.state, connection.scope)
        principal = await _authenticate(connection, session)
    else:  # a WebSocket lives long: use a short session rather than holding one for the whole connection
        async with _db_config(connection).get_session() as session:
            principal = await _authenticate(connection, session)
            await session.commit()
    state[_MEMO] = principal
    if principal is not None:
        connection.scope["user"] = principal.user
        connection.scope["auth"] = principal
    return principal


async def _authenticate(connection: Connection, session: AsyncSession) -> Principal | None:
    runtime = runtime_of(connection)
    headers = connection.headers
    authorization = headers.get("authorization")
    if authorization is not None:
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise NotAuthenticatedError("send credentials as 'Authorization: Bearer <token>'")
        if value.startswith(API_TOKEN_PREFIX):
            return await _api_token(session, value)
        claims = _decode(runtime, value)
        user = await _session_user(runtime, session, claims)
        return Principal(user=user, method=AuthMethod.BEARER, claims=claims)
    x_auth = headers.get("x-auth-token")
    if x_auth is not None:
        if not x_auth.strip().startswith(API_TOKEN_PREFIX):
            raise NotAuthenticatedError(f"X-Auth-Token takes a personal access token ({API_TOKEN_PREFIX}...)")
        return await _api_token(session, x_auth.strip())
    cookie = connection.cookies.get(ACCESS_COOKIE)
    if not cookie:
        return None
    if connection.scope["type"] == ScopeType.WEBSOCKET and not _same_origin(connection):
        _scope_state(connection)[_REASON] = NotAuthenticatedError(
            "a WebSocket opened from another site cannot use your session cookie"
        )
        return None
    try:
        claims = runtime.codec.decode_access(cookie)
        user = await _session_user(runtime, session, claims)
    except InvalidAccessTokenError as exc:
        reason = "your session has expired" if exc.expired else "your session cookie is not valid"
        _scope_state(connection)[_REASON] = NotAuthenticatedError(
            f"{reason}: refresh it (POST /api/auth/refresh) or sign in again"
        )
        return None
    except (NotAuthenticatedError, PermissionDeniedError) as exc:
        _scope_state(connection)[_REASON] = exc
        return None
    if connection.scope["type"] == ScopeType.HTTP and connection.scope.get("method", "GET") not in SAFE_METHODS:
        sent = headers.get(CSRF_HEADER, "")
        if not sent or not secrets_equal(sent, runtime.codec.csrf_token(claims.session_id)):
            raise PermissionDeniedError(
                f"missing or wrong CSRF token: with cookie sign-in, send the {CSRF_COOKIE} cookie's value "
                f"in the X-CSRF-Token header"
            )
    return Principal(user=user, method=AuthMethod.COOKIE, claims=claims)


def _decode(runtime: AccountsRuntime, token: str) -> AccessClaims:
    try:
        return runtime.codec.decode_access(token)
    except InvalidAccessTokenError as exc:
        raise NotAuthenticatedError(str(exc)) from None


async def _session_user(runtime: AccountsRuntime, session: AsyncSession, claims: AccessClaims) -> m.User:
    revocations = RevocationStore(runtime.redis, access_ttl_s=runtime.settings.access_token_ttl_s)
    if await revocations.is_revoked(claims):
        raise NotAuthenticatedError("this session has been signed out: sign in again")
    user = await session.get(m.User, claims.user_id)
    if user is None:
        raise NotAuthenticatedError("the access token is not valid (no such account)")
    if not user.is_active:
        raise PermissionDeniedError("this account has been deactivated; contact an administrator")
    return user


async def _api_token(session: AsyncSession, raw: str) -> Principal:
    token, user = await ApiTokenService(session=session).resolve(raw)
    return Principal(user=user, method=AuthMethod.API_TOKEN, api_token=token)


def _same_origin(connection: Connection) -> bool:
    origin = connection.headers.get("origin")
    if not origin:
        return True  # not a browser, or a same-origin request from an old one
    host = connection.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()
