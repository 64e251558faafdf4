"""LTI routes: OIDC login initiation, launch, the tool's JWKS (public: the platform's signed token is the
credential), and the admins' registration API."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

import anyio.to_thread
import jwt
from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, Request, Response, get, patch, post, route
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED
from pylti1p3.exception import LtiException, OIDCException
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.cookies import session_cookies
from api.domain.accounts.deps import build_session_service
from api.domain.accounts.guards import requires_admin
from api.domain.accounts.runtime import AccountsRuntime
from api.domain.lti import schemas
from api.domain.lti.adapters import LtiCookies, LtiMessageLaunch, LtiOidcLogin, LtiRequest, LtiSession, ToolConf
from api.domain.lti.deeplink import SETTINGS_CLAIM, PendingDeepLink, check_deep_link_launch, is_deep_link, remember
from api.domain.lti.keys import active_key, jwks, public_pem, rotate_key
from api.domain.lti.services import (
    CLAIM,
    LaunchRefusedError,
    apply_launch,
    create_platform,
    platform_snapshots,
    update_platform,
)
from api.lib.ratelimit import client_ip
from api.pages._common import render_page
from api.settings import Settings

__all__ = ["LtiAdminController", "LtiController", "explain_refusal", "tool_urls"]

AnyRequest = Request[Any, Any, Any]
NONCE_TTL_S: Final = 600
_NONCE_KEY: Final = "lti:nonce:{}"
_SESSION_NONCE_KEY: Final = "lti1p3-nonce-{}"

# The library's messages, in words an LMS administrator can act on (docs/admins/05-lti.md lists them).
_EXPLAINED: Final = (
    ("Missing state param", "The launch carried no state: start it from the LMS, not by opening this address."),
    (
        "State not found",
        "This launch does not belong to this browser's sign-in (state cookie missing or different). "
        "Start it again from the LMS; if it keeps failing, the browser blocks Verdict's cookies.",
    ),
    ('"nonce" is empty', "The launch token has no nonce: the LMS did not answer Verdict's login request."),
    ("Invalid Nonce", "This launch was already used, has expired, or was never started here (nonce unknown)."),
    ("Registration not found", "No enabled platform is registered for this issuer and client id."),
    ("Client id not registered", "The token is meant for another tool (wrong audience / client id)."),
    ("Can't decode id_token: Signature has expired", "The launch token has expired: start again from the LMS."),
    ("Can't decode id_token", "The launch token's signature or times do not verify against the platform's keys."),
    ("Unable to find public key", "The token is signed with a key the platform's JWKS does not publish."),
    ("Unable to find deployment", "This deployment id is not registered for the platform: an admin adds it."),
    ("Invalid JWT format", "The launch token is not a JWT."),
    ("Invalid id_token", "The launch token is not a JWT."),
    ("Missing id_token", "The launch carried no id_token."),
)


def explain_refusal(message: str) -> str:
    for prefix, words in _EXPLAINED:
        if message.startswith(prefix):
            return words
    return f"The launch could not be validated: {message}"


def _refusal(title: str, detail: str, *, status: int = 400, user: m.User | None = None) -> Template:
    page = render_page("lti/refused.html.j2", user=user, title=title, detail=detail)
    page.status_code = status
    return page


def _launch_url(settings: Settings) -> str:
    return settings.base_url + "/lti/launch"


async def _params(request: AnyRequest) -> dict[str, str]:
    params = {k: str(v) for k, v in request.query_params.items()}
    if request.method == "POST":
        form = await request.form()
        params.update({k: str(v) for k, v in form.items()})
    return params


def _state_cookies(cookies: LtiCookies, *, secure: bool) -> list[Cookie]:
    # The launch is a cross-site form POST: the state cookie must come back on it, so SameSite=None (which browsers
    # accept only with Secure). Without https (development) it is Lax and works only in a top-level window.
    return [
        Cookie(
            key=name,
            value=value,
            max_age=exp,
            path="/lti",
            httponly=True,
            secure=secure,
            samesite="none" if secure else "lax",
        )
        for name, (value, exp) in cookies.to_set.items()
    ]


async def _tool_conf(db_session: AsyncSession, issuer: str) -> tuple[ToolConf, dict[str, UUID]]:
    snapshots, ids = await platform_snapshots(db_session, issuer)
    key = await active_key(db_session)
    return ToolConf(snapshots, private_pem=key.private_pem, public_pem=public_pem(key)), ids


class LtiController(Controller):
    path = "/lti"
    tags = ["lti"]
    include_in_schema = False

    @get("/jwks", operation_id="LtiJwks", include_in_schema=True, cache_control=None)
    async def tool_jwks(self, db_session: NamedDependency[AsyncSession]) -> dict[str, list[dict[str, Any]]]:
        """The tool's public keys (active and recently retired), for platforms to verify its signatures."""
        return await jwks(db_session)

    @route("/login", http_method=["GET", "POST"], name="lti:login")
    async def login(
        self,
        request: AnyRequest,
        db_session: NamedDependency[AsyncSession],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
        accounts_runtime: NamedDependency[AccountsRuntime],
    ) -> Response[Any]:
        """OIDC third-party login initiation: remember a nonce and send the browser to the platform's auth URL."""
        params = await _params(request)
        if not params.get("iss"):
            return _refusal("Not an LTI login", "The request has no issuer (iss): start from the LMS.")
        conf, _ids = await _tool_conf(db_session, params["iss"])
        lti_request = LtiRequest(params, request.cookies, secure=request.url.scheme == "https")
        cookies, session = LtiCookies(lti_request), LtiSession()
        oidc = LtiOidcLogin(lti_request, conf, session, cookies)
        try:
            location = oidc.disable_check_cookies().get_redirect_object(_launch_url(settings)).get_redirect_url()
        except OIDCException as exc:
            message = str(exc)
            if "registration" in message:
                message = "No enabled platform is registered for this issuer and client id."
            return _refusal("LTI login refused", message)
        for nonce in session.saved_nonces:
            await redis.set(_NONCE_KEY.format(nonce), "1", ex=NONCE_TTL_S)
        await db_session.commit()  # keeps a tool key made just now (a redirect is not auto-committed)
        return Redirect(
            path=location, status_code=302, cookies=_state_cookies(cookies, secure=accounts_runtime.cookie_secure)
        )

    @post("/launch", name="lti:launch", status_code=303)
    async def launch(
        self,
        request: AnyRequest,
        db_session: NamedDependency[AsyncSession],
        redis: NamedDependency[Redis],
        accounts_runtime: NamedDependency[AccountsRuntime],
    ) -> Response[Any]:
        """The platform's signed id_token, validated by pylti1p3 (signature against the platform JWKS, iss, aud,
        nonce once, exp/iat, deployment); then the user, course, membership and resource link are mapped."""
        params = await _params(request)
        try:
            unverified = jwt.decode(params.get("id_token", ""), options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return _refusal("LTI launch refused", "The launch carried no valid id_token.")
        issuer, nonce = str(unverified.get("iss") or ""), str(unverified.get("nonce") or "")
        conf, ids = await _tool_conf(db_session, issuer)
        preloaded: dict[str, Any] = {}
        if nonce and await redis.getdel(_NONCE_KEY.format(nonce)) is not None:  # single use, even if refused below
            preloaded[_SESSION_NONCE_KEY.format(nonce)] = True
        lti_request = LtiRequest(params, request.cookies, secure=request.url.scheme == "https")
        cookies = LtiCookies(lti_request)
        message_launch = LtiMessageLaunch(
            lti_request, conf, session_service=LtiSession(preloaded), cookie_service=cookies
        )
        try:
            claims: dict[str, Any] = dict(
                await anyio.to_thread.run_sync(lambda: message_launch.validate().get_launch_data())
            )
        except LtiException as exc:
            return _refusal("LTI launch refused", explain_refusal(str(exc)))
        platform = await db_session.get_one(m.LtiPlatform, ids[message_launch.get_client_id()])
        if claims.get(CLAIM + "message_type") not in {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}:
            return _refusal("LTI launch refused", "Verdict serves resource-link and deep-linking launches only.")
        try:
            if is_deep_link(claims):
                check_deep_link_launch(claims)
            outcome = await apply_launch(db_session, platform, claims)
        except LaunchRefusedError as exc:
            return _refusal(exc.title, exc.detail, status=exc.status)
        user = await db_session.get_one(m.User, outcome.user_id)
        issued = await build_session_service(db_session, accounts_runtime).start(
            user, user_agent=request.headers.get("user-agent", "")[:200], ip=client_ip(request)
        )
        await db_session.commit()  # the answer is a redirect, which the autocommit handler would roll back
        csrf = accounts_runtime.codec.csrf_token(issued.session_id)
        secure = accounts_runtime.cookie_secure
        state = params.get("state", "")
        spent = Cookie(key=f"lti1p3-{state}", value="", max_age=0, path="/lti", secure=secure)
        path = outcome.path
        if is_deep_link(claims):  # the picker, bound to this person and this signed request
            pending = PendingDeepLink(
                platform_id=platform.id,
                deployment_id=str(claims[CLAIM + "deployment_id"]),
                user_id=user.id,
                course_id=outcome.course_id,
                settings=dict(claims[SETTINGS_CLAIM]),
            )
            path = f"/lti/deep-link/{await remember(redis, pending)}"
        return Redirect(
            path=path,
            status_code=303,
            cookies=[*session_cookies(issued, csrf_token=csrf, secure=secure), spent],
        )


def _platform(row: m.LtiPlatform) -> schemas.LtiPlatform:
    return schemas.LtiPlatform(
        id=row.id,
        name=row.name,
        issuer=row.issuer,
        client_id=row.client_id,
        auth_login_url=row.auth_login_url,
        auth_token_url=row.auth_token_url,
        key_set_url=row.key_set_url,
        deployment_ids=list(row.deployment_ids),
        enabled=row.enabled,
        created_at=row.created_at,
    )


def tool_urls(settings: Settings) -> schemas.LtiToolUrls:
    base = settings.base_url
    return schemas.LtiToolUrls(
        login_initiation_url=f"{base}/lti/login",
        launch_url=f"{base}/lti/launch",
        redirect_urls=[f"{base}/lti/launch"],
        jwks_url=f"{base}/lti/jwks",
        deep_linking_url=f"{base}/lti/launch",
    )


class LtiAdminController(Controller):
    path = "/api/admin/lti"
    tags = ["lti"]
    guards = [requires_admin]

    @get("/platforms", operation_id="ListLtiPlatforms")
    async def list_platforms(self, db_session: NamedDependency[AsyncSession]) -> list[schemas.LtiPlatform]:
        rows = await db_session.scalars(select(m.LtiPlatform).order_by(m.LtiPlatform.name))
        return [_platform(row) for row in rows]

    @post("/platforms", operation_id="CreateLtiPlatform", status_code=HTTP_201_CREATED)
    async def create(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[schemas.LtiPlatformCreate]
    ) -> schemas.LtiPlatform:
        return _platform(await create_platform(db_session, data))

    @patch("/platforms/{platform_id:uuid}", operation_id="UpdateLtiPlatform")
    async def update(
        self,
        db_session: NamedDependency[AsyncSession],
        platform_id: FromPath[UUID],
        data: JSONBody[schemas.LtiPlatformUpdate],
    ) -> schemas.LtiPlatform:
        row = await db_session.get(m.LtiPlatform, platform_id)
        if row is None:
            raise NotFoundError("no such LTI platform")
        await update_platform(db_session, row, data)
        return _platform(row)

    @get("/urls", operation_id="LtiToolUrls")
    async def urls(self, settings: NamedDependency[Settings]) -> schemas.LtiToolUrls:
        """The addresses to paste into Moodle or Canvas."""
        return tool_urls(settings)

    @get("/keys", operation_id="ListLtiToolKeys")
    async def keys(self, db_session: NamedDependency[AsyncSession]) -> list[schemas.LtiToolKey]:
        await active_key(db_session)
        rows = await db_session.scalars(select(m.LtiToolKey).order_by(m.LtiToolKey.created_at.desc()))
        return [
            schemas.LtiToolKey(kid=k.kid, active=k.active, created_at=k.created_at, retired_at=k.retired_at)
            for k in rows
        ]

    @post("/keys/rotate", operation_id="RotateLtiToolKey", status_code=HTTP_201_CREATED)
    async def rotate(self, db_session: NamedDependency[AsyncSession]) -> schemas.LtiToolKey:
        """A new active key; the old one stays in the JWKS for the grace period, so in-flight tokens still verify."""
        key = await rotate_key(db_session)
        return schemas.LtiToolKey(kid=key.kid, active=key.active, created_at=key.created_at, retired_at=key.retired_at)
