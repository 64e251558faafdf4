"""Signing in before the address is confirmed: the right password hears "confirm first" and may have the link sent
again; a wrong password, or an address with no registration, hears exactly what any failed sign-in hears."""

from __future__ import annotations

from tests.integration.accounts.conftest import PASSWORD, Client, MailSink, MakeUser, login, mail_token

EMAIL = "grace@example.com"


async def _register(client: Client, email: str = EMAIL) -> None:
    body = {"email": email, "password": PASSWORD, "displayName": "Grace Hopper"}
    assert (await client.post("/api/auth/register", json=body)).status_code == 202


async def test_right_password_before_confirming_says_so_and_resends_the_link(client: Client, mailbox: MailSink) -> None:
    await _register(client)
    await mailbox.wait_for(EMAIL)

    for path in ("/api/auth/login", "/api/auth/session"):
        refused = await client.post(path, json={"email": EMAIL, "password": PASSWORD})
        assert refused.status_code == 403, refused.text
        body = refused.json()
        assert "confirm your e-mail address" in body["detail"]
        assert body["errors"] == [{"code": "email_unconfirmed", "message": "the e-mail address is not confirmed yet"}]

    resent = await client.post("/api/auth/verify-email/resend", json={"email": EMAIL, "password": PASSWORD})
    assert resent.status_code == 202
    first, second = await mailbox.wait_for(EMAIL, count=2)
    assert second["Subject"] == "Confirm your e-mail address for Verdict"
    assert mail_token(first) != mail_token(second)
    assert (await client.post("/api/auth/verify-email", json={"token": mail_token(second)})).status_code == 201
    tokens = await login(client, EMAIL)
    assert tokens["user"]["email"] == EMAIL


async def test_a_wrong_password_or_no_registration_reveals_nothing(
    client: Client, mailbox: MailSink, make_user: MakeUser
) -> None:
    await _register(client)
    await mailbox.wait_for(EMAIL)
    await make_user("ada@example.com")
    wrong = await client.post("/api/auth/login", json={"email": EMAIL, "password": "not the password at all"})
    nobody = await client.post("/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["detail"] == nobody.json()["detail"] == "wrong e-mail address or password"
    assert "errors" not in wrong.json()

    answers = [
        await client.post("/api/auth/verify-email/resend", json={"email": EMAIL, "password": "not the password"}),
        await client.post("/api/auth/verify-email/resend", json={"email": "nobody@example.com", "password": PASSWORD}),
        await client.post("/api/auth/verify-email/resend", json={"email": "ada@example.com", "password": PASSWORD}),
    ]
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    assert len(mailbox.to(EMAIL)) == 1  # only the registration's own mail
    assert mailbox.to("nobody@example.com") == mailbox.to("ada@example.com") == []
