"""LTI Deep Linking: an instructor picks a Verdict assessment from inside the LMS editor.

A validated LtiDeepLinkingRequest from course staff is remembered in Redis under a random token, bound to the
person it signed in (30 minutes, used once): the deep-linking settings (return URL, accepted types) come from the
signed launch, never from a form. The picker page lists the course's assessments; the choice becomes a signed
LtiDeepLinkingResponse (pylti1p3's ``DeepLink``, with the tool's key) holding one ``ltiResourceLink`` whose custom
parameter ``verdict_assessment_id`` the later launches map to the assessment, and a line item out of 100.
"""

from __future__ import annotations

import secrets
from typing import Any, Final, cast
from urllib.parse import urlsplit
from uuid import UUID

import msgspec
from pylti1p3.deep_link import DeepLink, TDeepLinkData
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from redis.asyncio import Redis

from api.db import models as m
from api.domain.lti.ags import registration
from api.domain.lti.roles import course_role_for
from api.domain.lti.services import CLAIM, CUSTOM_ASSESSMENT, LaunchRefusedError

__all__ = [
    "DEEP_LINKING_REQUEST",
    "SETTINGS_CLAIM",
    "PendingDeepLink",
    "check_deep_link_launch",
    "forget",
    "is_deep_link",
    "recall",
    "remember",
    "response_jwt",
    "return_origin",
]

DEEP_LINKING_REQUEST: Final = "LtiDeepLinkingRequest"
SETTINGS_CLAIM: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
RESOURCE_LINK: Final = "ltiResourceLink"
TTL_S: Final = 1800
_KEY: Final = "lti:deeplink:{}"


class PendingDeepLink(msgspec.Struct, frozen=True, kw_only=True):
    """A validated deep-linking request waiting for the instructor's choice."""

    platform_id: UUID
    deployment_id: str
    user_id: UUID
    course_id: UUID
    settings: dict[str, Any]


def is_deep_link(claims: dict[str, Any]) -> bool:
    return claims.get(CLAIM + "message_type") == DEEP_LINKING_REQUEST


def check_deep_link_launch(claims: dict[str, Any]) -> None:
    """Refuse a deep-linking launch of anyone but course staff (instructor or TA), or one whose platform accepts no
    resource link (the one kind of item Verdict returns), before anything is created."""
    if course_role_for(claims.get(CLAIM + "roles") or []) is m.CourseRole.STUDENT:
        raise LaunchRefusedError(
            "Adding content is for course staff",
            "Only instructors and teaching assistants can add a Verdict assessment from the LMS editor. "
            "Nothing was created.",
        )
    settings = claims.get(SETTINGS_CLAIM)
    if not isinstance(settings, dict) or not str(settings.get("deep_link_return_url") or "").startswith("http"):
        raise LaunchRefusedError(
            "Deep-linking request without a return address",
            "The LMS sent no deep_link_return_url: nothing can be sent back. Nothing was created.",
            status=400,
        )
    if RESOURCE_LINK not in (settings.get("accept_types") or []):
        raise LaunchRefusedError(
            "The LMS does not accept what Verdict adds",
            "This LMS placement accepts no LTI resource links (accept_types), and a Verdict assessment is one. "
            "Use the LMS's external-tool activity instead. Nothing was created.",
            status=400,
        )


async def remember(redis: Redis, pending: PendingDeepLink) -> str:
    token = secrets.token_urlsafe(24)
    await redis.set(_KEY.format(token), msgspec.json.encode(pending), ex=TTL_S)
    return token


async def recall(redis: Redis, token: str) -> PendingDeepLink | None:
    raw = await redis.get(_KEY.format(token))
    if raw is None:
        return None
    try:
        return msgspec.json.decode(raw, type=PendingDeepLink)
    except msgspec.DecodeError:
        return None


async def forget(redis: Redis, token: str) -> bool:
    """Use the request up (True if it was still there: a second choice with the same token is refused)."""
    return bool(await redis.delete(_KEY.format(token)))


def return_origin(pending: PendingDeepLink) -> str:
    parts = urlsplit(str(pending.settings.get("deep_link_return_url") or ""))
    return f"{parts.scheme}://{parts.netloc}"


def response_jwt(
    *,
    platform: m.LtiPlatform,
    key: m.LtiToolKey,
    public: str,
    pending: PendingDeepLink,
    assessment: m.Assessment,
    launch_url: str,
) -> str:
    """The signed LtiDeepLinkingResponse with one resource link to ``assessment`` (pylti1p3 builds and signs it: iss
    = our client id, aud = the platform, the request's ``data`` echoed, the deployment id)."""
    reg = registration(platform, key.private_pem, public)
    item = (
        DeepLinkResource()
        .set_type(RESOURCE_LINK)
        .set_title(assessment.title)
        .set_url(launch_url)
        .set_custom_params({CUSTOM_ASSESSMENT: str(assessment.id)})
        .set_lineitem(LineItem().set_score_maximum(100).set_label(assessment.title).set_resource_id(str(assessment.id)))
    )
    return str(DeepLink(reg, pending.deployment_id, cast(TDeepLinkData, pending.settings)).get_response_jwt([item]))
