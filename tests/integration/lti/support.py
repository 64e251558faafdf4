"""The browser's part of an LTI launch: login initiation at the tool, then the form post of the signed id_token."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.lti.lti_platform import StandInPlatform

__all__ = ["begin_login", "launch"]


async def begin_login(client: AsyncTestClient[Litestar], platform: StandInPlatform) -> tuple[str, str]:
    """GET /lti/login as the LMS sends it; answers (state, nonce) from the redirect to the platform's auth URL."""
    resp = await client.get(
        "/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": "hint-1",
            "target_link_uri": "https://verdict.example.org/lti/launch",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        },
        follow_redirects=False,
    )
    assert resp.status_code == 302, resp.text
    location = urlparse(resp.headers["location"])
    assert location.geturl().startswith(f"{platform.url}/auth?")
    query = parse_qs(location.query)
    assert query["client_id"] == [platform.client_id]
    assert query["redirect_uri"] == ["https://verdict.example.org/lti/launch"]
    return query["state"][0], query["nonce"][0]


async def launch(
    client: AsyncTestClient[Litestar], platform: StandInPlatform, **token: Any
) -> tuple[httpx.Response, str, str]:
    """A whole launch; ``token`` goes to ``platform.id_token``. Answers the launch response, the id_token, state."""
    state, nonce = await begin_login(client, platform)
    id_token = platform.id_token(nonce=token.pop("nonce", nonce), **token)
    resp = await client.post("/lti/launch", data={"id_token": id_token, "state": state}, follow_redirects=False)
    return resp, id_token, state
