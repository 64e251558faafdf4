"""The pages over HTTP: who sees what, the redirect to sign in, and the security headers of every HTML answer."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.db import models as m
from api.settings import Settings

Client = AsyncTestClient[Litestar]
HTML = {"Accept": "text/html"}


async def sign_in(client: Client, email: str) -> dict[str, Any]:
    resp = await client.post("/api/auth/session", json={"email": email, "password": "verdict-demo"})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/forgot-password", "/reset-password", "/verify-email"])
async def test_public_pages_render_with_a_strict_policy(client: Client, path: str) -> None:
    resp = await client.get(path, headers=HTML)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    policy = resp.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in resp.text  # scripts come from files (src=...) or are JSON data blocks


@pytest.mark.parametrize("path", ["/problems", "/problems/aplusb", "/submissions", "/profile", "/problems/new"])
async def test_signed_out_visitors_are_redirected_to_sign_in(client: Client, path: str) -> None:
    resp = await client.get(path, headers=HTML, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=" + path.replace("/", "%2F")


@pytest.mark.usefixtures("seeded")
async def test_a_student_sees_problems_but_not_the_instructor_pages(client: Client) -> None:
    await sign_in(client, "student@example.com")
    listing = await client.get("/problems?q=plus", headers=HTML)
    assert listing.status_code == 200
    assert "/problems/aplusb" in listing.text
    problem = await client.get("/problems/aplusb", headers=HTML)
    assert problem.status_code == 200
    assert 'id="problem-data"' in problem.text
    assert '<span class="math-inline">' in problem.text  # KaTeX typesets it in the browser
    assert (await client.get("/problems/new", headers=HTML)).status_code == 403
    assert (await client.get("/problems/aplusb/edit", headers=HTML)).status_code == 403
    assert (await client.get("/problems/no-such-problem", headers=HTML)).status_code == 404
    empty = await client.get("/submissions", headers=HTML)
    assert "No submissions yet" in empty.text
    filtered = await client.get("/problems?q=zzzz-nothing", headers=HTML)
    assert "No problem matches" in filtered.text


@pytest.mark.usefixtures("seeded")
async def test_drafts_are_hidden_from_students_and_shown_to_instructors(client: Client, settings: Settings) -> None:
    from api.db.engine import create_engine, session_factory

    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        session.add(m.Problem(slug="secret-draft", title="Secret draft", visibility=m.ProblemVisibility.DRAFT))
        await session.commit()
    await engine.dispose()
    await sign_in(client, "student@example.com")
    assert "Secret draft" not in (await client.get("/problems", headers=HTML)).text
    assert (await client.get("/problems/secret-draft", headers=HTML)).status_code == 404
    client.cookies.clear()
    await sign_in(client, "instructor@example.com")
    assert "Secret draft" in (await client.get("/problems", headers=HTML)).text
    edit = await client.get("/problems/secret-draft/edit", headers=HTML)
    assert edit.status_code == 200
    assert 'data-endpoint="/api/problems/secret-draft"' in edit.text


@pytest.mark.usefixtures("seeded")
async def test_a_signed_in_visitor_skips_the_sign_in_page(client: Client) -> None:
    await sign_in(client, "student@example.com")
    resp = await client.get("/login?next=/submissions", headers=HTML, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/submissions"
    resp = await client.get("/login?next=https://evil.example/", headers=HTML, follow_redirects=False)
    assert resp.headers["location"] == "/problems"
