"""Personal access tokens: shown once, stored hashed, scoped, usable as Bearer or X-Auth-Token, revocable."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar, get, post
from sqlalchemy import select, update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.accounts.guards import requires_scope
from api.lib.crypto import hash_token
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.accounts.conftest import Client, MakeUser, signed_in


async def _create(client: Client, headers: dict[str, str], *scopes: str, **extra: object) -> dict[str, object]:
    resp = await client.post("/api/tokens", json={"name": "CI", "scopes": list(scopes), **extra}, headers=headers)
    assert resp.status_code == 201, resp.text
    body: dict[str, object] = resp.json()
    return body


async def test_a_token_is_shown_once_stored_hashed_and_listed_with_its_last_use(
    client: Client, make_user: MakeUser, settings: Settings
) -> None:
    headers = await signed_in(client, make_user, "ada@example.com")
    created = await _create(client, headers, "read", "submissions:write", expiresInDays=30)
    raw = str(created["token"])
    assert raw.startswith("vdt_")
    assert raw.startswith(str(created["tokenPrefix"]))
    assert created["scopes"] == ["read", "submissions:write"]

    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            stored = (await session.scalars(select(m.ApiToken))).one()
            assert stored.token_hash == hash_token(raw)
            assert raw not in (stored.token_hash, stored.token_prefix)
    finally:
        await engine.dispose()

    listed = (await client.get("/api/tokens", headers=headers)).json()
    assert len(listed) == 1
    assert "token" not in listed[0]
    assert listed[0]["lastUsedAt"] is None
    for token_headers in ({"Authorization": f"Bearer {raw}"}, {"X-Auth-Token": raw}):
        me = await client.get("/api/me", headers=token_headers)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == "ada@example.com"
    assert (await client.get("/api/tokens", headers=headers)).json()[0]["lastUsedAt"] is not None


async def test_tokens_reach_only_what_their_scopes_allow(app: Litestar, client: Client, make_user: MakeUser) -> None:
    @post("/api/test-only/problems", guards=[requires_scope(m.ApiScope.PROBLEMS_WRITE)], status_code=200)
    async def write_problem() -> dict[str, str]:
        return {"ok": "yes"}

    @get("/api/test-only/judge0", guards=[requires_scope(m.ApiScope.JUDGE0)])
    async def judge0() -> dict[str, str]:
        return {"ok": "yes"}

    app.register(write_problem)
    app.register(judge0)

    student = await signed_in(client, make_user, "sam@example.com")
    teacher = await signed_in(client, make_user, "ines@example.com", role=m.Role.INSTRUCTOR)
    judge_only = str((await _create(client, student, "judge0"))["token"])
    writer = str((await _create(client, teacher, "problems:write"))["token"])

    # A token without the 'read' scope cannot read, and no token may write outside a scoped route.
    no_read = await client.get("/api/me", headers={"X-Auth-Token": judge_only})
    assert no_read.status_code == 403
    assert "read" in no_read.json()["detail"]
    patch = await client.patch("/api/me", json={"bio": "x"}, headers={"X-Auth-Token": writer})
    assert patch.status_code == 403
    assert (await client.get("/api/test-only/judge0", headers={"X-Auth-Token": judge_only})).status_code == 200
    lacking = await client.get("/api/test-only/judge0", headers={"X-Auth-Token": writer})
    assert lacking.status_code == 403
    assert "lacks the 'judge0' scope" in lacking.json()["detail"]
    ok = await client.post("/api/test-only/problems", headers={"Authorization": f"Bearer {writer}"})
    assert ok.status_code == 200

    # Sessions pass when the role allows the scope.
    assert (await client.post("/api/test-only/problems", headers=teacher)).status_code == 200
    denied = await client.post("/api/test-only/problems", headers=student)
    assert denied.status_code == 403
    assert "a student may not use 'problems:write'" in denied.json()["detail"]
    assert (await client.get("/api/test-only/judge0", headers=student)).status_code == 200
    assert (await client.get("/api/test-only/judge0")).status_code == 401


async def test_students_cannot_mint_problem_tokens_and_tokens_cannot_mint_tokens(
    client: Client, make_user: MakeUser
) -> None:
    student = await signed_in(client, make_user, "sam@example.com")
    resp = await client.post("/api/tokens", json={"name": "x", "scopes": ["problems:write"]}, headers=student)
    assert resp.status_code == 403
    assert resp.json()["errors"] == [{"key": "scopes", "message": "not allowed: problems:write"}]
    token = str((await _create(client, student, "read"))["token"])
    minted = await client.post("/api/tokens", json={"name": "x", "scopes": ["read"]}, headers={"X-Auth-Token": token})
    assert minted.status_code == 403
    bad_scope = await client.post("/api/tokens", json={"name": "x", "scopes": ["root"]}, headers=student)
    assert bad_scope.status_code == 400
    no_scope = await client.post("/api/tokens", json={"name": "x", "scopes": []}, headers=student)
    assert no_scope.status_code == 400
    too_long = await client.post(
        "/api/tokens", json={"name": "x", "scopes": ["read"], "expiresInDays": 100000}, headers=student
    )
    assert too_long.status_code == 400


async def test_revoked_and_expired_tokens_stop_working(client: Client, make_user: MakeUser, settings: Settings) -> None:
    headers = await signed_in(client, make_user, "ada@example.com")
    first = await _create(client, headers, "read")
    second = await _create(client, headers, "read")
    resp = await client.delete(f"/api/tokens/{first['id']}", headers=headers)
    assert resp.status_code == 204
    revoked = await client.get("/api/me", headers={"X-Auth-Token": str(first["token"])})
    assert revoked.status_code == 401
    assert "not valid" in revoked.json()["detail"]
    assert [t["id"] for t in (await client.get("/api/tokens", headers=headers)).json()] == [second["id"]]
    again = await client.delete(f"/api/tokens/{first['id']}", headers=headers)
    assert again.status_code == 404

    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            await session.execute(update(m.ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
            await session.commit()
    finally:
        await engine.dispose()
    expired = await client.get("/api/me", headers={"X-Auth-Token": str(second["token"])})
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    forged = await client.get("/api/me", headers={"X-Auth-Token": "vdt_" + "A" * 43})
    assert forged.status_code == 401


async def test_one_cannot_revoke_someone_elses_token(client: Client, make_user: MakeUser) -> None:
    ada = await signed_in(client, make_user, "ada@example.com")
    bob = await signed_in(client, make_user, "bob@example.com")
    token = await _create(client, ada, "read")
    assert (await client.delete(f"/api/tokens/{token['id']}", headers=bob)).status_code == 404
    assert (await client.get("/api/me", headers={"X-Auth-Token": str(token["token"])})).status_code == 200


async def test_token_creation_is_rate_limited(client: Client, make_user: MakeUser) -> None:
    headers = await signed_in(client, make_user, "ada@example.com")
    for _ in range(20):
        await _create(client, headers, "read")
    resp = await client.post("/api/tokens", json={"name": "x", "scopes": ["read"]}, headers=headers)
    assert resp.status_code == 429
    assert "too many new tokens" in resp.json()["detail"]
    assert int(resp.headers["retry-after"]) > 0
