"""Bad input to JSON endpoints: each gets the right 4xx with a JSON body saying what was wrong, never a 500."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from api.settings import Settings
from tests.conftest import _plain_pg_url

Client = AsyncTestClient[Litestar]
MAX_BODY = 4096
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
async def shared_database_url(postgres_server_url: str, migrated_template: str) -> AsyncIterator[str]:
    """One database for the module: bad input changes nothing, and a clone per case would dominate the run time."""
    name = f"t_bad_input_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_plain_pg_url(postgres_server_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    finally:
        await admin.close()
    yield _plain_pg_url(postgres_server_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)
    admin = await asyncpg.connect(_plain_pg_url(postgres_server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
async def app(shared_database_url: str, redis_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    from api.app import create_app

    redis = Redis.from_url(redis_server_url)
    await redis.flushall()
    await redis.aclose()
    env = {
        "VERDICT_ENV": "test",
        "VERDICT_DATA_DIR": str(tmp_path_factory.mktemp("bad-input")),
        "DATABASE_URL": shared_database_url,
        "REDIS_URL": redis_server_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "JUDGE_TOKEN": "test-judge-token-" + "y" * 32,
        "LOG_LEVEL": "WARNING",
        "MAX_BODY_BYTES": str(MAX_BODY),
    }
    return create_app(Settings.from_env(env))


@pytest.fixture(scope="module")
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def _check(resp: Any, status: int, fragment: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    assert body["title"]
    if resp.status_code not in (404, 405):  # answered by the router, before any middleware runs
        assert body["request_id"] == resp.headers["x-request-id"]
    text = json.dumps(body)
    assert fragment in text, text
    assert "Traceback" not in text
    assert 'File "' not in text
    return body


@pytest.mark.parametrize(
    ("content", "headers", "status", "fragment"),
    [
        (b'{"email": "a@example.com", "password": ', JSON, 400, "JSON is malformed"),
        (b"{'email': 'a@example.com'}", JSON, 400, "JSON is malformed"),
        (b'{"email": "a@example.com", "password": "\xff\xfe"}', JSON, 400, "not valid UTF-8"),
        (b"[1, 2, 3]", JSON, 400, "Expected `object`, got `array`"),
        (b"null", JSON, 400, "Expected `object`, got `null`"),
        (b'"just a string"', JSON, 400, "Expected `object`, got `str`"),
        (b'{"email": 42, "password": "x"}', JSON, 400, "Expected `str`, got `int`"),
        (b'{"email": "a@example.com", "password": ["x"]}', JSON, 400, "Expected `str`, got `array`"),
        (b'{"email": "a@example.com"}', JSON, 400, "missing required field `password`"),
        (b"{}", JSON, 400, "missing required field `email`"),
        (b'{"email": "a@example.com", "password": "x", "admin": true}', JSON, 400, "unknown field `admin`"),
        (b'{"email": "' + b"a" * 400 + b'@example.com", "password": "x"}', JSON, 400, "length <= 320"),
        (b"[" * 5000 + b"]" * 5000, JSON, 413, "larger than the limit of 4096 bytes"),
        (b'{"email": "a@example.com", "password": "x"}', {"content-type": "text/plain"}, 415, "got text/plain"),
        (b"email=a%40example.com&password=x", {"content-type": "application/x-www-form-urlencoded"}, 415, "JSON"),
        (b'{"email": "a@example.com", "password": "x"}', {}, 415, "Content-Type: application/json"),
        (b"", JSON, 400, "needs a JSON body"),
    ],
)
async def test_malformed_login_bodies(
    client: Client, content: bytes, headers: dict[str, str], status: int, fragment: str
) -> None:
    _check(await client.post("/api/auth/login", content=content, headers=headers), status, fragment)


async def test_validation_errors_name_the_field(client: Client) -> None:
    body = _check(
        await client.post("/api/auth/register", json={"email": "a@example.com", "password": 1, "displayName": "A"}),
        400,
        "Expected `str`, got `int`",
    )
    assert body["errors"] == [{"message": "Expected `str`, got `int`", "key": "password", "source": "body"}]


async def test_deep_nesting_and_huge_numbers_are_client_errors(client: Client) -> None:
    nested = b'{"email": "a@example.com", "password": "x", "extra": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    resp = await client.post("/api/auth/login", content=nested, headers=JSON)
    assert 400 <= resp.status_code < 500
    huge = b'{"token": "vmt_x", "newPassword": 1' + b"0" * 400 + b"}"
    _check(await client.post("/api/auth/password-reset/confirm", content=huge, headers=JSON), 400, "Expected `str`")


async def test_a_body_over_the_limit_is_refused_while_streaming(app: Litestar, client: Client) -> None:
    """No Content-Length, chunks arriving one by one: the limit holds as the body streams in (raw ASGI)."""
    chunks = [{"type": "http.request", "body": b"x" * 1000, "more_body": True} for _ in range(10)]
    chunks.append({"type": "http.request", "body": b"", "more_body": False})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/auth/login",
        "raw_path": b"/api/auth/login",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    assert start["status"] == 413
    assert b"larger than the limit of 4096 bytes" in body
    assert len(chunks) > 0  # refused before the whole body was read


async def test_unknown_routes_and_wrong_methods(client: Client) -> None:
    _check(await client.get("/api/auth/nothing-here"), 404, "nothing is at /api/auth/nothing-here")
    _check(await client.get("/api/auth/login"), 405, "GET is not allowed on /api/auth/login")
    _check(await client.delete("/api/me"), 405, "DELETE is not allowed on /api/me")
    _check(await client.put("/api/tokens", json={}), 405, "PUT is not allowed")


async def test_bad_path_and_query_parameters(client: Client) -> None:
    from tests.integration.accounts.conftest import login  # a signed-in admin reaches the parameter checks

    await _admin(client)
    headers = {"Authorization": f"Bearer {(await login(client, 'root@example.com'))['accessToken']}"}
    resp = await client.get("/api/users/not-a-uuid", headers=headers)
    assert resp.status_code in (400, 404)
    assert resp.headers["content-type"].startswith("application/problem+json")
    _check(await client.get("/api/users", params={"limit": "abc"}, headers=headers), 400, "limit")
    _check(await client.get("/api/users", params={"limit": "0"}, headers=headers), 400, "limit")
    _check(await client.get("/api/users", params={"role": "wizard"}, headers=headers), 400, "role")
    _check(await client.get("/api/users", params={"active": "maybe"}, headers=headers), 400, "active")
    _check(await client.get("/api/users", params={"q": "x" * 201}, headers=headers), 400, "q")
    _check(await client.patch("/api/users/not-a-uuid", json={}, headers=headers), 404, "nothing is at")


async def _admin(client: Client) -> None:
    from api.db import models as m
    from api.db.engine import create_engine, session_factory
    from api.domain.accounts.schemas import UserCreate
    from api.domain.accounts.services import UserService
    from tests.integration.accounts.conftest import PASSWORD

    settings = client.app.state["accounts"].settings
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            await UserService(session=session).create_from(
                UserCreate(email="root@example.com", display_name="Root", role=m.Role.ADMIN, password=PASSWORD)
            )
            await session.commit()
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("path", "payload", "fragment"),
    [
        ("/api/auth/register", {"email": "a@example.com", "password": "x" * 10, "displayName": "A" * 101}, "<= 100"),
        ("/api/auth/register", {"email": "a@example.com", "password": "p" * 2000, "displayName": "A"}, "<= 1024"),
        ("/api/auth/register", {"email": "a@x.org", "password": "ok ok ok ok", "inviteCode": "c" * 201}, "<= 200"),
        ("/api/auth/verify-email", {"token": ""}, "length >= 1"),
        ("/api/auth/password-reset", {"email": "nope"}, "@-sign"),
        ("/api/auth/password-reset/confirm", {"token": "t" * 201, "newPassword": "x"}, "<= 200"),
        ("/api/auth/refresh", {"refreshToken": 5}, "Expected `str | null`, got `int`"),
    ],
)
async def test_over_long_and_malformed_fields_on_each_public_endpoint(
    client: Client, path: str, payload: dict[str, Any], fragment: str
) -> None:
    _check(await client.post(path, json=payload), 400, fragment)
