"""Dependencies of the accounts area, registered app-wide by :class:`~api.domain.accounts.plugin.AccountsPlugin`.

Declare them in a handler by name with ``NamedDependency``::

    @get("/mine", guards=[requires_active_user])
    async def mine(self, current_user: NamedDependency[m.User]) -> list[Submission]:
        return await service.list_for(current_user.id)

- ``current_user`` → ``m.User``: the signed-in, active user (401 when not signed in, 403 when deactivated).
  Guard the route as well; the dependency alone does not make the route-guard test pass.
- ``optional_user`` → ``m.User | None``: the user when signed in, else None (public pages that greet people).
- ``current_principal`` → :class:`~api.domain.accounts.auth.Principal`: the user plus how they authenticated
  (session claims or the API token and its scopes).
- ``rate_limiter`` → :class:`~api.lib.ratelimit.RateLimiter` (Redis-backed, shared by all replicas).
- ``users_service``, ``api_tokens_service``, ``auth_service``, ``accounts_runtime``: the area's services.

The user object belongs to the request's database session (``db_session``), so changes to it are committed with
the request.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.auth import Principal, anonymous_reason, authenticate, runtime_of
from api.domain.accounts.flows import AuthService
from api.domain.accounts.runtime import AccountsRuntime
from api.domain.accounts.services import AccountTokenService, ApiTokenService, UserService
from api.domain.accounts.sessions import RevocationStore, SessionService
from api.lib.exceptions import NotAuthenticatedError
from api.lib.ratelimit import RateLimiter

__all__ = [
    "ACCOUNTS_DEPENDENCIES",
    "provide_current_principal",
    "provide_current_user",
    "provide_optional_user",
]


def _connection(scope: Scope) -> ASGIConnection[Any, Any, Any, Any]:
    return ASGIConnection(scope)


async def provide_current_principal(scope: Scope) -> Principal:
    connection = _connection(scope)
    principal = await authenticate(connection)
    if principal is None:
        raise anonymous_reason(connection) or NotAuthenticatedError("sign in first")
    return principal


async def provide_current_user(scope: Scope) -> m.User:
    return (await provide_current_principal(scope)).user


async def provide_optional_user(scope: Scope) -> m.User | None:
    principal = await authenticate(_connection(scope))
    return principal.user if principal else None


def provide_accounts_runtime(scope: Scope) -> AccountsRuntime:
    return runtime_of(_connection(scope))


def provide_rate_limiter(scope: Scope) -> RateLimiter:
    return runtime_of(_connection(scope)).limiter


async def provide_users_service(db_session: NamedDependency[AsyncSession]) -> AsyncGenerator[UserService, None]:
    async with UserService.new(session=db_session) as service:
        yield service


async def provide_api_tokens_service(
    db_session: NamedDependency[AsyncSession],
) -> AsyncGenerator[ApiTokenService, None]:
    async with ApiTokenService.new(session=db_session) as service:
        yield service


def build_session_service(session: AsyncSession, runtime: AccountsRuntime) -> SessionService:
    settings = runtime.settings
    return SessionService(session=session).bind(
        codec=runtime.codec,
        revocations=RevocationStore(runtime.redis, access_ttl_s=settings.access_token_ttl_s),
        refresh_ttl_s=settings.refresh_token_ttl_s,
    )


def build_auth_service(session: AsyncSession, runtime: AccountsRuntime) -> AuthService:
    return AuthService(
        users=UserService(session=session),
        sessions=build_session_service(session, runtime),
        mail_tokens=AccountTokenService(session=session),
        runtime=runtime,
    )


def provide_auth_service(
    db_session: NamedDependency[AsyncSession], accounts_runtime: NamedDependency[AccountsRuntime]
) -> AuthService:
    return build_auth_service(db_session, accounts_runtime)


ACCOUNTS_DEPENDENCIES: dict[str, Provide] = {
    "current_principal": Provide(provide_current_principal),
    "current_user": Provide(provide_current_user),
    "optional_user": Provide(provide_optional_user),
    "accounts_runtime": Provide(provide_accounts_runtime, sync_to_thread=False),
    "rate_limiter": Provide(provide_rate_limiter, sync_to_thread=False),
    "users_service": Provide(provide_users_service),
    "api_tokens_service": Provide(provide_api_tokens_service),
    "auth_service": Provide(provide_auth_service, sync_to_thread=False),
}
