"""Self-registration: 202 in every case, a confirmation link by mail, the account created when it is used."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.accounts.conftest import (
    INVITE_CODE,
    PASSWORD,
    Client,
    MailSink,
    MakeUser,
    html_of,
    login,
    mail_token,
    text_of,
)


async def _register(client: Client, email: str, **extra: str) -> tuple[int, dict[str, object]]:
    body = {"email": email, "password": PASSWORD, "displayName": "Grace Hopper", **extra}
    resp = await client.post("/api/auth/register", json=body)
    return resp.status_code, resp.json()


async def test_register_confirm_then_sign_in(client: Client, mailbox: MailSink, settings: Settings) -> None:
    status, body = await _register(client, "Grace@Example.COM")
    assert status == 202
    assert "check your mail" in str(body["detail"])
    # No account until the address is confirmed: the right password is told so (403), nobody else learns anything.
    refused = await client.post("/api/auth/login", json={"email": "grace@example.com", "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "email_unconfirmed"

    (message,) = await mailbox.wait_for("grace@example.com")
    assert message["Subject"] == "Confirm your e-mail address for Verdict"
    token = mail_token(message)
    assert f"https://verdict.example.org/verify-email?token={token}" in text_of(message)
    assert token in html_of(message)

    created = await client.post("/api/auth/verify-email", json={"token": token})
    assert created.status_code == 201, created.text
    profile = created.json()
    assert profile["email"] == "grace@example.com"
    assert profile["role"] == "student"
    assert profile["avatarInitials"] == "GH"

    tokens = await login(client, "GRACE@example.com")
    assert tokens["user"]["id"] == profile["id"]

    again = await client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert "used already" in again.json()["detail"]

    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            spent = (await session.scalars(select(m.AccountToken))).one()
            assert spent.used_at is not None
            assert spent.payload == {}  # the pending password hash is not kept
            assert token not in spent.token_hash
    finally:
        await engine.dispose()


async def test_registering_a_taken_address_answers_the_same_and_tells_only_the_owner(
    client: Client, mailbox: MailSink, make_user: MakeUser
) -> None:
    await make_user("taken@example.com", name="Owner Person")
    status_taken, body_taken = await _register(client, "taken@example.com")
    status_new, body_new = await _register(client, "fresh@example.com")
    assert (status_taken, body_taken["detail"]) == (status_new, body_new["detail"]) == (202, body_new["detail"])

    (notice,) = await mailbox.wait_for("taken@example.com")
    assert notice["Subject"] == "You already have a Verdict account"
    assert "Owner Person" in text_of(notice)
    assert "vmt_" not in text_of(notice)  # nothing to confirm: the existing account is untouched
    # The owner's password still works; the registrant's was not applied.
    await login(client, "taken@example.com")


async def test_two_pending_registrations_of_one_address_create_one_account(client: Client, mailbox: MailSink) -> None:
    await _register(client, "twice@example.com")
    await _register(client, "twice@example.com")
    first, second = await mailbox.wait_for("twice@example.com", count=2)
    assert (await client.post("/api/auth/verify-email", json={"token": mail_token(first)})).status_code == 201
    conflict = await client.post("/api/auth/verify-email", json={"token": mail_token(second)})
    assert conflict.status_code == 409
    assert "sign in instead" in conflict.json()["detail"]


async def test_an_invite_code_makes_an_instructor_and_a_wrong_one_is_refused(client: Client, mailbox: MailSink) -> None:
    wrong_status, wrong = await _register(client, "teach@example.com", inviteCode="guess")
    assert wrong_status == 400
    assert wrong["errors"] == [{"key": "inviteCode", "message": "not valid"}]

    status, _ = await _register(client, "teach@example.com", inviteCode=INVITE_CODE)
    assert status == 202
    (message,) = await mailbox.wait_for("teach@example.com")
    assert "instructor account" in text_of(message)
    created = await client.post("/api/auth/verify-email", json={"token": mail_token(message)})
    assert created.json()["role"] == m.Role.INSTRUCTOR.value


@pytest.mark.parametrize(
    ("email", "fragment"),
    [
        ("not-an-address", "must have an @-sign"),
        ("a@b", "should have a period"),
        ("two@@example.com", "invalid characters"),
    ],
)
async def test_a_malformed_address_says_what_is_wrong(client: Client, email: str, fragment: str) -> None:
    status, body = await _register(client, email)
    assert status == 400
    assert fragment in str(body["detail"])
    assert body["errors"][0]["key"] == "email"  # type: ignore[index]


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "at least 10 characters (this one has 5)"),
        ("Password2024!", "most common passwords"),
        ("qwertyuiop", "most common passwords"),
        ("aaaaaaaaaaaa", "most common passwords"),
        ("grace-loves-ships", "do not use your e-mail address"),
        ("x" * 300, "at most 256 characters"),
    ],
)
async def test_a_weak_password_says_what_to_fix(client: Client, password: str, fragment: str) -> None:
    status, body = await _register(client, "grace@example.com", password=password)
    assert status == 400
    assert fragment in str(body["detail"])
    assert all(error["key"] == "password" for error in body["errors"])  # type: ignore[attr-defined]


async def test_over_long_and_unknown_fields_are_refused(client: Client) -> None:
    status, body = await _register(client, "grace@example.com", displayName="G" * 101)
    assert status == 400
    assert body["errors"] == [{"message": "Expected `str` of length <= 100", "key": "displayName", "source": "body"}]
    status, body = await _register(client, "grace@example.com", role="admin")
    assert status == 400
    assert "unknown field `role`" in str(body["errors"])
    status, body = await _register(client, "grace@example.com", displayName="   ")
    assert (status, body["detail"]) == (400, "displayName must not be blank")


async def test_a_tampered_or_unknown_confirmation_token_is_a_400(client: Client) -> None:
    resp = await client.post("/api/auth/verify-email", json={"token": "vmt_" + "A" * 43})
    assert resp.status_code == 400
    assert "not valid" in resp.json()["detail"]


async def test_registration_is_rate_limited_per_ip_and_per_address(client: Client, mailbox: MailSink) -> None:
    for _ in range(3):
        assert (await _register(client, "again@example.com"))[0] == 202
    status, body = await _register(client, "again@example.com")
    assert status == 429
    assert "too many registrations for this address" in str(body["detail"])
    for index in range(6):  # 4 so far from this IP; the 10th is the last allowed
        assert (await _register(client, f"p{index}@example.com"))[0] == 202
    resp = await client.post(
        "/api/auth/register", json={"email": "last@example.com", "password": PASSWORD, "displayName": "L"}
    )
    assert resp.status_code == 429
    assert int(resp.headers["retry-after"]) > 3000  # the hour-long window is nearly untouched
