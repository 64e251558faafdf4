"""Profiles (own view and edit), instructors viewing students, admins managing accounts."""

from __future__ import annotations

from api.db import models as m
from tests.integration.accounts.conftest import PASSWORD, Client, MailSink, MakeUser, bearer, login, signed_in


async def test_view_and_edit_own_profile(client: Client, make_user: MakeUser) -> None:
    headers = await signed_in(client, make_user, "ada@example.com")
    resp = await client.patch(
        "/api/me",
        json={"displayName": "  Ada   King ", "bio": "Analytical engines.", "level": "advanced"},
        headers=headers,
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["displayName"] == "Ada King"
    assert body["avatarInitials"] == "AK"  # follows the name while it was derived from it
    assert body["level"] == "advanced"
    resp = await client.patch("/api/me", json={"avatarInitials": "xy"}, headers=headers)
    assert resp.json()["avatarInitials"] == "XY"
    got = (await client.get("/api/me", headers=headers)).json()
    assert got["bio"] == "Analytical engines."
    assert got["role"] == "student"


async def test_profile_edits_are_validated(client: Client, make_user: MakeUser) -> None:
    headers = await signed_in(client, make_user, "ada@example.com")
    for body, key in (
        ({"level": "wizard"}, "level"),
        ({"bio": "x" * 2001}, "bio"),
        ({"avatarInitials": "ABCD"}, "avatarInitials"),
        ({"displayName": ""}, "displayName"),
        ({"role": "admin"}, "data"),  # not a profile field: nobody promotes themselves
    ):
        resp = await client.patch("/api/me", json=body, headers=headers)
        assert resp.status_code == 400, body
        assert resp.json()["errors"][0]["key"] == key


async def test_students_may_not_list_or_view_other_accounts(client: Client, make_user: MakeUser) -> None:
    other = await make_user("bob@example.com")
    headers = await signed_in(client, make_user, "ada@example.com")
    assert (await client.get("/api/users", headers=headers)).status_code == 403
    assert (await client.get(f"/api/users/{other.id}", headers=headers)).status_code == 403


async def test_instructors_see_the_students_of_their_courses_only(client: Client, make_user: MakeUser) -> None:
    student = await make_user("sam@example.com", name="Sam Student")
    elsewhere = await make_user("eve@example.com", name="Eve Elsewhere")  # a student of no course of hers
    admin = await make_user("root@example.com", role=m.Role.ADMIN, name="Ada Admin")
    headers = await signed_in(client, make_user, "ines@example.com", role=m.Role.INSTRUCTOR)
    course = await client.post("/api/courses", json={"title": "Intro", "code": "INTRO-1"}, headers=headers)
    assert course.status_code == 201, course.text
    added = await client.post(
        f"/api/courses/{course.json()['id']}/members", json={"email": student.email, "role": "student"}, headers=headers
    )
    assert added.status_code == 201, added.text
    listing = (await client.get("/api/users", headers=headers)).json()
    assert [u["email"] for u in listing["items"]] == ["sam@example.com"]
    assert listing["total"] == 1
    assert (await client.get(f"/api/users/{student.id}", headers=headers)).json()["displayName"] == "Sam Student"
    assert (await client.get(f"/api/users/{elsewhere.id}", headers=headers)).status_code == 403
    assert (await client.get(f"/api/users/{admin.id}", headers=headers)).status_code == 403
    assert (await client.get("/api/users?role=admin", headers=headers)).status_code == 403
    change = await client.patch(f"/api/users/{student.id}", json={"role": "admin"}, headers=headers)
    assert change.status_code == 403


async def test_admins_list_search_and_page(client: Client, make_user: MakeUser) -> None:
    for index in range(3):
        await make_user(f"student{index}@example.com", name=f"Student {index}")
    await make_user("ines@example.com", role=m.Role.INSTRUCTOR, name="Ines Instructor")
    headers = await signed_in(client, make_user, "root@example.com", role=m.Role.ADMIN)
    everyone = (await client.get("/api/users", headers=headers)).json()
    assert everyone["total"] == 5
    found = (await client.get("/api/users", params={"q": "INES"}, headers=headers)).json()
    assert [u["email"] for u in found["items"]] == ["ines@example.com"]
    students = (await client.get("/api/users", params={"role": "student", "limit": 2}, headers=headers)).json()
    assert (students["total"], len(students["items"]), students["limit"]) == (3, 2, 2)
    wildcard = (await client.get("/api/users", params={"q": "%"}, headers=headers)).json()
    assert wildcard["total"] == 0  # LIKE wildcards in the query are matched literally
    bad = await client.get("/api/users", params={"limit": 1000}, headers=headers)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["key"] == "limit"


async def test_admin_changes_roles_and_deactivates(client: Client, make_user: MakeUser) -> None:
    student = await make_user("sam@example.com")
    headers = await signed_in(client, make_user, "root@example.com", role=m.Role.ADMIN)
    sam = await login(client, "sam@example.com")

    promoted = await client.patch(f"/api/users/{student.id}", json={"role": "instructor"}, headers=headers)
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "instructor"

    off = await client.patch(f"/api/users/{student.id}", json={"isActive": False}, headers=headers)
    assert off.json()["isActive"] is False
    resp = await client.get("/api/me", headers=bearer(sam["accessToken"]))
    assert resp.status_code in (401, 403)  # signed out everywhere, and deactivated
    assert (await client.post("/api/auth/refresh", json={"refreshToken": sam["refreshToken"]})).status_code == 401
    login_resp = await client.post("/api/auth/login", json={"email": "sam@example.com", "password": PASSWORD})
    assert login_resp.status_code == 403

    on = await client.patch(f"/api/users/{student.id}", json={"isActive": True}, headers=headers)
    assert on.json()["isActive"] is True
    await login(client, "sam@example.com")


async def test_an_admin_cannot_lock_themselves_out(client: Client, make_user: MakeUser) -> None:
    admin = await make_user("root@example.com", role=m.Role.ADMIN)
    headers = bearer((await login(client, "root@example.com"))["accessToken"])
    for body in ({"role": "student"}, {"isActive": False}):
        resp = await client.patch(f"/api/users/{admin.id}", json=body, headers=headers)
        assert resp.status_code == 403
        assert "your own admin role" in resp.json()["detail"]


async def test_admin_creates_an_instructor_who_gets_a_mail_to_choose_a_password(
    client: Client, make_user: MakeUser, mailbox: MailSink
) -> None:
    headers = await signed_in(client, make_user, "root@example.com", role=m.Role.ADMIN)
    resp = await client.post(
        "/api/users", json={"email": "Ines@Example.com", "displayName": "Ines I", "role": "instructor"}, headers=headers
    )
    assert resp.status_code == 201
    assert resp.json()["role"] == "instructor"
    (message,) = await mailbox.wait_for("ines@example.com")
    assert message["Subject"] == "Your Verdict account"
    from tests.integration.accounts.conftest import mail_token

    chosen = await client.post(
        "/api/auth/password-reset/confirm", json={"token": mail_token(message), "newPassword": "teaching is fun!"}
    )
    assert chosen.status_code == 200
    await login(client, "ines@example.com", "teaching is fun!")

    duplicate = await client.post(
        "/api/users", json={"email": "ines@example.com", "displayName": "Again"}, headers=headers
    )
    assert duplicate.status_code == 409  # admins see every account anyway
    with_password = await client.post(
        "/api/users",
        json={"email": "sam@example.com", "displayName": "Sam", "password": "a fine password"},
        headers=headers,
    )
    assert with_password.status_code == 201
    await login(client, "sam@example.com", "a fine password")


async def test_unknown_user_ids_are_404s(client: Client, make_user: MakeUser) -> None:
    headers = await signed_in(client, make_user, "root@example.com", role=m.Role.ADMIN)
    resp = await client.get("/api/users/00000000-0000-0000-0000-000000000000", headers=headers)
    assert resp.status_code == 404
    resp = await client.get("/api/users/not-a-uuid", headers=headers)
    assert resp.status_code in (400, 404)
