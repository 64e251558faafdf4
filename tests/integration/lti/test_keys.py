"""Key rotation seen from the platform: a client assertion pylti1p3 signs with the tool's old key still verifies
against the tool's JWKS during the grace period, as does one signed with the new key."""

from __future__ import annotations

import anyio.to_thread
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.lti.adapters import ToolConf
from api.domain.lti.keys import public_pem
from api.domain.lti.services import platform_snapshots
from api.settings import Settings
from tests.integration.courses.conftest import Caller
from tests.integration.lti.lti_platform import StandInPlatform

SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


async def _token_with(settings: Settings, platform: StandInPlatform, kid: str) -> str:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            key = await session.scalar(select(m.LtiToolKey).where(m.LtiToolKey.kid == kid))
            assert key is not None
            snapshots, _ids = await platform_snapshots(session, platform.issuer)
    finally:
        await engine.dispose()
    conf = ToolConf(snapshots, private_pem=key.private_pem, public_pem=public_pem(key))
    registration = conf.find_registration_by_params(platform.issuer, platform.client_id)
    connector = ServiceConnector(registration)
    return await anyio.to_thread.run_sync(lambda: connector.get_access_token([SCOPE]))


async def test_old_and_new_keys_verify_at_the_platform_during_grace(
    client: AsyncTestClient[Litestar], registered: StandInPlatform, admin: Caller, settings: Settings
) -> None:
    old_kid = registered.tool_jwks["keys"][0]["kid"]
    rotated = await client.post("/api/admin/lti/keys/rotate", headers=admin.headers)
    assert rotated.status_code == 201
    registered.tool_jwks = (await client.get("/lti/jwks")).json()
    assert await _token_with(settings, registered, old_kid)
    assert await _token_with(settings, registered, rotated.json()["kid"])
    claims = registered.verify_assertion(registered.token_requests[-1]["client_assertion"])
    assert claims["iss"] == registered.client_id
    assert registered.token_requests[-1]["grant_type"] == "client_credentials"


async def test_a_key_missing_from_the_tool_jwks_is_refused_by_the_platform(
    client: AsyncTestClient[Litestar], registered: StandInPlatform, settings: Settings
) -> None:
    kid = registered.tool_jwks["keys"][0]["kid"]
    registered.tool_jwks = {"keys": []}
    with pytest.raises(LtiServiceException, match="401"):
        await _token_with(settings, registered, kid)
