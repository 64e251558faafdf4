"""Bad launches are refused with a clear 4xx page and nothing is created: one test per case."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.lti.lti_platform import INSTRUCTOR, StandInPlatform
from tests.integration.lti.support import begin_login, launch

Client = AsyncTestClient[Litestar]


async def _rows(settings: Settings) -> tuple[int, int, int]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            counts = [
                int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (m.User, m.Course, m.LtiUserLink)
            ]
            return counts[0], counts[1], counts[2]
    finally:
        await engine.dispose()


FORGED = rsa.generate_private_key(public_exponent=65537, key_size=2048)

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("forged signature", {"key": FORGED}, "signature or times do not verify"),
    ("expired token", {"exp_in": -60}, "has expired"),
    ("unknown issuer", {"iss": "https://evil.example.org"}, "No enabled platform is registered"),
    ("unknown deployment", {"deployment_id": "not-registered"}, "deployment id is not registered"),
    ("wrong audience", {"aud": "some-other-tool"}, "No enabled platform is registered"),
    ("missing nonce", {"nonce": None}, "has no nonce"),
    ("unknown nonce", {"nonce": "never-issued"}, "nonce unknown"),
    ("unknown signing key", {"kid": "not-in-jwks"}, "JWKS does not publish"),
]


@pytest.mark.parametrize(("case", "token", "words"), CASES, ids=[case for case, _, _ in CASES])
async def test_bad_launch_is_refused_and_creates_nothing(
    client: Client, registered: StandInPlatform, settings: Settings, case: str, token: dict[str, Any], words: str
) -> None:
    before = await _rows(settings)
    resp, _token, _state = await launch(client, registered, sub=f"victim-{case}", roles=(INSTRUCTOR,), **token)
    assert resp.status_code == 400, (case, resp.status_code)
    assert words in resp.text, resp.text[-2000:]
    assert "Nothing was created" in resp.text
    assert "verdict_access" not in resp.headers.get("set-cookie", "")
    assert await _rows(settings) == before


async def test_replayed_launch_is_refused(client: Client, registered: StandInPlatform, settings: Settings) -> None:
    state, nonce = await begin_login(client, registered)
    id_token = registered.id_token(nonce=nonce, sub="teacher-r", roles=(INSTRUCTOR,))
    first = await client.post("/lti/launch", data={"id_token": id_token, "state": state}, follow_redirects=False)
    assert first.status_code == 303
    before = await _rows(settings)
    client.cookies.set(f"lti1p3-{state}", state, domain="verdict.example.org", path="/lti")  # even with the cookie
    replay = await client.post("/lti/launch", data={"id_token": id_token, "state": state}, follow_redirects=False)
    assert replay.status_code == 400
    assert "already used" in replay.text
    assert await _rows(settings) == before


async def test_state_not_from_this_browser_is_refused(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    _state, nonce = await begin_login(client, registered)
    client.cookies.clear()  # another browser: no state cookie
    id_token = registered.id_token(nonce=nonce, sub="teacher-x", roles=(INSTRUCTOR,))
    before = await _rows(settings)
    resp = await client.post("/lti/launch", data={"id_token": id_token, "state": "state-guess"}, follow_redirects=False)
    assert resp.status_code == 400
    assert "state cookie missing" in resp.text
    assert await _rows(settings) == before


async def test_login_from_an_unknown_issuer_is_refused(client: Client, registered: StandInPlatform) -> None:
    resp = await client.get(
        "/lti/login", params={"iss": "https://evil.example.org", "login_hint": "x"}, follow_redirects=False
    )
    assert resp.status_code == 400
    assert "No enabled platform is registered" in resp.text


async def test_not_a_jwt_is_refused(client: Client, registered: StandInPlatform) -> None:
    resp = await client.post("/lti/launch", data={"id_token": "garbage", "state": "s"}, follow_redirects=False)
    assert resp.status_code == 400
    assert "no valid id_token" in resp.text
