"""Services over the accounts tables: users, single-use mail tokens and personal access tokens.

Each owns its rules and raises domain errors (``ApplicationClientError``, ``ConflictError``, ``PermissionDeniedError``,
``NotAuthenticatedError``), mapped to HTTP once in ``api/lib/exceptions.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from advanced_alchemy import repository, service
from advanced_alchemy.exceptions import NotFoundError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, Select, delete, func, or_, select, update

from api.db import models as m
from api.domain.accounts.passwords import password_problems
from api.domain.accounts.schemas import ApiTokenCreate, ProfileUpdate, UserCreate, UserUpdate
from api.domain.accounts.tokens import API_TOKEN_PREFIX, MAIL_TOKEN_PREFIX, new_opaque_token
from api.lib.crypto import hash_password, hash_token, secrets_equal
from api.lib.exceptions import (
    ApplicationClientError,
    ConflictError,
    NotAuthenticatedError,
    PermissionDeniedError,
)
from api.lib.timeutil import utcnow

__all__ = [
    "AccountTokenService",
    "ApiTokenService",
    "UserService",
    "allowed_scopes",
    "check_password",
    "derive_initials",
    "normalize_email",
]

# Which scopes a role may put on a token (and use through it): problems are written by instructors and admins.
_ROLE_SCOPES: dict[m.Role, frozenset[m.ApiScope]] = {
    m.Role.STUDENT: frozenset({m.ApiScope.READ, m.ApiScope.SUBMISSIONS_WRITE, m.ApiScope.JUDGE0}),
    m.Role.INSTRUCTOR: frozenset(m.ApiScope),
    m.Role.ADMIN: frozenset(m.ApiScope),
}
_LAST_USED_GRANULARITY = timedelta(seconds=60)


def allowed_scopes(role: m.Role) -> frozenset[m.ApiScope]:
    return _ROLE_SCOPES[role]


def normalize_email(raw: str, *, field: str = "email") -> str:
    """The canonical form of an address (lower case), or a 400 that says what is wrong with it."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ApplicationClientError(
            f"{field} is not a valid e-mail address: {exc}", errors=[{"key": field, "message": str(exc)}]
        ) from None
    return result.normalized.lower()


def check_password(password: str, *, field: str, email: str = "", display_name: str = "") -> None:
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise ApplicationClientError(
            f"{field} is not accepted: {'; '.join(problems)}",
            errors=[{"key": field, "message": problem} for problem in problems],
        )


def clean_display_name(raw: str, *, field: str = "displayName") -> str:
    name = " ".join(raw.split())
    if not name:
        raise ApplicationClientError(f"{field} must not be blank", errors=[{"key": field, "message": "blank"}])
    if any(ord(ch) < 32 for ch in raw):
        raise ApplicationClientError(f"{field} must not contain control characters")
    return name


