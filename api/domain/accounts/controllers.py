"""HTTP endpoints of the accounts area. Thin: each validates its input type, calls a service, shapes the answer.

Public (in the route-guard test's list): register, verify-email, login, session, refresh, password-reset (+confirm).
Everything else is guarded here.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from api.db import models as m
from api.domain.accounts.auth import Principal
from api.domain.accounts.cookies import CSRF_HEADER, REFRESH_COOKIE, clear_session_cookies, session_cookies
from api.domain.accounts.flows import AuthService
from api.domain.accounts.guards import (
    requires_active_user,
    requires_admin,
    requires_instructor,
    requires_session,
)
from api.domain.accounts.runtime import AccountsRuntime
from api.domain.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenInfo,
    BrowserSession,
    LoginRequest,
    Message,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    Profile,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UserCreate,
    UserPage,
    UserUpdate,
    VerifyEmailRequest,
)
from api.domain.accounts.services import ApiTokenService, UserService, derive_initials
from api.domain.accounts.sessions import IssuedSession
from api.domain.courses.access import ensure_can_view_user, taught_user_ids
from api.lib.crypto import secrets_equal
from api.lib.exceptions import NotAuthenticatedError, PermissionDeniedError
from api.lib.mail import OutgoingMail
from api.lib.ratelimit import client_ip

__all__ = ["ApiTokenController", "AuthController", "ProfileController", "UserAdminController"]

AnyRequest = Request[Any, Any, Any]
CHECK_YOUR_MAIL = "if the address can be used, a message with the next step is on its way: check your mail"


def to_profile(user: m.User) -> Profile:
    return Profile(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        avatar_initials=user.avatar_initials or derive_initials(user.display_name),
        bio=user.bio,
        level=user.level,
        role=user.role,
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def signed_out_message(count: int, *, others: bool) -> str:
    """ "Signed out of 2 other sessions", in words a person would use: no count when there was none."""
    other = "other " if others else ""
    if count == 0:
        return f"there was no {other}session to sign out of" if others else "signed out"
    if count == 1:
        return f"signed out of 1 {other}session"
    return f"signed out of {count} {other}sessions"


def password_changed_message(count: int) -> str:
    if count == 0:
        return "Password changed."
    return f"Password changed; {signed_out_message(count, others=True)}."


def _user_agent(request: AnyRequest) -> str:
    return request.headers.get("user-agent", "")[:200]


def _mail_task(runtime: AccountsRuntime, mail: OutgoingMail | None) -> BackgroundTask | None:
    return BackgroundTask(runtime.mailer.send, mail) if mail is not None else None


def _token_pair(issued: IssuedSession, user: m.User) -> TokenPair:
    return TokenPair(
        access_token=issued.access_token,
        expires_at=issued.claims.expires_at,
        expires_in=int((issued.claims.expires_at - issued.claims.issued_at).total_seconds()),
        refresh_token=issued.refresh_token,
        refresh_expires_at=issued.refresh_expires_at,
        user=to_profile(user),
    )


def _browser_session(runtime: AccountsRuntime, issued: IssuedSession, user: m.User) -> Response[BrowserSession]:
    csrf = runtime.codec.csrf_token(issued.session_id)
    body = BrowserSession(
        user=to_profile(user),
        csrf_token=csrf,
        expires_at=issued.claims.expires_at,
        refresh_expires_at=issued.refresh_expires_at,
    )
    cookies = session_cookies(issued, csrf_token=csrf, secure=runtime.cookie_secure)
    return Response(body, status_code=HTTP_200_OK, cookies=cookies, headers={"Cache-Control": "no-store"})


class AuthController(Controller):
    path = "/api/auth"
    tags = ["accounts"]

    @post("/register", operation_id="Register", status_code=HTTP_202_ACCEPTED)
    async def register(
        self, request: AnyRequest, data: JSONBody[RegisterRequest], auth_service: NamedDependency[AuthService]
    ) -> Response[Message]:
        """Start a self-registration. Always 202: the mailbox's owner gets either a confirmation link or a notice
        that they already have an account, so the answer never tells whether an account exists."""
        mail = await auth_service.register(data, ip=client_ip(request))
        return Response(
            Message(detail=CHECK_YOUR_MAIL),
            status_code=HTTP_202_ACCEPTED,
            background=_mail_task(auth_service.runtime, mail),
        )

    @post("/verify-email", operation_id="VerifyEmail", status_code=HTTP_201_CREATED)
    async def verify_email(
        self, request: AnyRequest, data: JSONBody[VerifyEmailRequest], auth_service: NamedDependency[AuthService]
    ) -> Profile:
        """Use the link's token: the account is created, and the person can sign in."""
        user = await auth_service.verify_email(data.token, ip=client_ip(request))
        return to_profile(user)

    @post("/verify-email/resend", operation_id="ResendEmailConfirmation", status_code=HTTP_202_ACCEPTED)
    async def resend_confirmation(
        self, request: AnyRequest, data: JSONBody[LoginRequest], auth_service: NamedDependency[AuthService]
    ) -> Response[Message]:
        """Send the confirmation link again, for a registration not confirmed yet (its e-mail and password). Always
        202 "check your mail": a mail goes out only when the password is the registration's."""
        mail = await auth_service.resend_confirmation(data, ip=client_ip(request))
        return Response(
            Message(detail=CHECK_YOUR_MAIL),
            status_code=HTTP_202_ACCEPTED,
            background=_mail_task(auth_service.runtime, mail),
        )

    @post("/login", operation_id="Login", status_code=HTTP_200_OK)
    async def login(
        self, request: AnyRequest, data: JSONBody[LoginRequest], auth_service: NamedDependency[AuthService]
    ) -> Response[TokenPair]:
        """For API clients: an access token (Bearer, short-lived) and a refresh token in the body."""
        issued, user = await auth_service.login(data, ip=client_ip(request), user_agent=_user_agent(request))
        return Response(_token_pair(issued, user), headers={"Cache-Control": "no-store"})

    @post("/session", operation_id="StartBrowserSession", status_code=HTTP_200_OK)
    async def start_session(
        self, request: AnyRequest, data: JSONBody[LoginRequest], auth_service: NamedDependency[AuthService]
    ) -> Response[BrowserSession]:
        """For the web UI: the same sign-in, but the tokens go into HttpOnly cookies and the body carries the CSRF
        token to send as ``X-CSRF-Token`` on writes."""
        issued, user = await auth_service.login(data, ip=client_ip(request), user_agent=_user_agent(request))
        return _browser_session(auth_service.runtime, issued, user)

    @post("/refresh", operation_id="Refresh", status_code=HTTP_200_OK)
    async def refresh(
        self,
        request: AnyRequest,
        auth_service: NamedDependency[AuthService],
        data: JSONBody[RefreshRequest | None] = None,
    ) -> Response[TokenPair | BrowserSession]:
        """Rotate a refresh token: from the body (API clients; answers a new pair) or from the refresh cookie
        (browsers; needs ``X-CSRF-Token``; answers new cookies). A token that was already used revokes its session."""
        ip, agent = client_ip(request), _user_agent(request)
        if data is not None and data.refresh_token:
            issued, user = await auth_service.refresh(data.refresh_token, ip=ip, user_agent=agent)
            return Response(_token_pair(issued, user), headers={"Cache-Control": "no-store"})
        raw = request.cookies.get(REFRESH_COOKIE)
        if not raw:
            raise NotAuthenticatedError("no refresh token: send {'refreshToken': ...} or sign in again")
        family = (await auth_service.sessions.find(raw)).family_id
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not secrets_equal(sent, auth_service.runtime.codec.csrf_token(family)):
            raise PermissionDeniedError("missing or wrong CSRF token: send the verdict_csrf cookie as X-CSRF-Token")
        issued, user = await auth_service.refresh(raw, ip=ip, user_agent=agent)
        response: Response[Any] = _browser_session(auth_service.runtime, issued, user)
        return response

    @post("/logout", operation_id="Logout", status_code=HTTP_200_OK, guards=[requires_session])
    async def logout(
        self, current_principal: NamedDependency[Principal], auth_service: NamedDependency[AuthService]
    ) -> Response[Message]:
        """End this session: its refresh tokens and this access token stop working; cookies are cleared."""
        if current_principal.claims is not None:
            await auth_service.logout(current_principal.claims)
        return Response(
            Message(detail="signed out"),
            cookies=clear_session_cookies(secure=auth_service.runtime.cookie_secure),
        )

    @post("/logout-all", operation_id="LogoutEverywhere", status_code=HTTP_200_OK, guards=[requires_session])
    async def logout_all(
        self, current_principal: NamedDependency[Principal], auth_service: NamedDependency[AuthService]
    ) -> Response[Message]:
        """End every session of this account, on every device."""
        count = await auth_service.logout_everywhere(current_principal.user, current_principal.claims)
        return Response(
            Message(detail=signed_out_message(count, others=False)),
            cookies=clear_session_cookies(secure=auth_service.runtime.cookie_secure),
        )

    @post("/password", operation_id="ChangePassword", status_code=HTTP_200_OK, guards=[requires_session])
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        current_principal: NamedDependency[Principal],
        auth_service: NamedDependency[AuthService],
    ) -> Message:
        """Needs the current password; every other session is signed out, this one stays."""
        count = await auth_service.change_password(
            current_principal.user, data, keep_session=current_principal.session_id
        )
        return Message(detail=password_changed_message(count))

    @post("/password-reset", operation_id="RequestPasswordReset", status_code=HTTP_202_ACCEPTED)
    async def request_password_reset(
        self, request: AnyRequest, data: JSONBody[PasswordResetRequest], auth_service: NamedDependency[AuthService]
    ) -> Response[Message]:
        """Mail a reset link (valid 1 hour, once). The answer is the same whether or not the address has an account."""
        mail = await auth_service.request_password_reset(data.email, ip=client_ip(request))
        return Response(
            Message(detail=CHECK_YOUR_MAIL),
            status_code=HTTP_202_ACCEPTED,
            background=_mail_task(auth_service.runtime, mail),
        )

    @post("/password-reset/confirm", operation_id="ConfirmPasswordReset", status_code=HTTP_200_OK)
    async def confirm_password_reset(
        self, request: AnyRequest, data: JSONBody[PasswordResetConfirm], auth_service: NamedDependency[AuthService]
    ) -> Response[Message]:
        """Set the new password; every session of the account is signed out."""
        await auth_service.confirm_password_reset(data.token, data.new_password, ip=client_ip(request))
        return Response(
            Message(detail="password changed: sign in with the new one"),
            cookies=clear_session_cookies(secure=auth_service.runtime.cookie_secure),
        )


