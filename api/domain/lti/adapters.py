"""Small adapters that let ``pylti1p3`` (written for Django and Flask) run behind Litestar.

The library is synchronous. Everything it needs from the database (the platform registrations of the token's
issuer, the tool's key) and from Redis (the login's nonce) is loaded *before* it runs, into plain objects here; its
own HTTP calls (the platform's JWKS, OAuth2 tokens, AGS, NRPS) run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from pylti1p3.cookie import CookieService
from pylti1p3.deployment import Deployment
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.registration import Registration
from pylti1p3.request import Request
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract

__all__ = [
    "LtiCookies",
    "LtiMessageLaunch",
    "LtiOidcLogin",
    "LtiRequest",
    "LtiSession",
    "PlatformSnapshot",
    "ToolConf",
    "UrlRedirect",
]


class PlatformSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What the library needs of one enabled ``LtiPlatform`` row."""

    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...]


class LtiRequest(Request):
    """The request's form and query parameters, its cookies and whether it came over https."""

    def __init__(self, params: Mapping[str, str], cookies: Mapping[str, str], *, secure: bool) -> None:
        self._params = dict(params)
        self.cookies = dict(cookies)
        self._secure = secure

    @property
    def session(self) -> None:
        return None  # LtiSession keeps the library's session data; there is no framework session

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str) -> str:
        return self._params.get(key, "")


class LtiCookies(CookieService):
    """Reads the request's ``lti1p3-*`` cookies; cookies the library sets are collected and sent by the controller."""

    def __init__(self, request: LtiRequest) -> None:
        self._request = request
        self.to_set: dict[str, tuple[str, int | None]] = {}

    def _name(self, name: str) -> str:
        return f"{self._cookie_prefix}-{name}"

    def get_cookie(self, name: str) -> str | None:
        return self._request.cookies.get(self._name(name))

    def set_cookie(self, name: str, value: str | int, exp: int | None = 3600) -> None:
        self.to_set[self._name(name)] = (str(value), exp)


class LtiSession(SessionService):
    """The library's session, held in a dict: filled from Redis before it runs, written back after.

    ``check_nonce`` consumes: a nonce is good for one launch (the controller took it out of Redis with GETDEL).
    """

    def __init__(self, preloaded: Mapping[str, Any] | None = None) -> None:  # no super(): no framework session
        self.values: dict[str, Any] = dict(preloaded or {})
        self.saved_nonces: list[str] = []

    def _set_value(self, key: str, value: object) -> None:
        self.values[key] = value

    def _get_value(self, key: str) -> Any:
        return self.values.get(key)

    def save_nonce(self, nonce: str) -> None:
        self.saved_nonces.append(nonce)

    def check_nonce(self, nonce: str) -> bool:
        return self.values.pop(self._get_key("nonce", nonce), None) is True


class ToolConf(ToolConfAbstract[LtiRequest]):
    """Registrations from the database (loaded beforehand); one issuer may have several client ids."""

    def __init__(self, platforms: list[PlatformSnapshot], *, private_pem: str, public_pem: str) -> None:
        super().__init__()
        self._platforms = platforms
        self._private_pem = private_pem
        self._public_pem = public_pem

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _registration(self, platform: PlatformSnapshot) -> Registration:
        reg = Registration()
        reg.set_issuer(platform.issuer)
        reg.set_client_id(platform.client_id)
        reg.set_auth_login_url(platform.auth_login_url)
        reg.set_auth_token_url(platform.auth_token_url)
        reg.set_key_set_url(platform.key_set_url)
        reg.set_tool_private_key(self._private_pem)
        reg.set_tool_public_key(self._public_pem)
        return reg

    def _find(self, iss: str, client_id: str | None) -> PlatformSnapshot | None:
        for platform in self._platforms:
            if platform.issuer == iss and (client_id is None or platform.client_id == client_id):
                return platform
        return None

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        platform = self._find(iss, None)
        return self._registration(platform) if platform else None  # type: ignore[return-value]

    def find_registration_by_params(self, iss: str, client_id: str, *args: Any, **kwargs: Any) -> Registration:
        platform = self._find(iss, client_id or None)
        return self._registration(platform) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, "")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = self._find(iss, client_id or None)
        if platform is None or deployment_id not in platform.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)


class UrlRedirect(Redirect[str]):
    """The library's redirect, reduced to its target: the controller answers with Litestar's Redirect."""

    def __init__(self, location: str) -> None:
        self._location = location

    def do_redirect(self) -> str:
        return self._location

    def do_js_redirect(self) -> str:
        return self._location

    def set_redirect_url(self, location: str) -> None:
        self._location = location

    def get_redirect_url(self) -> str:
        return self._location


class LtiOidcLogin(OIDCLogin[LtiRequest, ToolConf, LtiSession, LtiCookies, str]):
    def get_redirect(self, url: str) -> Redirect[str]:
        return UrlRedirect(url)


class LtiMessageLaunch(MessageLaunch[LtiRequest, ToolConf, LtiSession, LtiCookies]):
    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)