def derive_initials(display_name: str) -> str:
    words = [w for w in display_name.split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


class UserService(service.SQLAlchemyAsyncRepositoryService[m.User]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.User]):
        model_type = m.User

    repository_type = Repo

    async def get_by_email(self, email: str) -> m.User | None:
        return await self.get_one_or_none(m.User.email == email)

    async def create_user(
        self, *, email: str, display_name: str, role: m.Role, password_hash: str | None, level: m.Level | None = None
    ) -> m.User:
        """Create a verified account; 409 when the address is taken (callers decide whether that may be said)."""
        if await self.get_by_email(email) is not None:
            raise ConflictError("an account with this e-mail address already exists")
        name = clean_display_name(display_name)
        user = m.User(
            email=email,
            display_name=name,
            role=role,
            password_hash=password_hash,
            avatar_initials=derive_initials(name),
            level=level or m.Level.BEGINNER,
            password_changed_at=utcnow() if password_hash else None,
        )
        return await self.create(user)

    async def create_from(self, data: UserCreate) -> m.User:
        """An admin's or operator's new account: verified at once; the password (if given) must pass the policy."""
        email = normalize_email(data.email)
        name = clean_display_name(data.display_name)
        password_hash = None
        if data.password is not None:
            check_password(data.password, field="password", email=email, display_name=name)
            password_hash = hash_password(data.password)
        return await self.create_user(email=email, display_name=name, role=data.role, password_hash=password_hash)

    async def set_password(self, user: m.User, new_password: str, *, field: str = "newPassword") -> None:
        check_password(new_password, field=field, email=user.email, display_name=user.display_name)
        user.password_hash = hash_password(new_password)
        user.password_changed_at = utcnow()
        await self.repository.session.flush()

    async def update_profile(self, user: m.User, data: ProfileUpdate) -> m.User:
        values = _set_fields(data)
        if "display_name" in values:
            old_default = derive_initials(user.display_name)
            user.display_name = clean_display_name(values["display_name"])
            if user.avatar_initials in ("", old_default) and "avatar_initials" not in values:
                user.avatar_initials = derive_initials(user.display_name)
        if "bio" in values:
            user.bio = values["bio"].strip()
        if "level" in values:
            user.level = values["level"]
        if "avatar_initials" in values:
            initials = values["avatar_initials"].strip().upper()
            user.avatar_initials = initials or derive_initials(user.display_name)
        await self.repository.session.flush()
        return user

    async def admin_update(self, *, actor: m.User, user_id: UUID, data: UserUpdate) -> tuple[m.User, bool]:
        """Apply an admin's change. Returns the user and whether they were just deactivated."""
        user = await self.get(user_id)
        values = _set_fields(data)
        demotes = "role" in values and values["role"] is not m.Role.ADMIN and user.role is m.Role.ADMIN
        deactivates = values.get("is_active") is False and user.is_active
        if user.id == actor.id and (demotes or deactivates):
            raise PermissionDeniedError("you cannot remove your own admin role or deactivate yourself")
        if (demotes or (deactivates and user.role is m.Role.ADMIN)) and await self._active_admins() <= 1:
            raise ConflictError("this is the last active admin: make someone else an admin first")
        if "role" in values:
            user.role = values["role"]
        if "is_active" in values:
            user.is_active = values["is_active"]
        if "display_name" in values:
            user.display_name = clean_display_name(values["display_name"])
        await self.repository.session.flush()
        return user, deactivates

    async def _active_admins(self) -> int:
        return await self.count(m.User.role == m.Role.ADMIN, m.User.is_active.is_(True))

    async def search(
        self,
        *,
        query: str | None,
        roles: Sequence[m.Role] | None,
        active: bool | None,
        limit: int,
        offset: int,
        within: Select[tuple[UUID]] | None = None,
    ) -> tuple[list[m.User], int]:
        """``within``: only the users whose ids it selects (an instructor: the people of their courses)."""
        filters: list[ColumnElement[bool]] = []
        if within is not None:
            filters.append(m.User.id.in_(within))
        if query:
            pattern = f"%{_escape_like(query.strip().lower())}%"
            filters.append(
                or_(
                    func.lower(m.User.email).like(pattern, escape="\\"),
                    func.lower(m.User.display_name).like(pattern, escape="\\"),
                )
            )
        if roles:
            filters.append(m.User.role.in_(list(roles)))
        if active is not None:
            filters.append(m.User.is_active.is_(active))
        statement = select(m.User).order_by(m.User.display_name, m.User.email).limit(limit).offset(offset)
        count_statement = select(func.count()).select_from(m.User)
        for condition in filters:
            statement = statement.where(condition)
            count_statement = count_statement.where(condition)
        session = self.repository.session
        users = list((await session.scalars(statement)).all())
        total = int(await session.scalar(count_statement) or 0)
        return users, total


