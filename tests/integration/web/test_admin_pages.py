"""The admin pages over HTTP: admins only, the menu that leads there, and the users search with its filters."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.helpers import HTML, Client, sign_in

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/fleet")


@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_signed_out_visitors_are_sent_to_sign_in(client: Client, path: str) -> None:
    resp = await client.get(path, headers=HTML, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("/login?next=")


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("email", ["student@example.com", "instructor@example.com"])
async def test_only_admins_open_the_admin_pages_or_see_the_menu(client: Client, email: str) -> None:
    await sign_in(client, email)
    assert 'href="/admin"' not in (await client.get("/problems", headers=HTML)).text
    for path in ADMIN_PAGES:
        assert (await client.get(path, headers=HTML)).status_code == 403, path


@pytest.mark.usefixtures("seeded")
async def test_admins_search_users_by_text_role_and_status(client: Client) -> None:
    csrf = await sign_in(client, "admin@example.com")
    menu = (await client.get("/problems", headers=HTML)).text
    assert 'href="/admin"' in menu
    index = (await client.get("/admin", headers=HTML)).text
    for link in ('href="/admin/users"', 'href="/admin/fleet"', 'href="/admin/feedback"'):
        assert link in index
    everyone = (await client.get("/admin/users", headers=HTML)).text
    assert "student@example.com" in everyone
    assert "instructor@example.com" in everyone
    students = (await client.get("/admin/users?role=student", headers=HTML)).text
    assert "student@example.com" in students
    assert "instructor@example.com" not in students
    found = (await client.get("/admin/users?q=INES", headers=HTML)).text
    assert "instructor@example.com" in found
    assert "1 account found." in found
    assert "No account matches “zz-nobody”." in (await client.get("/admin/users?q=zz-nobody", headers=HTML)).text
    assert 'aria-label="Deactivate Ada Admin"' not in everyone  # never oneself

    row = re.search(r'<tr data-user-id="([^"]+)"', students)  # the bell carries the admin's own id
    assert row is not None, "the student list has a row"
    student_id = row.group(1)
    profile = await client.get(f"/api/users/{student_id}")
    off = await client.patch(f"/api/users/{student_id}", json={"isActive": False}, headers={"X-CSRF-Token": csrf})
    assert off.status_code == 200, off.text
    inactive = (await client.get("/admin/users?status=inactive", headers=HTML)).text
    assert profile.json()["email"] in inactive
    assert "Reactivate" in inactive
    assert "1 account found." in inactive


@pytest.mark.usefixtures("seeded")
async def test_the_fleet_page_says_when_no_worker_is_alive(client: Client) -> None:
    await sign_in(client, "admin@example.com")
    page = (await client.get("/admin/fleet", headers=HTML)).text
    assert "No judge worker has a live heartbeat" in page
    assert "no judge is running" in page
