"""Issue 22's first items over HTTP: the signed-out menu, suggestions from the profile's Experience (students only),
and validation that reports every field at once with a slug's rule in words."""

from __future__ import annotations

import pytest

from api.domain.problems.schemas import SLUG_RULE
from tests.integration.web.helpers import HTML, Client, sign_in


def main_menu(page: str) -> str:
    return page.split('<nav class="site-nav"')[1].split("</nav>", maxsplit=1)[0]


@pytest.mark.usefixtures("seeded")
async def test_signed_out_the_menu_offers_only_what_opens_without_an_account(client: Client) -> None:
    home = (await client.get("/", headers=HTML)).text
    menu = main_menu(home)
    assert 'href="/help"' in menu
    for private in ('href="/problems"', 'href="/submissions"', 'href="/problems/new"', 'href="/admin'):
        assert private not in menu
    assert 'href="/login"' in home
    assert 'href="/register"' in home


@pytest.mark.usefixtures("seeded")
async def test_experience_picks_the_suggested_problems_and_staff_see_no_student_fields(client: Client) -> None:
    csrf = await sign_in(client, "student@example.com")
    home = (await client.get("/", headers=HTML)).text
    assert "Suggested for you" in home
    assert 'href="/problems/aplusb"' in home  # easy, for a beginner
    assert 'href="/problems/sum-of-n"' not in home
    changed = await client.patch("/api/me", json={"level": "intermediate"}, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200, changed.text
    home = (await client.get("/", headers=HTML)).text
    suggested = home.split('id="suggested-title"')[1].split("</section>")[0]
    assert 'href="/problems/sum-of-n"' in suggested  # medium, for an intermediate
    assert 'href="/problems/aplusb"' not in suggested
    assert 'name="level"' in (await client.get("/profile", headers=HTML)).text

    client.cookies.clear()
    await sign_in(client, "instructor@example.com")
    assert "Suggested for you" not in (await client.get("/", headers=HTML)).text
    assert 'name="level"' not in (await client.get("/profile", headers=HTML)).text


@pytest.mark.usefixtures("seeded")
async def test_every_field_error_comes_at_once_and_a_bad_slug_says_its_rule(client: Client) -> None:
    csrf = await sign_in(client, "instructor@example.com")
    resp = await client.post(
        "/api/problems", json={"slug": "Two Sum!", "title": "Two sum"}, headers={"X-CSRF-Token": csrf}
    )
    assert resp.status_code == 400, resp.text
    errors = resp.json()["errors"]
    slug = [e for e in errors if e.get("key") == "slug"]
    assert slug, errors
    assert slug[0]["message"] == SLUG_RULE  # the rule in words, not the regular expression
    assert "[a-z0-9]" not in resp.text