class ProfileController(Controller):
    path = "/api/me"
    tags = ["accounts"]
    guards = [requires_active_user]

    @get(operation_id="GetMyProfile")
    async def get_profile(self, current_user: NamedDependency[m.User]) -> Profile:
        return to_profile(current_user)

    @patch(operation_id="UpdateMyProfile")
    async def update_profile(
        self,
        data: JSONBody[ProfileUpdate],
        current_user: NamedDependency[m.User],
        users_service: NamedDependency[UserService],
    ) -> Profile:
        return to_profile(await users_service.update_profile(current_user, data))


class UserAdminController(Controller):
    """Admins manage every account; instructors may list and view students."""

    path = "/api/users"
    tags = ["accounts"]
    guards = [requires_instructor]

    @get(operation_id="ListUsers")
    async def list_users(
        self,
        *,
        current_user: NamedDependency[m.User],
        users_service: NamedDependency[UserService],
        q: Annotated[str | None, QueryParameter(max_length=200, description="part of a name or address")] = None,
        role: FromQuery[m.Role | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> UserPage:
        roles = [role] if role else None
        if current_user.role is not m.Role.ADMIN:
            if role not in (None, m.Role.STUDENT):
                raise PermissionDeniedError("instructors may list students only")
            roles = [m.Role.STUDENT]
        within = None if current_user.role is m.Role.ADMIN else taught_user_ids(current_user.id)
        users, total = await users_service.search(
            query=q, roles=roles, active=active, limit=limit, offset=offset, within=within
        )
        return UserPage(items=[to_profile(u) for u in users], total=total, limit=limit, offset=offset)

    @post(operation_id="CreateUser", guards=[requires_admin], status_code=HTTP_201_CREATED)
    async def create_user(
        self, data: JSONBody[UserCreate], auth_service: NamedDependency[AuthService]
    ) -> Response[Profile]:
        """Create an account (e.g. an instructor). Without ``password`` the person is mailed a link to choose one."""
        user, mail = await auth_service.create_user(data)
        return Response(
            to_profile(user), status_code=HTTP_201_CREATED, background=_mail_task(auth_service.runtime, mail)
        )

    @get("/{user_id:uuid}", operation_id="GetUser")
    async def get_user(
        self,
        user_id: FromPath[UUID],
        current_user: NamedDependency[m.User],
        users_service: NamedDependency[UserService],
    ) -> Profile:
        user = await users_service.get(user_id)
        await ensure_can_view_user(users_service.repository.session, current_user, user)
        return to_profile(user)

    @patch("/{user_id:uuid}", operation_id="UpdateUser", guards=[requires_admin])
    async def update_user(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[UserUpdate],
        current_user: NamedDependency[m.User],
        auth_service: NamedDependency[AuthService],
    ) -> Profile:
        """Change the role, (de)activate (signs the person out everywhere), or fix the display name."""
        return to_profile(await auth_service.update_user(actor=current_user, user_id=user_id, data=data))


class ApiTokenController(Controller):
    path = "/api/tokens"
    tags = ["accounts"]
    guards = [requires_active_user]

    @get(operation_id="ListApiTokens")
    async def list_tokens(
        self, current_user: NamedDependency[m.User], api_tokens_service: NamedDependency[ApiTokenService]
    ) -> list[ApiTokenInfo]:
        return [_token_info(token) for token in await api_tokens_service.list_for(current_user.id)]

    @post(operation_id="CreateApiToken", guards=[requires_session], status_code=HTTP_201_CREATED)
    async def create_token(
        self,
        request: AnyRequest,
        data: JSONBody[ApiTokenCreate],
        current_user: NamedDependency[m.User],
        api_tokens_service: NamedDependency[ApiTokenService],
        accounts_runtime: NamedDependency[AccountsRuntime],
    ) -> Response[ApiTokenCreated]:
        """The token is in this answer only: store it now. Scopes must be allowed for your role."""
        limits = accounts_runtime.limits
        await accounts_runtime.limiter.enforce(limits.token_ip, client_ip(request))
        await accounts_runtime.limiter.enforce(limits.token_account, str(current_user.id))
        token, raw = await api_tokens_service.create_from(user=current_user, data=data)
        body = ApiTokenCreated(
            id=token.id,
            name=token.name,
            token=raw,
            token_prefix=token.token_prefix,
            scopes=[m.ApiScope(s) for s in token.scopes],
            created_at=token.created_at,
            expires_at=token.expires_at,
        )
        return Response(body, status_code=HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @delete(
        "/{token_id:uuid}", operation_id="RevokeApiToken", guards=[requires_session], status_code=HTTP_204_NO_CONTENT
    )
    async def revoke_token(
        self,
        token_id: FromPath[UUID],
        current_user: NamedDependency[m.User],
        api_tokens_service: NamedDependency[ApiTokenService],
    ) -> None:
        await api_tokens_service.revoke(user_id=current_user.id, token_id=token_id)


def _token_info(token: m.ApiToken) -> ApiTokenInfo:
    return ApiTokenInfo(
        id=token.id,
        name=token.name,
        token_prefix=token.token_prefix,
        scopes=[m.ApiScope(s) for s in token.scopes if s in m.ApiScope._value2member_map_],
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
    )
