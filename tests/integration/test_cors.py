"""CORS: off by default (no headers, preflights refused), on for the listed origins only, with credentials only
when CORS_ALLOW_CREDENTIALS says so; real preflight (OPTIONS) and credentialed requests through the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.db.seed import seed
from api.settings import Settings, SettingsError

Client = AsyncTestClient[Litestar]
ALLOWED = "https://lms.example.edu"
OTHER = "https://evil.example.com"


def _preflight(origin: str, method: str = "POST", headers: str = "authorization,content-type") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


@pytest.fixture
async def cors_client(settings_env: dict[str, str]) -> AsyncIterator[Client]:
    env = {**settings_env, "CORS_ALLOWED_ORIGINS": f"{ALLOWED}, https://tutor.example.org:8443"}
    async with AsyncTestClient(app=create_app(Settings.from_env(env))) as client:
        yield client


@pytest.fixture
async def credentialed_client(settings_env: dict[str, str]) -> AsyncIterator[Client]:
    env = {**settings_env, "CORS_ALLOWED_ORIGINS": ALLOWED, "CORS_ALLOW_CREDENTIALS": "true"}
    settings = Settings.from_env(env)
    await seed(settings, demo=True)
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def test_off_by_default_no_origin_gets_cors_headers(client: Client) -> None:
    resp = await client.get("/health", headers={"Origin": ALLOWED})
    assert resp.status_code == 200
    assert "access-control-allow-origin" not in resp.headers
    preflight = await client.options("/api/auth/login", headers=_preflight(ALLOWED))
    assert "access-control-allow-origin" not in preflight.headers


async def test_a_listed_origin_passes_the_preflight(cors_client: Client) -> None:
    resp = await cors_client.options("/api/problems", headers=_preflight(ALLOWED, "PUT"))
    assert resp.status_code in (200, 204)
    assert resp.headers["access-control-allow-origin"] == ALLOWED
    assert "PUT" in resp.headers["access-control-allow-methods"]
    allowed_headers = resp.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert resp.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in resp.headers
    with_port = await cors_client.options("/api/problems", headers=_preflight("https://tutor.example.org:8443"))
    assert with_port.headers["access-control-allow-origin"] == "https://tutor.example.org:8443"


async def test_a_listed_origin_reads_the_answer_and_its_exposed_headers(cors_client: Client) -> None:
    resp = await cors_client.get("/health", headers={"Origin": ALLOWED})
    assert resp.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in resp.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "origin", [OTHER, "http://lms.example.edu", "https://lms.example.edu:444", "https://lms.example.edu.evil.com"]
)
async def test_a_refused_origin_gets_no_cors_headers(cors_client: Client, origin: str) -> None:
    preflight = await cors_client.options("/api/auth/login", headers=_preflight(origin))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    simple = await cors_client.get("/health", headers={"Origin": origin})
    assert "access-control-allow-origin" not in simple.headers  # the browser refuses to hand it to the page


async def test_a_header_outside_the_list_is_refused(cors_client: Client) -> None:
    resp = await cors_client.options("/api/problems", headers=_preflight(ALLOWED, "POST", "x-something-else"))
    assert resp.status_code == 400


async def test_credentials_only_when_configured_and_writes_still_need_csrf(credentialed_client: Client) -> None:
    preflight = await credentialed_client.options("/api/me", headers=_preflight(ALLOWED, "PATCH", "content-type"))
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert preflight.headers["access-control-allow-credentials"] == "true"
    refused = await credentialed_client.options("/api/me", headers=_preflight(OTHER, "PATCH", "content-type"))
    assert "access-control-allow-credentials" not in refused.headers
    signed_in = await credentialed_client.post(
        "/api/auth/session", json={"email": "student@example.com", "password": "verdict-demo"}
    )
    assert signed_in.status_code == 200
    me = await credentialed_client.get("/api/me", headers={"Origin": ALLOWED})  # the cookie goes along
    assert me.status_code == 200
    assert me.headers["access-control-allow-credentials"] == "true"
    # A write with the cookie but without the CSRF header (which only Verdict's own pages can read) is refused.
    write = await credentialed_client.patch("/api/me", json={"bio": "x"}, headers={"Origin": ALLOWED})
    assert write.status_code == 403
    assert "csrf" in write.text.lower()


@pytest.mark.parametrize(
    "value",
    ["*", "lms.example.edu", "https://lms.example.edu/path", "ftp://lms.example.edu", "https://", "https://a.b:99999"],
)
def test_origins_that_are_not_origins_are_refused_at_start_up(value: str) -> None:
    with pytest.raises(SettingsError, match="CORS_ALLOWED_ORIGINS"):
        Settings.from_env({"CORS_ALLOWED_ORIGINS": value})


def test_origins_are_normalised() -> None:
    settings = Settings.from_env({"CORS_ALLOWED_ORIGINS": "https://LMS.example.edu/, https://lms.example.edu"})
    assert settings.cors_allowed_origins == ("https://lms.example.edu",)
    assert Settings.from_env({}).cors_allowed_origins == ()
