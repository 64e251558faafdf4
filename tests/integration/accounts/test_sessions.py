"""Sessions: refresh-token rotation and reuse detection, logout, logout everywhere, browser cookies with CSRF."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.accounts.sessions import REUSE_GRACE
from api.lib.crypto import hash_token
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.accounts.conftest import PASSWORD, Client, MakeUser, bearer, login


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[Client]:
    """A client on https, as browsers reach a deployment (session cookies are Secure there)."""
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as test_client:
        yield test_client


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_session(
    client: Client, make_user: MakeUser
) -> None:
    await make_user("ada@example.com")
    first = await login(client, "ada@example.com")
    second = (await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})).json()
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    third = (await client.post("/api/auth/refresh", json={"refreshToken": second["refreshToken"]})).json()
    assert (await client.get("/api/me", headers=bearer(third["accessToken"]))).status_code == 200

    # Someone replays the first (already used) token: the whole family dies, including the newest tokens.
    replay = await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    assert (await client.post("/api/auth/refresh", json={"refreshToken": third["refreshToken"]})).status_code == 401
    revoked = await client.get("/api/me", headers=bearer(third["accessToken"]))
    assert revoked.status_code == 401
    assert "signed out" in revoked.json()["detail"]

    # Another sign-in of the same account is a different family and keeps working.
    other = await login(client, "ada@example.com")
    assert (await client.get("/api/me", headers=bearer(other["accessToken"]))).status_code == 200


async def test_a_refresh_whose_answer_was_lost_is_honoured_once_the_family_moves_on_it_is_theft(
    client: Client, make_user: MakeUser
) -> None:
    # A browser leaves the page while its refresh is in flight: the server rotated the token, the new cookie never
    # arrived, and the next page presents the old token again. Within the grace period that is not a theft.
    await make_user("ada@example.com")
    first = await login(client, "ada@example.com")
    lost = await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert lost.status_code == 200, lost.text
    again = await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert again.status_code == 200, again.text
    retry = again.json()
    assert retry["refreshToken"] not in (first["refreshToken"], lost.json()["refreshToken"])
    assert (await client.get("/api/me", headers=bearer(retry["accessToken"]))).status_code == 200

    # Once the family has moved on (a successor was exchanged), the old token is a replay: the session dies.
    newest = (await client.post("/api/auth/refresh", json={"refreshToken": retry["refreshToken"]})).json()
    replay = await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    assert (await client.get("/api/me", headers=bearer(newest["accessToken"]))).status_code == 401


async def test_a_refresh_token_presented_again_after_the_grace_period_revokes_the_session(
    client: Client, make_user: MakeUser, settings: Settings
) -> None:
    await make_user("ada@example.com")
    first = await login(client, "ada@example.com")
    second = (await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})).json()
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:  # the exchange happened a while ago
            await session.execute(
                update(m.RefreshToken)
                .where(m.RefreshToken.token_hash == hash_token(first["refreshToken"]))
                .values(used_at=utcnow() - REUSE_GRACE - timedelta(seconds=1))
            )
            await session.commit()
    finally:
        await engine.dispose()
    replay = await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refreshToken": second["refreshToken"]})).status_code == 401


async def test_unknown_or_missing_refresh_tokens_are_401s(client: Client) -> None:
    resp = await client.post("/api/auth/refresh", json={"refreshToken": "vrt_" + "x" * 43})
    assert resp.status_code == 401
    assert "not valid" in resp.json()["detail"]
    resp = await client.post("/api/auth/refresh")
    assert resp.status_code == 401
    assert "no refresh token" in resp.json()["detail"]


async def test_logout_revokes_the_access_token_and_the_refresh_token(client: Client, make_user: MakeUser) -> None:
    await make_user("ada@example.com")
    session = await login(client, "ada@example.com")
    other = await login(client, "ada@example.com")
    resp = await client.post("/api/auth/logout", headers=bearer(session["accessToken"]))
    assert resp.status_code == 200
    assert (await client.get("/api/me", headers=bearer(session["accessToken"]))).status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refreshToken": session["refreshToken"]})).status_code == 401
    # Only that session ended.
    assert (await client.get("/api/me", headers=bearer(other["accessToken"]))).status_code == 200


async def test_logout_everywhere_ends_every_session(client: Client, make_user: MakeUser) -> None:
    await make_user("ada@example.com")
    await make_user("bob@example.com")
    sessions = [await login(client, "ada@example.com") for _ in range(3)]
    bob = await login(client, "bob@example.com")
    resp = await client.post("/api/auth/logout-all", headers=bearer(sessions[0]["accessToken"]))
    assert resp.status_code == 200
    assert resp.json()["detail"] == "signed out of 3 sessions"
    for session in sessions:
        assert (await client.get("/api/me", headers=bearer(session["accessToken"]))).status_code == 401
        refresh = await client.post("/api/auth/refresh", json={"refreshToken": session["refreshToken"]})
        assert refresh.status_code == 401
    assert (await client.get("/api/me", headers=bearer(bob["accessToken"]))).status_code == 200


async def test_browser_session_uses_httponly_cookies_and_csrf(browser: Client, make_user: MakeUser) -> None:
    await make_user("ada@example.com")
    resp = await browser.post("/api/auth/session", json={"email": "ada@example.com", "password": PASSWORD})
    assert resp.status_code == 200
    body = resp.json()
    assert "accessToken" not in body
    assert "refreshToken" not in body
    csrf = body["csrfToken"]
    set_cookies = resp.headers.get_list("set-cookie")
    by_name = {header.split("=", 1)[0]: header.lower() for header in set_cookies}
    assert set(by_name) == {"verdict_access", "verdict_refresh", "verdict_csrf"}
    for name, header in by_name.items():
        assert "samesite=lax" in header
        assert "secure" in header
        assert ("httponly" in header) is (name != "verdict_csrf")
    assert "path=/api/auth" in by_name["verdict_refresh"]
    assert browser.cookies.get("verdict_csrf") == csrf

    assert (await browser.get("/api/me")).status_code == 200  # reads need no CSRF token

    no_csrf = await browser.patch("/api/me", json={"bio": "hi"})
    assert no_csrf.status_code == 403
    assert "CSRF" in no_csrf.json()["detail"]
    wrong = await browser.patch("/api/me", json={"bio": "hi"}, headers={"X-CSRF-Token": csrf[:-2] + "xx"})
    assert wrong.status_code == 403
    ok = await browser.patch("/api/me", json={"bio": "hi"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert ok.json()["bio"] == "hi"

    # Refresh by cookie also needs the CSRF header; the token stays the same for the session.
    assert (await browser.post("/api/auth/refresh")).status_code == 403
    refreshed = await browser.post("/api/auth/refresh", headers={"X-CSRF-Token": csrf})
    assert refreshed.status_code == 200
    assert refreshed.json()["csrfToken"] == csrf

    out = await browser.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200
    assert all("max-age=0" in h.lower() for h in out.headers.get_list("set-cookie"))
    gone = await browser.get("/api/me")
    assert gone.status_code == 401


async def test_a_header_token_needs_no_csrf_even_with_cookies_present(browser: Client, make_user: MakeUser) -> None:
    await make_user("ada@example.com")
    await browser.post("/api/auth/session", json={"email": "ada@example.com", "password": PASSWORD})
    tokens = await login(browser, "ada@example.com")
    resp = await browser.patch("/api/me", json={"level": "advanced"}, headers=bearer(tokens["accessToken"]))
    assert resp.status_code == 200
    assert resp.json()["level"] == "advanced"


async def test_an_expired_or_revoked_cookie_makes_guarded_routes_say_so(browser: Client, make_user: MakeUser) -> None:
    await make_user("ada@example.com")
    await browser.post("/api/auth/session", json={"email": "ada@example.com", "password": PASSWORD})
    browser.cookies.set("verdict_access", "not-a-jwt", domain="testserver.local")
    resp = await browser.get("/api/me")
    assert resp.status_code == 401
    assert "session cookie is not valid" in resp.json()["detail"]
    # Public routes still answer.
    assert (await browser.get("/health")).status_code == 200
