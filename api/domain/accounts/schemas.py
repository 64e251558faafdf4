"""Wire formats of the accounts area. JSON keys are camelCase (``displayName``, ``accessToken``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.db.models import ApiScope, Level, Role
from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "ApiTokenCreate",
    "ApiTokenCreated",
    "ApiTokenInfo",
    "BrowserSession",
    "EmailAddress",
    "LoginRequest",
    "Message",
    "PasswordChange",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "Profile",
    "ProfileUpdate",
    "RefreshRequest",
    "RegisterRequest",
    "TokenPair",
    "UserCreate",
    "UserPage",
    "UserUpdate",
    "VerifyEmailRequest",
]

EmailAddress = Annotated[str, msgspec.Meta(min_length=3, max_length=320, description="an e-mail address")]
PasswordInput = Annotated[str, msgspec.Meta(max_length=1024)]  # the policy says "at most 256" in words
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Bio = Annotated[str, msgspec.Meta(max_length=2000)]
Initials = Annotated[str, msgspec.Meta(max_length=3, pattern=r"^[^\s<>&]*$")]


# --- requests ---------------------------------------------------------------------------------------------------
class RegisterRequest(CamelizedBaseStruct, forbid_unknown_fields=True):
    email: EmailAddress
    password: PasswordInput
    display_name: DisplayName
    invite_code: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class VerifyEmailRequest(CamelizedBaseStruct, forbid_unknown_fields=True):
    token: Secret


class LoginRequest(CamelizedBaseStruct, forbid_unknown_fields=True):
    email: EmailAddress
    password: PasswordInput


class RefreshRequest(CamelizedBaseStruct, forbid_unknown_fields=True):
    refresh_token: Secret | None = None


class PasswordChange(CamelizedBaseStruct, forbid_unknown_fields=True):
    current_password: PasswordInput
    new_password: PasswordInput


class PasswordResetRequest(CamelizedBaseStruct, forbid_unknown_fields=True):
    email: EmailAddress


class PasswordResetConfirm(CamelizedBaseStruct, forbid_unknown_fields=True):
    token: Secret
    new_password: PasswordInput


class ProfileUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Fields left out are unchanged."""

    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    bio: Bio | msgspec.UnsetType = msgspec.UNSET
    level: Level | msgspec.UnsetType = msgspec.UNSET
    avatar_initials: Initials | msgspec.UnsetType = msgspec.UNSET


class UserCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Admin: create an account directly. Without ``password`` the person gets a mail to choose one."""

    email: EmailAddress
    display_name: DisplayName
    role: Role = Role.STUDENT
    password: PasswordInput | None = None


class UserUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Admin: change a role, (de)activate, or fix a display name. Deactivating signs the person out everywhere."""

    role: Role | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET


class ApiTokenCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    name: DisplayName
    scopes: Annotated[list[ApiScope], msgspec.Meta(min_length=1, max_length=8)]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None


# --- responses --------------------------------------------------------------------------------------------------
class Message(CamelizedBaseStruct):
    detail: str


class Profile(CamelizedBaseStruct):
    id: UUID
    email: str
    display_name: str
    avatar_initials: str
    bio: str
    level: Level
    role: Role
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserPage(CamelizedBaseStruct):
    items: list[Profile]
    total: int
    limit: int
    offset: int


class TokenPair(CamelizedBaseStruct):
    """For API clients: send ``Authorization: Bearer <accessToken>``; renew with ``refreshToken`` before expiry."""

    access_token: str
    expires_at: datetime
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    user: Profile
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name


class BrowserSession(CamelizedBaseStruct):
    """For the web UI: tokens are in HttpOnly cookies; send ``csrfToken`` as ``X-CSRF-Token`` on writes."""

    user: Profile
    csrf_token: str
    expires_at: datetime
    refresh_expires_at: datetime


class ApiTokenInfo(CamelizedBaseStruct):
    id: UUID
    name: str
    token_prefix: str
    scopes: list[ApiScope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(CamelizedBaseStruct):
    """The only time ``token`` is shown: it is stored hashed."""

    id: UUID
    name: str
    token: str
    token_prefix: str
    scopes: list[ApiScope]
    created_at: datetime
    expires_at: datetime | None
