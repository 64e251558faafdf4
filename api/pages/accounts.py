"""Account pages: register, confirm the address, sign in, forgot and reset the password, profile (and API tokens).

The forms are sent by ``web/static/js/forms.js`` to the accounts API (``/api/auth/*``, ``/api/me``) as JSON, with
the session cookie and the CSRF header; these controllers only render them.
"""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.db import models as m
from api.domain.accounts.services import ApiTokenService, allowed_scopes
from api.pages._common import SIGN_IN_REDIRECT, AnyRequest, render_page, requires_signed_in_page, safe_next

__all__ = ["AccountPages"]

# What each scope lets a token do, in words (the profile page's token form and list).
SCOPE_LABELS: Final[dict[m.ApiScope, str]] = {
    m.ApiScope.READ: "Read (problems, your submissions)",
    m.ApiScope.PROBLEMS_WRITE: "Write problems",
    m.ApiScope.SUBMISSIONS_WRITE: "Submit solutions",
    m.ApiScope.JUDGE0: "Judge0-compatible API",
}

Token = Annotated[str | None, QueryParameter(max_length=200)]


class AccountPages(Controller):
    include_in_schema = False

    @get("/register", name="page:register")
    async def register(self, optional_user: NamedDependency[m.User | None]) -> Template | Redirect:
        if optional_user is not None:
            return Redirect(path="/problems", status_code=303)
        return render_page("accounts/register.html.j2", user=None, nav="register")

    @get("/verify-email", name="page:verify-email")
    async def verify_email(self, optional_user: NamedDependency[m.User | None], token: Token = None) -> Template:
        return render_page("accounts/verify_email.html.j2", user=optional_user, token=token or "")

    @get("/login", name="page:login")
    async def login(self, request: AnyRequest, optional_user: NamedDependency[m.User | None]) -> Template | Redirect:
        next_path = request.query_params.get("next")
        target = safe_next(next_path[:2000] if next_path else None)
        if optional_user is not None:
            return Redirect(path=target, status_code=303)
        reason = "Sign in to go on." if next_path else ""
        return render_page("accounts/login.html.j2", user=None, nav="login", next=target, reason=reason)

    @get("/forgot-password", name="page:forgot-password")
    async def forgot_password(self, optional_user: NamedDependency[m.User | None]) -> Template:
        return render_page("accounts/forgot_password.html.j2", user=optional_user)

    @get("/reset-password", name="page:reset-password")
    async def reset_password(self, optional_user: NamedDependency[m.User | None], token: Token = None) -> Template:
        return render_page("accounts/reset_password.html.j2", user=optional_user, token=token or "")

    @get("/profile", name="page:profile", guards=[requires_signed_in_page], exception_handlers=SIGN_IN_REDIRECT)
    async def profile(
        self, current_user: NamedDependency[m.User], api_tokens_service: NamedDependency[ApiTokenService]
    ) -> Template:
        tokens = await api_tokens_service.list_for(current_user.id)
        allowed = allowed_scopes(current_user.role)
        scopes = [(scope.value, SCOPE_LABELS[scope]) for scope in m.ApiScope if scope in allowed]
        return render_page(
            "accounts/profile.html.j2",
            user=current_user,
            nav="profile",
            tokens=tokens,
            scope_choices=scopes,
            scope_labels={scope.value: label for scope, label in SCOPE_LABELS.items()},
        )
