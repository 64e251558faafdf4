"""Deep-linking launches: only course staff may use them (a learner is refused and nothing is created)."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.lti.lti_platform import CLAIM, INSTRUCTOR, LEARNER, StandInPlatform
from tests.integration.lti.support import launch

Client = AsyncTestClient[Litestar]


def _deep_link_claims() -> dict[str, Any]:
    return {
        CLAIM + "message_type": "LtiDeepLinkingRequest",
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": "https://lms.example.org/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
        },
    }


async def test_learner_deep_link_is_refused(client: Client, registered: StandInPlatform) -> None:
    await launch(client, registered, sub="teacher-dl", roles=(INSTRUCTOR,))  # the course exists
    client.cookies.clear()
    resp, _token, _state = await launch(
        client, registered, sub="learner-dl", roles=(LEARNER,), extra=_deep_link_claims()
    )
    assert resp.status_code == 403, resp.text[-2000:]
    assert "Adding content is for course staff" in resp.text
    assert "verdict_access" not in resp.headers.get("set-cookie", "")


async def test_instructor_deep_link_signs_in(client: Client, registered: StandInPlatform) -> None:
    resp, _token, _state = await launch(
        client, registered, sub="teacher-dl2", roles=(INSTRUCTOR,), extra=_deep_link_claims()
    )
    assert resp.status_code == 303, resp.text[-2000:]