class AccountTokenService(service.SQLAlchemyAsyncRepositoryService[m.AccountToken]):
    """Single-use secrets sent by mail. ``consume`` is one atomic UPDATE, so a link can only ever work once."""

    class Repo(repository.SQLAlchemyAsyncRepository[m.AccountToken]):
        model_type = m.AccountToken

    repository_type = Repo

    async def issue(
        self,
        *,
        purpose: m.AccountTokenPurpose,
        email: str,
        ttl: timedelta,
        user_id: UUID | None = None,
        payload: dict[str, Any] | None = None,
    ) -> str:
        raw = new_opaque_token(MAIL_TOKEN_PREFIX)
        # Keep the table small: tokens that expired more than a day ago are of no further use.
        await self.repository.session.execute(
            delete(m.AccountToken).where(m.AccountToken.expires_at < utcnow() - timedelta(days=1))
        )
        await self.create(
            m.AccountToken(
                purpose=purpose,
                token_hash=hash_token(raw),
                email=email,
                user_id=user_id,
                payload=payload or {},
                expires_at=utcnow() + ttl,
            )
        )
        return raw

    async def consume(self, *, purpose: m.AccountTokenPurpose, raw: str) -> m.AccountToken:
        now = utcnow()
        statement = (
            update(m.AccountToken)
            .where(
                m.AccountToken.token_hash == hash_token(raw.strip()),
                m.AccountToken.purpose == purpose,
                m.AccountToken.used_at.is_(None),
                m.AccountToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(m.AccountToken.id)
        )
        token_id = await self.repository.session.scalar(statement)
        if token_id is None:
            raise ApplicationClientError(
                "this link or code is not valid: it may have expired or been used already; ask for a new one",
                errors=[{"key": "token", "message": "invalid, expired or already used"}],
            )
        token = await self.get(token_id)
        await self.repository.session.refresh(token)
        return token

    async def pending_registration(self, email: str) -> m.AccountToken | None:
        """The newest unused, unexpired confirmation of a self-registration for ``email`` (no account exists yet)."""
        statement = (
            select(m.AccountToken)
            .where(
                m.AccountToken.email == email,
                m.AccountToken.purpose == m.AccountTokenPurpose.VERIFY_EMAIL,
                m.AccountToken.used_at.is_(None),
                m.AccountToken.expires_at > utcnow(),
            )
            .order_by(m.AccountToken.created_at.desc())
            .limit(1)
        )
        token: m.AccountToken | None = await self.repository.session.scalar(statement)
        return token

    async def retire_for_user(self, *, purpose: m.AccountTokenPurpose, user_id: UUID) -> None:
        """Make every still-unused token of this kind for the user unusable (after a reset, the others must die)."""
        await self.repository.session.execute(
            update(m.AccountToken)
            .where(
                m.AccountToken.user_id == user_id,
                m.AccountToken.purpose == purpose,
                m.AccountToken.used_at.is_(None),
            )
            .values(used_at=utcnow())
        )


class ApiTokenService(service.SQLAlchemyAsyncRepositoryService[m.ApiToken]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.ApiToken]):
        model_type = m.ApiToken

    repository_type = Repo

    async def create_token(
        self, *, user: m.User, name: str, scopes: Sequence[m.ApiScope], expires_at: datetime | None
    ) -> tuple[m.ApiToken, str]:
        not_allowed = sorted(set(scopes) - allowed_scopes(user.role))
        if not_allowed:
            raise PermissionDeniedError(
                f"a {user.role.value} cannot create tokens with scope {', '.join(s.value for s in not_allowed)}",
                errors=[{"key": "scopes", "message": f"not allowed: {s.value}"} for s in not_allowed],
            )
        raw = new_opaque_token(API_TOKEN_PREFIX)
        token = await self.create(
            m.ApiToken(
                user_id=user.id,
                name=clean_display_name(name, field="name"),
                token_prefix=raw[: len(API_TOKEN_PREFIX) + 8],
                token_hash=hash_token(raw),
                scopes=sorted({s.value for s in scopes}),
                expires_at=expires_at,
            )
        )
        return token, raw

    async def create_from(self, *, user: m.User, data: ApiTokenCreate) -> tuple[m.ApiToken, str]:
        expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
        return await self.create_token(user=user, name=data.name, scopes=data.scopes, expires_at=expires_at)

    async def list_for(self, user_id: UUID) -> list[m.ApiToken]:
        statement = (
            select(m.ApiToken)
            .where(m.ApiToken.user_id == user_id, m.ApiToken.revoked_at.is_(None))
            .order_by(m.ApiToken.created_at.desc())
        )
        return list((await self.repository.session.scalars(statement)).all())

    async def revoke(self, *, user_id: UUID, token_id: UUID) -> None:
        token = await self.get_one_or_none(m.ApiToken.id == token_id, m.ApiToken.user_id == user_id)
        if token is None or token.revoked_at is not None:
            raise NotFoundError("no such token among yours (it may have been revoked already)")
        token.revoked_at = utcnow()
        await self.repository.session.flush()

    async def resolve(self, raw: str) -> tuple[m.ApiToken, m.User]:
        """The token and its owner, or 401/403 with the reason. Updates ``last_used_at`` (once a minute at most)."""
        digest = hash_token(raw)
        token = await self.get_one_or_none(m.ApiToken.token_hash == digest)
        if token is None or not secrets_equal(token.token_hash, digest) or token.revoked_at is not None:
            raise NotAuthenticatedError("the API token is not valid (unknown or revoked)")
        now = utcnow()
        if token.expires_at is not None and token.expires_at <= now:
            raise NotAuthenticatedError("the API token has expired: create a new one")
        user = await self.repository.session.get(m.User, token.user_id)
        if user is None:
            raise NotAuthenticatedError("the API token is not valid (unknown or revoked)")
        if not user.is_active:
            raise PermissionDeniedError("this account has been deactivated; contact an administrator")
        if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_GRANULARITY:
            token.last_used_at = now
            await self.repository.session.flush()
        return token, user


def _set_fields(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carries."""
    return {
        field: value
        for field in data.__struct_fields__
        if (value := getattr(data, field)) is not msgspec.UNSET and value is not None
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
