"""The profile page's API tokens: listed with name, scopes, last use and expiry; never the secret or its hash."""

from __future__ import annotations

import pytest

from tests.integration.web.helpers import HTML, Client, sign_in


@pytest.mark.usefixtures("seeded")
async def test_the_profile_lists_tokens_without_their_secret_and_offers_only_allowed_scopes(client: Client) -> None:
    csrf = await sign_in(client, "student@example.com")
    headers = {"X-CSRF-Token": csrf}
    empty = await client.get("/profile", headers=HTML)
    assert "You have no API tokens." in empty.text
    assert 'value="problems:write"' not in empty.text  # a student may not create problem-writing tokens
    assert 'value="submissions:write"' in empty.text
    made = await client.post(
        "/api/tokens", json={"name": "CI laptop", "scopes": ["read"], "expiresInDays": 30}, headers=headers
    )
    assert made.status_code == 201, made.text
    secret = made.json()["token"]
    forever = await client.post("/api/tokens", json={"name": "Forever", "scopes": ["read", "judge0"]}, headers=headers)
    assert forever.status_code == 201, forever.text

    used = await client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert used.status_code == 200
    page = (await client.get("/profile", headers=HTML)).text
    assert "CI laptop" in page
    assert "Forever" in page
    assert secret not in page  # shown once, in the create answer only
    assert made.json()["tokenPrefix"] + "…" in page
    assert "Read (problems, your submissions), Judge0-compatible API" in page
    ci_row = page.split(f'data-token-id="{made.json()["id"]}"')[1].split("</tr>")[0]
    assert made.json()["expiresAt"][:10] in ci_row
    assert "Never" not in ci_row
    forever_row = page.split(f'data-token-id="{forever.json()["id"]}"')[1].split("</tr>")[0]
    assert forever_row.count("Never") == 2  # never used, never expires

    revoked = await client.delete(f"/api/tokens/{made.json()['id']}", headers=headers)
    assert revoked.status_code == 204
    after = (await client.get("/profile", headers=HTML)).text
    assert "CI laptop" not in after
    assert "Forever" in after


@pytest.mark.usefixtures("seeded")
async def test_an_instructor_may_pick_every_scope(client: Client) -> None:
    await sign_in(client, "instructor@example.com")
    page = (await client.get("/profile", headers=HTML)).text
    for scope in ("read", "problems:write", "submissions:write", "judge0"):
        assert f'value="{scope}"' in page
