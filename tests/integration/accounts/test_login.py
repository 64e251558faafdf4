"""Sign-in for API clients: JWT + refresh token, wrong passwords, disabled accounts, bad tokens, slow-down."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID

import jwt
import pytest

from api.db import models as m
from api.domain.accounts.tokens import TokenCodec
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.accounts.conftest import PASSWORD, Client, MakeUser, bearer, login


async def test_login_returns_a_short_lived_jwt_and_a_refresh_token(client: Client, make_user: MakeUser) -> None:
    user = await make_user("ada@example.com", name="Ada Lovelace")
    body = await login(client, "ada@example.com")
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == 900
    assert body["refreshToken"].startswith("vrt_")
    assert body["user"]["id"] == str(user.id)
    assert body["user"]["lastLoginAt"] is not None
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["sub"] == str(user.id)
    assert claims["exp"] - claims["iat"] == 900
    assert {"jti", "sid", "iss", "aud"} <= set(claims)

    me = await client.get("/api/me", headers=bearer(body["accessToken"]))
    assert me.status_code == 200
    assert me.json()["displayName"] == "Ada Lovelace"


async def test_wrong_password_and_unknown_address_get_the_same_answer(client: Client, make_user: MakeUser) -> None:
    await make_user("ada@example.com")
    wrong = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": "not the password"})
    unknown = await client.post("/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "wrong e-mail address or password"
    assert wrong.headers["www-authenticate"].startswith("Bearer")


async def test_a_disabled_account_cannot_sign_in_or_use_its_tokens(
    client: Client, make_user: MakeUser, set_active: Callable[[UUID, bool], Awaitable[None]]
) -> None:
    user = await make_user("ada@example.com")
    tokens = await login(client, "ada@example.com")
    await set_active(user.id, False)
    resp = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert resp.status_code == 403
    assert "deactivated" in resp.json()["detail"]
    # Only the holder of the right password learns that; a wrong one is the usual 401.
    wrong = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": "not the password"})
    assert wrong.status_code == 401
    assert (await client.get("/api/me", headers=bearer(tokens["accessToken"]))).status_code == 403
    refreshed = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 403


async def test_repeated_failures_slow_down_that_account_only(client: Client, make_user: MakeUser) -> None:
    await make_user("ada@example.com")
    await make_user("bob@example.com")
    for _ in range(3):
        resp = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": "wrong wrong"})
        assert resp.status_code == 401
    slowed = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert slowed.status_code == 429
    assert slowed.headers["retry-after"] == "1"
    assert "too many failed sign-ins for this account" in slowed.json()["detail"]
    await login(client, "bob@example.com")  # another account is not affected
    # Unknown addresses are slowed down the same way, so the 429 reveals nothing.
    for _ in range(3):
        await client.post("/api/auth/login", json={"email": "ghost@example.com", "password": "wrong wrong"})
    ghost = await client.post("/api/auth/login", json={"email": "ghost@example.com", "password": "wrong wrong"})
    assert ghost.status_code == 429


async def test_the_slow_down_grows_with_each_failure(client: Client, make_user: MakeUser, redis_url: str) -> None:
    from redis.asyncio import Redis

    from api.lib.ratelimit import key_digest

    await make_user("ada@example.com")
    redis = Redis.from_url(redis_url)
    try:
        await redis.hset(f"backoff:login:{key_digest('ada@example.com')}", mapping={"n": 7, "at": 0})
        resp = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        assert resp.status_code == 200  # the last failure is long past: 16 s wait is over
        await redis.hset(
            f"backoff:login:{key_digest('ada@example.com')}",
            mapping={"n": 7, "at": int(utcnow().timestamp() * 1000)},
        )
        resp = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
        assert resp.status_code == 429
        assert 14 <= int(resp.headers["retry-after"]) <= 16  # 2 ** (7 - 3) seconds
    finally:
        await redis.aclose()


async def test_login_is_rate_limited_per_ip(client: Client, redis_url: str) -> None:
    from redis.asyncio import Redis

    for index in range(3):
        resp = await client.post("/api/auth/login", json={"email": f"u{index}@example.com", "password": "x"})
        assert resp.status_code == 401
    # The other 27 attempts of the 5-minute window, as other replicas would have recorded them.
    redis = Redis.from_url(redis_url)
    try:
        key = "rl:login-ip:testclient"
        assert await redis.zcard(key) == 3
        now_ms = int(utcnow().timestamp() * 1000)
        await redis.zadd(key, {f"{now_ms}-other{index}": now_ms for index in range(27)})
    finally:
        await redis.aclose()
    resp = await client.post("/api/auth/login", json={"email": "u99@example.com", "password": "x"})
    assert resp.status_code == 429
    assert "too many sign-in attempts" in resp.json()["detail"]
    assert 1 <= int(resp.headers["retry-after"]) <= 300


def _forged(settings: Settings, user_id: UUID, **changes: object) -> str:
    now = utcnow()
    payload = {
        "iss": "verdict",
        "aud": "verdict:access",
        "sub": str(user_id),
        "sid": str(uuid.uuid4()),
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    payload.update(changes)
    key = TokenCodec(settings.secret_key, access_ttl_s=900)._jwt_key
    return jwt.encode(payload, key, algorithm="HS256")


async def test_expired_and_tampered_tokens_are_401s_that_say_why(
    client: Client, make_user: MakeUser, settings: Settings
) -> None:
    user = await make_user("ada@example.com")
    good = (await login(client, "ada@example.com"))["accessToken"]
    expired = _forged(settings, user.id, iat=0, exp=int((utcnow() - timedelta(minutes=1)).timestamp()))
    resp = await client.get("/api/me", headers=bearer(expired))
    assert resp.status_code == 401
    assert "expired" in resp.json()["detail"]
    assert "/api/auth/refresh" in resp.json()["detail"]

    header, payload, signature = good.split(".")
    tampered_sig = f"{header}.{payload}.{signature[:-4]}AAAA"
    other_payload = _forged(settings, uuid.uuid4()).split(".")[1]
    swapped = f"{header}.{other_payload}.{signature}"
    none_alg = jwt.encode({"sub": str(user.id)}, key="", algorithm="none")
    wrong_key = jwt.encode({"sub": str(user.id), "exp": 9999999999}, "x" * 32, algorithm="HS256")
    for token in (tampered_sig, swapped, none_alg, wrong_key, "garbage", "a.b.c"):
        resp = await client.get("/api/me", headers=bearer(token))
        assert resp.status_code == 401, token
        assert "not valid" in resp.json()["detail"]

    ghost = _forged(settings, uuid.uuid4())  # correctly signed, but no such account
    assert (await client.get("/api/me", headers=bearer(ghost))).status_code == 401


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "sign in first"),
        ({"Authorization": "Basic YWRhOnB3"}, "Authorization: Bearer"),
        ({"Authorization": "Bearer"}, "Authorization: Bearer"),
        ({"X-Auth-Token": "not-a-token"}, "X-Auth-Token takes a personal access token"),
    ],
)
async def test_missing_or_malformed_credentials(client: Client, headers: dict[str, str], fragment: str) -> None:
    resp = await client.get("/api/me", headers=headers)
    assert resp.status_code == 401
    assert fragment in resp.json()["detail"]


async def test_malformed_login_bodies_are_400s(client: Client) -> None:
    resp = await client.post("/api/auth/login", json={"email": "ada@example.com"})
    assert resp.status_code == 400
    assert "password" in resp.text
    resp = await client.post("/api/auth/login", json={"email": "no-at-sign", "password": "x"})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["key"] == "email"


async def test_roles_are_in_the_profile(client: Client, make_user: MakeUser) -> None:
    await make_user("boss@example.com", role=m.Role.ADMIN)
    assert (await login(client, "boss@example.com"))["user"]["role"] == "admin"
