"""Fixtures of the LTI tests: the stand-in platform, registered by an admin, and a client on the public https URL
(the tool's cookies are Secure there)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.db import models as m
from api.settings import Settings
from tests.integration.accounts.conftest import MailSink, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.integration.courses.conftest import Caller, sign_in
from tests.integration.courses.conftest import settings_env as settings_env  # noqa: PLC0414 - the fixture
from tests.integration.lti.lti_platform import StandInPlatform, serve_platform

Client = AsyncTestClient[Litestar]


@pytest.fixture
def platform() -> Iterator[StandInPlatform]:
    with serve_platform() as stand_in:
        yield stand_in


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app, base_url="https://verdict.example.org") as test_client:
        yield test_client


@pytest.fixture
async def admin(client: Client, settings: Settings) -> Caller:
    return await sign_in(client, settings, "admin", m.Role.ADMIN)


@pytest.fixture
async def registered(client: Client, admin: Caller, platform: StandInPlatform) -> StandInPlatform:
    resp = await client.post("/api/admin/lti/platforms", json=platform.registration(), headers=admin.headers)
    assert resp.status_code == 201, resp.text
    jwks = await client.get("/lti/jwks")
    assert jwks.status_code == 200
    platform.tool_jwks = jwks.json()
    return platform
