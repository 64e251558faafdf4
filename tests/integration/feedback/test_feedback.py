"""Feedback: anyone signed in sends it (cleaned, rate-limited, the page as a local path), only admins list and
triage it, and what was sent is shown as inert text on the admins' page."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.db.seed import seed
from api.settings import Settings

Client = AsyncTestClient[Litestar]
HTML = {"Accept": "text/html"}


@pytest.fixture
async def seeded(settings: Settings) -> None:
    await seed(settings, demo=True)


async def sign_in(client: Client, email: str) -> dict[str, str]:
    """Sign in with the browser's cookies; returns the CSRF header every write needs."""
    client.cookies.clear()
    resp = await client.post("/api/auth/session", json={"email": email, "password": "verdict-demo"})
    assert resp.status_code == 200, resp.text
    return {"X-CSRF-Token": resp.json()["csrfToken"]}


async def send(client: Client, csrf: dict[str, str], **body: Any) -> Any:
    return await client.post("/api/feedback", json={"message": "The editor lost my code.", **body}, headers=csrf)


@pytest.mark.usefixtures("seeded")
async def test_a_student_sends_feedback_and_an_admin_triages_it(client: Client) -> None:
    csrf = await sign_in(client, "student@example.com")
    resp = await send(client, csrf, pageUrl="/problems/aplusb?tab=run", category="bug", contact="sam@example.com")
    assert resp.status_code == 201, resp.text
    sent = resp.json()
    assert sent["status"] == "new"
    assert sent["pageUrl"] == "/problems/aplusb?tab=run"
    assert sent["user"]["email"] == "student@example.com"

    assert (await client.get("/api/feedback")).status_code == 403
    assert (await client.patch(f"/api/feedback/{sent['id']}", json={"status": "done"}, headers=csrf)).status_code == 403
    assert (await client.get("/admin/feedback", headers=HTML)).status_code == 403

    csrf = await sign_in(client, "admin@example.com")
    listing = (await client.get("/api/feedback")).json()
    assert listing["total"] == 1
    assert [item["message"] for item in listing["items"]] == ["The editor lost my code."]
    seen = await client.patch(f"/api/feedback/{sent['id']}", json={"status": "seen"}, headers=csrf)
    assert seen.status_code == 200
    assert seen.json()["status"] == "seen"
    assert (await client.get("/api/feedback", params={"status": "new"})).json()["total"] == 0
    assert (await client.get("/api/feedback", params={"status": "seen"})).json()["total"] == 1
    page = await client.get("/admin/feedback?status=seen", headers=HTML)
    assert page.status_code == 200
    assert "The editor lost my code." in page.text
    bad = await client.patch(f"/api/feedback/{sent['id']}", json={"status": "archived"}, headers=csrf)
    assert bad.status_code == 400


async def test_signed_out_visitors_cannot_send_or_read(client: Client) -> None:
    assert (await client.post("/api/feedback", json={"message": "hello there"})).status_code == 401
    assert (await client.get("/api/feedback")).status_code == 401
    page = await client.get("/admin/feedback", headers=HTML, follow_redirects=False)
    assert page.status_code == 303


@pytest.mark.usefixtures("seeded")
async def test_the_feedback_form_is_on_every_page_for_signed_in_people_only(client: Client) -> None:
    anonymous = await client.get("/help", headers=HTML)
    assert 'id="feedback-form"' not in anonymous.text
    await sign_in(client, "student@example.com")
    for path in ("/", "/problems", "/help/students/account", "/profile"):
        page = await client.get(path, headers=HTML)
        assert 'id="feedback-form"' in page.text, path
    page = await client.get("/problems?q=plus", headers=HTML)
    assert 'name="pageUrl" value="/problems?q=plus"' in page.text


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"message": "  \n "}, "message"),
        ({"message": "ok"}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"pageUrl": "https://evil.example.com/"}, "pageUrl"),
        ({"pageUrl": "//evil.example.com/"}, "pageUrl"),
        ({"pageUrl": "javascript:alert(1)"}, "pageUrl"),
        ({"pageUrl": "/a\nb"}, "pageUrl"),
        ({"category": "spam"}, None),
        ({"unknown": 1}, None),
    ],
)
async def test_bad_feedback_is_refused_with_a_reason(client: Client, body: dict[str, Any], key: str | None) -> None:
    csrf = await sign_in(client, "student@example.com")
    resp = await client.post("/api/feedback", json={"message": "A fine message.", **body}, headers=csrf)
    assert resp.status_code == 400, resp.text
    if key is not None:
        assert key in resp.text


@pytest.mark.usefixtures("seeded")
async def test_script_in_feedback_stays_inert_on_the_admins_page(client: Client) -> None:
    csrf = await sign_in(client, "student@example.com")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> \u202etxt.exe\x07 done'
    resp = await send(client, csrf, message=hostile, contact='"><svg onload=alert(1)>')
    assert resp.status_code == 201
    assert "\x07" not in resp.json()["message"]  # control characters are dropped
    await sign_in(client, "admin@example.com")
    page = await client.get("/admin/feedback", headers=HTML)
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text
    assert "<svg onload" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "U+202E" in page.text  # the direction override is shown, not obeyed


@pytest.mark.usefixtures("seeded")
async def test_feedback_floods_are_rate_limited_per_person(client: Client) -> None:
    csrf = await sign_in(client, "student@example.com")
    for n in range(5):
        assert (await send(client, csrf, message=f"Message number {n}.")).status_code == 201
    flood = await send(client, csrf)
    assert flood.status_code == 429
    assert int(flood.headers["retry-after"]) > 0
    other = await sign_in(client, "instructor@example.com")
    assert (await send(client, other)).status_code == 201  # someone else is not held back


@pytest.mark.usefixtures("seeded")
async def test_an_api_token_cannot_send_feedback(client: Client) -> None:
    login = await client.post("/api/auth/login", json={"email": "student@example.com", "password": "verdict-demo"})
    access = login.json()["accessToken"]
    created = await client.post(
        "/api/tokens", json={"name": "t", "scopes": ["read"]}, headers={"Authorization": f"Bearer {access}"}
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    resp = await client.post(
        "/api/feedback", json={"message": "From a script."}, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 403
