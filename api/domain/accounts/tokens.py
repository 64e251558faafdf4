"""Secrets the accounts area hands out: access JWTs, opaque refresh / API / mail tokens, and CSRF tokens.

- Access tokens are HS256 JWTs with ``sub`` (user id), ``sid`` (the sign-in session, i.e. the refresh-token family),
  ``jti``, ``iat`` and ``exp``, signed with a key derived from ``SECRET_KEY`` (never ``SECRET_KEY`` itself).
- Opaque tokens are 256 random bits, URL-safe, with a readable prefix: ``vrt_`` refresh, ``vdt_`` personal access
  token, ``vmt_`` mail token. Only their SHA-256 is stored (:func:`api.lib.crypto.hash_token`).
- The CSRF token of a cookie session is an HMAC of its ``sid``: the same for the session's lifetime, unknowable
  without ``SECRET_KEY``, so a cookie planted by a sibling sub-domain cannot be made to match.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

import jwt
import msgspec

from api.lib.timeutil import utcnow

__all__ = [
    "API_TOKEN_PREFIX",
    "MAIL_TOKEN_PREFIX",
    "REFRESH_TOKEN_PREFIX",
    "AccessClaims",
    "InvalidAccessTokenError",
    "TokenCodec",
    "new_opaque_token",
]

REFRESH_TOKEN_PREFIX: Final = "vrt_"  # noqa: S105 - token type markers, not secrets
API_TOKEN_PREFIX: Final = "vdt_"  # noqa: S105
MAIL_TOKEN_PREFIX: Final = "vmt_"  # noqa: S105
_ISSUER: Final = "verdict"
_AUDIENCE: Final = "verdict:access"
_ALGORITHM: Final = "HS256"
_LEEWAY_S: Final = 5


def new_opaque_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


class AccessClaims(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    session_id: UUID
    jti: str
    issued_at: datetime
    expires_at: datetime


class InvalidAccessTokenError(Exception):
    """The token is expired, tampered with or not ours; ``str(exc)`` is safe to show."""

    def __init__(self, detail: str, *, expired: bool = False) -> None:
        super().__init__(detail)
        self.expired = expired


class TokenCodec:
    def __init__(self, secret_key: str, *, access_ttl_s: int) -> None:
        self._jwt_key = _derive(secret_key, "access-jwt")
        self._csrf_key = _derive(secret_key, "csrf")
        self.access_ttl_s = access_ttl_s

    def issue_access(self, *, user_id: UUID, session_id: UUID, now: datetime | None = None) -> tuple[str, AccessClaims]:
        issued = (now or utcnow()).replace(microsecond=0)
        claims = AccessClaims(
            user_id=user_id,
            session_id=session_id,
            jti=uuid.uuid4().hex,
            issued_at=issued,
            expires_at=issued + timedelta(seconds=self.access_ttl_s),
        )
        payload: dict[str, Any] = {
            "iss": _ISSUER,
            "aud": _AUDIENCE,
            "sub": str(user_id),
            "sid": str(session_id),
            "jti": claims.jti,
            "iat": int(issued.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self._jwt_key, algorithm=_ALGORITHM), claims

    def decode_access(self, token: str) -> AccessClaims:
        try:
            payload = jwt.decode(
                token,
                self._jwt_key,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                issuer=_ISSUER,
                leeway=_LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "sid", "jti", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidAccessTokenError(
                "the access token has expired: get a new one with your refresh token (POST /api/auth/refresh)",
                expired=True,
            ) from None
        except jwt.InvalidTokenError:
            raise InvalidAccessTokenError(
                "the access token is not valid (malformed, tampered with or not ours)"
            ) from None
        try:
            return AccessClaims(
                user_id=UUID(str(payload["sub"])),
                session_id=UUID(str(payload["sid"])),
                jti=str(payload["jti"]),
                issued_at=datetime.fromtimestamp(int(payload["iat"]), tz=utcnow().tzinfo),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=utcnow().tzinfo),
            )
        except (ValueError, TypeError):
            raise InvalidAccessTokenError("the access token is not valid (malformed claims)") from None

    def csrf_token(self, session_id: UUID) -> str:
        digest = hmac.new(self._csrf_key, session_id.bytes, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _derive(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"verdict/{purpose}".encode(), hashlib.sha256).digest()
