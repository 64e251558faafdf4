"""What every page controller shares: the template context, the sign-in redirect, safe ``next`` targets."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from api.db import models as m
from api.domain.accounts.auth import authenticate
from api.domain.accounts.guards import is_staff

__all__ = [
    "SIGN_IN_REDIRECT",
    "AnyRequest",
    "SignInRequiredError",
    "render_page",
    "requires_signed_in_page",
    "safe_next",
    "sign_in_redirect",
]

AnyRequest = Request[Any, Any, Any]
_NO_STORE: Final = {"Cache-Control": "no-store"}


def render_page(template: str, *, user: m.User | None, nav: str = "", title: str = "", **context: Any) -> Template:
    """A page rendered for ``user`` (None: signed out). Pages show personal data, so they are never cached."""
    values: dict[str, Any] = {
        "user": user,
        "is_staff": user is not None and is_staff(user),
        "nav": nav,
        "title": title,
        **context,
    }
    return Template(template_name=template, context=values, headers=_NO_STORE)


def safe_next(target: str | None, default: str = "/problems") -> str:
    """A local path to go to after signing in; anything that could leave the site becomes ``default``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\n" in target:
        return default
    if target.startswith(("/api/", "/ws/", "/internal/", "/login", "/register")):
        return default
    return target


def sign_in_redirect(request: AnyRequest) -> Redirect:
    """Send a signed-out visitor to the sign-in page, and back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path="/login?" + urlencode({"next": safe_next(here)}), status_code=303)


class SignInRequiredError(Exception):
    """A signed-out visitor opened a page that needs an account: answered with a redirect to the sign-in page."""


async def requires_signed_in_page(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """The guard of pages for signed-in people (the API's guards answer 401; a page sends the browser to sign in)."""
    if await authenticate(connection) is None:
        raise SignInRequiredError


def _to_sign_in(request: AnyRequest, _exc: SignInRequiredError) -> Redirect:
    return sign_in_redirect(request)


SIGN_IN_REDIRECT: Final[ExceptionHandlersMap] = {SignInRequiredError: _to_sign_in}
