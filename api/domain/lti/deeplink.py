"""LTI Deep Linking (instructor picks a Verdict assessment from the LMS editor): the rules of the request.

Only the staff gate exists so far; the picker and the signed LtiDeepLinkingResponse are not built yet.
"""

from __future__ import annotations

from typing import Any, Final

from api.db import models as m
from api.domain.lti.roles import course_role_for
from api.domain.lti.services import CLAIM, LaunchRefusedError

__all__ = ["DEEP_LINKING_REQUEST", "check_deep_link_launch", "is_deep_link"]

DEEP_LINKING_REQUEST: Final = "LtiDeepLinkingRequest"


def is_deep_link(claims: dict[str, Any]) -> bool:
    return claims.get(CLAIM + "message_type") == DEEP_LINKING_REQUEST


def check_deep_link_launch(claims: dict[str, Any]) -> None:
    """Refuse a deep-linking launch of anyone but course staff (instructor or TA), before anything is created."""
    if course_role_for(claims.get(CLAIM + "roles") or []) is m.CourseRole.STUDENT:
        raise LaunchRefusedError(
            "Adding content is for course staff",
            "Only instructors and teaching assistants can add a Verdict assessment from the LMS editor. "
            "Nothing was created.",
        )
