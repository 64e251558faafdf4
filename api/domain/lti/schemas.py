"""Wire shapes of the LTI admin API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from api.lib.schema import CamelizedBaseStruct

__all__ = ["LtiPlatform", "LtiPlatformCreate", "LtiPlatformUpdate", "LtiToolKey", "LtiToolUrls"]


class LtiPlatform(CamelizedBaseStruct):
    id: UUID
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: list[str]
    enabled: bool
    created_at: datetime


class LtiPlatformCreate(CamelizedBaseStruct):
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: list[str] = []
    enabled: bool = True


class LtiPlatformUpdate(CamelizedBaseStruct):
    name: str | msgspec.UnsetType = msgspec.UNSET
    auth_login_url: str | msgspec.UnsetType = msgspec.UNSET
    auth_token_url: str | msgspec.UnsetType = msgspec.UNSET
    key_set_url: str | msgspec.UnsetType = msgspec.UNSET
    deployment_ids: list[str] | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class LtiToolKey(CamelizedBaseStruct):
    kid: str
    active: bool
    created_at: datetime
    retired_at: datetime | None


class LtiToolUrls(CamelizedBaseStruct):
    """What an LMS administrator pastes into Moodle or Canvas."""

    login_initiation_url: str
    launch_url: str
    redirect_urls: list[str]
    jwks_url: str
    deep_linking_url: str
