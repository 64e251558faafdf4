"""Sign-in sessions: short-lived access JWTs plus a rotating chain ("family") of refresh tokens.

Revocation lives in two places. The database marks refresh tokens revoked (so a family cannot be refreshed again);
Redis remembers revoked access tokens until they would have expired anyway: ``auth:revoked:jti:<jti>`` for one
token (logout), ``auth:revoked:sid:<sid>`` for every access token of a session (logout, logout everywhere,
password change/reset, refresh-token reuse, deactivation). Both keys expire on their own.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from advanced_alchemy import repository, service
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, select, update

from api.db import models as m
from api.domain.accounts.tokens import REFRESH_TOKEN_PREFIX, AccessClaims, TokenCodec, new_opaque_token
from api.lib.crypto import hash_token
from api.lib.exceptions import NotAuthenticatedError, PermissionDeniedError, ServiceUnavailableError
from api.lib.timeutil import utcnow

__all__ = ["IssuedSession", "RevocationStore", "SessionService"]

logger = logging.getLogger("verdict.auth")

# A refresh token presented again this soon after its exchange, while the family has not moved on (its successor is
# still unused), is a lost answer rather than a theft: the browser left the page while its refresh was in flight and
# never saw the rotated cookie, or two tabs refreshed at once. It gets a new pair instead of revoking the session.
REUSE_GRACE = timedelta(seconds=20)


class IssuedSession(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    claims: AccessClaims
    refresh_token: str
    refresh_expires_at: datetime

    @property
    def session_id(self) -> UUID:
        return self.claims.session_id


class RevocationStore:
    """Redis side of revocation. Every failure to reach Redis is a 503, never a silent pass."""

    def __init__(self, redis: Redis, *, access_ttl_s: int) -> None:
        self._redis = redis
        self._access_ttl_s = access_ttl_s

    @staticmethod
    def _jti_key(jti: str) -> str:
        return f"auth:revoked:jti:{jti}"

    @staticmethod
    def _sid_key(session_id: UUID) -> str:
        return f"auth:revoked:sid:{session_id.hex}"

    async def revoke_access(self, claims: AccessClaims) -> None:
        ttl = math.ceil((claims.expires_at - utcnow()).total_seconds()) + 10
        if ttl <= 0:
            return
        try:
            await self._redis.set(self._jti_key(claims.jti), b"1", ex=ttl)
        except RedisError as exc:
            raise _unavailable(exc) from exc

    async def revoke_sessions(self, session_ids: Iterable[UUID]) -> None:
        ids = list(session_ids)
        if not ids:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for session_id in ids:
                    pipe.set(self._sid_key(session_id), b"1", ex=self._access_ttl_s + 10)
                await pipe.execute()
        except RedisError as exc:
            raise _unavailable(exc) from exc

    async def is_revoked(self, claims: AccessClaims) -> bool:
        try:
            count = await self._redis.exists(self._jti_key(claims.jti), self._sid_key(claims.session_id))
        except RedisError as exc:
            raise _unavailable(exc) from exc
        return bool(count)


def _unavailable(exc: RedisError) -> ServiceUnavailableError:
    return ServiceUnavailableError(f"sign-in state is unavailable (Redis: {type(exc).__name__}); try again shortly")


class SessionService(service.SQLAlchemyAsyncRepositoryService[m.RefreshToken]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.RefreshToken]):
        model_type = m.RefreshToken

    repository_type = Repo
    codec: TokenCodec
    revocations: RevocationStore
    refresh_ttl: timedelta

    def bind(self, *, codec: TokenCodec, revocations: RevocationStore, refresh_ttl_s: int) -> SessionService:
        """Attach the token codec and the Redis revocation store (the repository service only knows the session)."""
        self.codec = codec
        self.revocations = revocations
        self.refresh_ttl = timedelta(seconds=refresh_ttl_s)
        return self

    async def start(self, user: m.User, *, user_agent: str = "", ip: str = "") -> IssuedSession:
        """A new family: the first refresh token and an access token bound to it."""
        await self._prune_expired(user.id)
        return await self._issue(user.id, uuid.uuid4(), user_agent=user_agent, ip=ip)

    async def _issue(self, user_id: UUID, family_id: UUID, *, user_agent: str, ip: str) -> IssuedSession:
        raw = new_opaque_token(REFRESH_TOKEN_PREFIX)
        now = utcnow()
        row = await self.create(
            m.RefreshToken(
                user_id=user_id,
                family_id=family_id,
                token_hash=hash_token(raw),
                expires_at=now + self.refresh_ttl,
                user_agent=user_agent[:200],
                ip_address=ip[:64],
            )
        )
        access, claims = self.codec.issue_access(user_id=user_id, session_id=family_id, now=now)
        return IssuedSession(access_token=access, claims=claims, refresh_token=raw, refresh_expires_at=row.expires_at)

    async def find(self, raw: str) -> m.RefreshToken:
        token = await self.get_one_or_none(m.RefreshToken.token_hash == hash_token(raw.strip()))
        if token is None:
            raise NotAuthenticatedError("the refresh token is not valid: sign in again")
        return token

    async def rotate(self, raw: str, *, user_agent: str = "", ip: str = "") -> tuple[IssuedSession, m.User]:
        """Exchange a refresh token for a new pair. A token already exchanged revokes its whole family, unless it is
        a lost answer (see ``REUSE_GRACE``): exchanged under 20 seconds ago, with its successor still unused.

        The exchange is a single conditional UPDATE, so two concurrent uses of one token cannot both win.
        """
        token = await self.find(raw)
        now = utcnow()
        if token.revoked_at is not None:
            raise NotAuthenticatedError("this session has been signed out: sign in again")
        if token.expires_at <= now:
            raise NotAuthenticatedError("the refresh token has expired: sign in again")
        claimed = await self.repository.session.scalar(
            update(m.RefreshToken)
            .where(m.RefreshToken.id == token.id, m.RefreshToken.used_at.is_(None), m.RefreshToken.revoked_at.is_(None))
            .values(used_at=now)
            .returning(m.RefreshToken.id)
        )
        if claimed is None and await self._lost_answer(token, now):
            logger.info(
                "refresh token presented again within the grace period: user %s, session %s",
                token.user_id,
                token.family_id,
            )
        elif claimed is None:
            logger.warning(
                "refresh token reuse: user %s, session %s revoked (ip %s)", token.user_id, token.family_id, ip
            )
            await self.revoke_families([token.family_id])
            await self.repository.session.commit()  # the revocation must survive the 401 (which rolls back)
            raise NotAuthenticatedError(
                "this refresh token was already used, so it may have been stolen: "
                "that session has been signed out everywhere; sign in again"
            )
        user = await self.repository.session.get(m.User, token.user_id)
        if user is None or not user.is_active:
            await self.revoke_families([token.family_id])
            await self.repository.session.commit()
            raise PermissionDeniedError("this account has been deactivated; contact an administrator")
        issued = await self._issue(user.id, token.family_id, user_agent=user_agent or token.user_agent, ip=ip)
        return issued, user

    async def _lost_answer(self, token: m.RefreshToken, now: datetime) -> bool:
        """Whether a token that lost the exchange was used moments ago and nothing in its family was used since."""
        used_at = await self.repository.session.scalar(
            select(m.RefreshToken.used_at).where(m.RefreshToken.id == token.id, m.RefreshToken.revoked_at.is_(None))
        )
        if used_at is None or now - used_at > REUSE_GRACE:
            return False
        later = await self.repository.session.scalar(
            select(m.RefreshToken.id)
            .where(m.RefreshToken.family_id == token.family_id, m.RefreshToken.used_at > used_at)
            .limit(1)
        )
        return later is None

    async def revoke_families(self, family_ids: Iterable[UUID]) -> None:
        ids = list(set(family_ids))
        if not ids:
            return
        await self.repository.session.execute(
            update(m.RefreshToken)
            .where(m.RefreshToken.family_id.in_(ids), m.RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        await self.revocations.revoke_sessions(ids)

    async def end(self, claims: AccessClaims) -> None:
        """Log out: this session's refresh tokens and the presented access token stop working."""
        await self.revoke_families([claims.session_id])
        await self.revocations.revoke_access(claims)

    async def end_all(self, user_id: UUID, *, keep: UUID | None = None) -> int:
        """Revoke every session of the user (but ``keep``). Returns how many were revoked."""
        statement = select(m.RefreshToken.family_id).where(
            m.RefreshToken.user_id == user_id, m.RefreshToken.revoked_at.is_(None)
        )
        families = {family for family in (await self.repository.session.scalars(statement)).all() if family != keep}
        await self.revoke_families(families)
        return len(families)

    async def _prune_expired(self, user_id: UUID) -> None:
        """Keep the table small: a user's refresh tokens that expired a day ago are of no further use."""
        cutoff = utcnow() - timedelta(days=1)
        await self.repository.session.execute(
            delete(m.RefreshToken).where(m.RefreshToken.user_id == user_id, m.RefreshToken.expires_at < cutoff)
        )
