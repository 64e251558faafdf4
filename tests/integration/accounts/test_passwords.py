"""Password change (needs the current one, ends other sessions) and reset by mail (1 h, single use, ends all)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.accounts.conftest import PASSWORD, Client, MailSink, MakeUser, bearer, login, mail_token, text_of

NEW_PASSWORD = "purple monkey dishwasher"


async def test_change_password_needs_the_current_one_and_ends_other_sessions(
    client: Client, make_user: MakeUser
) -> None:
    await make_user("ada@example.com")
    current = await login(client, "ada@example.com")
    other = await login(client, "ada@example.com")
    headers = bearer(current["accessToken"])

    wrong = await client.post(
        "/api/auth/password", json={"currentPassword": "nope nope nope", "newPassword": NEW_PASSWORD}, headers=headers
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"] == [{"key": "currentPassword", "message": "this is not your current password"}]
    assert "currentPassword" not in wrong.json()["detail"]  # words, not the field's internal name
    weak = await client.post(
        "/api/auth/password", json={"currentPassword": PASSWORD, "newPassword": "123456789012"}, headers=headers
    )
    assert weak.status_code == 400
    assert "most common passwords" in weak.json()["detail"]
    same = await client.post(
        "/api/auth/password", json={"currentPassword": PASSWORD, "newPassword": PASSWORD}, headers=headers
    )
    assert same.status_code == 400

    ok = await client.post(
        "/api/auth/password", json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, headers=headers
    )
    assert ok.status_code == 200
    assert ok.json()["detail"] == "Password changed; signed out of 1 other session."
    assert (await client.get("/api/me", headers=headers)).status_code == 200  # this session stays
    assert (await client.get("/api/me", headers=bearer(other["accessToken"]))).status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refreshToken": other["refreshToken"]})).status_code == 401
    old = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert old.status_code == 401
    await login(client, "ada@example.com", NEW_PASSWORD)


async def test_reset_by_mail_sets_a_new_password_once_and_ends_every_session(
    client: Client, make_user: MakeUser, mailbox: MailSink
) -> None:
    await make_user("ada@example.com", name="Ada Lovelace")
    session = await login(client, "ada@example.com")

    known = await client.post("/api/auth/password-reset", json={"email": "ADA@example.com"})
    unknown = await client.post("/api/auth/password-reset", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()

    (message,) = await mailbox.wait_for("ada@example.com")
    assert message["Subject"] == "Reset your Verdict password"
    assert message["From"] == "Verdict <no-reply@verdict.example.org>"
    assert message.get_content_type() == "multipart/alternative"
    text = text_of(message)
    assert "Hello Ada Lovelace" in text
    assert "expires in 60 minutes" in text
    token = mail_token(message)
    assert f"https://verdict.example.org/reset-password?token={token}" in text
    assert mailbox.to("nobody@example.com") == []

    weak = await client.post("/api/auth/password-reset/confirm", json={"token": token, "newPassword": "short"})
    assert weak.status_code == 400
    assert "at least 10 characters" in weak.json()["detail"]
    # A refused password leaves the token usable.
    done = await client.post("/api/auth/password-reset/confirm", json={"token": token, "newPassword": NEW_PASSWORD})
    assert done.status_code == 200, done.text
    assert (await client.get("/api/me", headers=bearer(session["accessToken"]))).status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refreshToken": session["refreshToken"]})).status_code == 401
    await login(client, "ada@example.com", NEW_PASSWORD)

    reused = await client.post("/api/auth/password-reset/confirm", json={"token": token, "newPassword": "another one!"})
    assert reused.status_code == 400
    assert "used already" in reused.json()["detail"]


async def test_a_reset_ends_the_other_reset_links(client: Client, make_user: MakeUser, mailbox: MailSink) -> None:
    await make_user("ada@example.com")
    await client.post("/api/auth/password-reset", json={"email": "ada@example.com"})
    await client.post("/api/auth/password-reset", json={"email": "ada@example.com"})
    first, second = await mailbox.wait_for("ada@example.com", count=2)
    ok = await client.post(
        "/api/auth/password-reset/confirm", json={"token": mail_token(second), "newPassword": NEW_PASSWORD}
    )
    assert ok.status_code == 200
    stale = await client.post(
        "/api/auth/password-reset/confirm", json={"token": mail_token(first), "newPassword": "yet another pass"}
    )
    assert stale.status_code == 400


async def test_an_expired_reset_token_is_refused(
    client: Client, make_user: MakeUser, mailbox: MailSink, settings: Settings
) -> None:
    await make_user("ada@example.com")
    await client.post("/api/auth/password-reset", json={"email": "ada@example.com"})
    (message,) = await mailbox.wait_for("ada@example.com")
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            await session.execute(update(m.AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
            await session.commit()
    finally:
        await engine.dispose()
    resp = await client.post(
        "/api/auth/password-reset/confirm", json={"token": mail_token(message), "newPassword": NEW_PASSWORD}
    )
    assert resp.status_code == 400
    assert "expired" in resp.json()["detail"]


async def test_reset_requests_are_rate_limited_per_address(client: Client, make_user: MakeUser) -> None:
    for _ in range(3):
        assert (await client.post("/api/auth/password-reset", json={"email": "x@example.com"})).status_code == 202
    resp = await client.post("/api/auth/password-reset", json={"email": "x@example.com"})
    assert resp.status_code == 429
    assert "retry-after" in resp.headers
    assert (await client.post("/api/auth/password-reset", json={"email": "y@example.com"})).status_code == 202


async def test_password_change_message_reads_naturally_for_no_and_many_other_sessions(
    client: Client, make_user: MakeUser
) -> None:
    await make_user("ada@example.com")
    alone = await login(client, "ada@example.com")
    first = await client.post(
        "/api/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
        headers=bearer(alone["accessToken"]),
    )
    assert first.json()["detail"] == "Password changed."  # not "signed out of 0 other sessions"
    current = await login(client, "ada@example.com", NEW_PASSWORD)
    await login(client, "ada@example.com", NEW_PASSWORD)
    await login(client, "ada@example.com", NEW_PASSWORD)
    second = await client.post(
        "/api/auth/password",
        json={"currentPassword": NEW_PASSWORD, "newPassword": PASSWORD},
        headers=bearer(current["accessToken"]),
    )
    assert second.json()["detail"] == "Password changed; signed out of 3 other sessions."
