"""Browser session cookies.

- ``verdict_access``: the access JWT. HttpOnly, SameSite=Lax, path ``/``, lives as long as the JWT.
- ``verdict_refresh``: the refresh token. HttpOnly, SameSite=Lax, path ``/api/auth`` (only the auth endpoints
  ever see it), lives as long as the refresh token.
- ``verdict_csrf``: the session's CSRF token, readable by the page's JavaScript (not HttpOnly). The web UI copies it
  into an ``X-CSRF-Token`` header on every POST/PUT/PATCH/DELETE made with cookie authentication (double submit,
  and the value is an HMAC of the session id, so it cannot be forged).

``Secure`` is set when ``COOKIE_SECURE`` is true (default: when ``PUBLIC_URL`` is https or in production).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from litestar.datastructures import Cookie

from api.domain.accounts.sessions import IssuedSession
from api.lib.timeutil import utcnow

__all__ = [
    "ACCESS_COOKIE",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "REFRESH_COOKIE",
    "REFRESH_COOKIE_PATH",
    "clear_session_cookies",
    "session_cookies",
]

ACCESS_COOKIE: Final = "verdict_access"
REFRESH_COOKIE: Final = "verdict_refresh"
CSRF_COOKIE: Final = "verdict_csrf"
CSRF_HEADER: Final = "x-csrf-token"
REFRESH_COOKIE_PATH: Final = "/api/auth"


def _seconds_until(moment: datetime) -> int:
    return max(0, int((moment - utcnow()).total_seconds()))


def session_cookies(issued: IssuedSession, *, csrf_token: str, secure: bool) -> list[Cookie]:
    refresh_age = _seconds_until(issued.refresh_expires_at)
    return [
        Cookie(
            key=ACCESS_COOKIE,
            value=issued.access_token,
            max_age=_seconds_until(issued.claims.expires_at),
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
        ),
        Cookie(
            key=REFRESH_COOKIE,
            value=issued.refresh_token,
            max_age=refresh_age,
            path=REFRESH_COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=secure,
        ),
        Cookie(
            key=CSRF_COOKIE,
            value=csrf_token,
            max_age=refresh_age,
            path="/",
            httponly=False,
            samesite="lax",
            secure=secure,
        ),
    ]


def clear_session_cookies(*, secure: bool) -> list[Cookie]:
    return [
        Cookie(key=name, value="", max_age=0, path=path, httponly=name != CSRF_COOKIE, samesite="lax", secure=secure)
        for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_COOKIE_PATH), (CSRF_COOKIE, "/"))
    ]
