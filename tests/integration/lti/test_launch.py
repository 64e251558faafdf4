"""Launches over the real login → launch flow against the stand-in platform; real PostgreSQL, real pylti1p3."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Caller
from tests.integration.lti.lti_platform import INSTRUCTOR, LEARNER, StandInPlatform
from tests.integration.lti.support import launch

Client = AsyncTestClient[Litestar]


async def _count(settings: Settings, model: type[m.User] | type[m.Course] | type[m.LtiUserLink]) -> int:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await engine.dispose()


async def test_instructor_launch_creates_the_course_and_signs_in(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    resp, _token, _state = await launch(client, registered, sub="teacher-1", roles=(INSTRUCTOR,))
    assert resp.status_code == 303, resp.text
    course_path = resp.headers["location"]
    assert course_path.startswith("/courses/")
    me = await client.get("/api/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "teacher-1@lms.example.org"
    course_id = course_path.removeprefix("/courses/")
    members = await client.get(f"/api/courses/{course_id}/members")
    assert members.status_code == 200, members.text
    assert [(p["email"], p["role"]) for p in members.json()] == [("teacher-1@lms.example.org", "instructor")]


async def test_learner_launch_joins_and_second_launch_links_the_same_user(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    first, _t, _s = await launch(client, registered, sub="teacher-1", roles=(INSTRUCTOR,))
    assert first.status_code == 303
    course_path = first.headers["location"]
    client.cookies.clear()
    learner, _t, _s = await launch(client, registered, sub="student-7", roles=(LEARNER,))
    assert learner.status_code == 303, learner.text
    assert learner.headers["location"] == course_path
    users_before = await _count(settings, m.User)
    client.cookies.clear()
    again, _t, _s = await launch(client, registered, sub="student-7", roles=(LEARNER,))
    assert again.status_code == 303
    assert await _count(settings, m.User) == users_before  # linked by (iss, sub), not created twice
    me = (await client.get("/api/me")).json()
    assert me["email"] == "student-7@lms.example.org"
    assert me["role"] == "student"


async def test_learner_in_an_unknown_context_gets_a_clear_page_and_nothing_is_created(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    users, courses = await _count(settings, m.User), await _count(settings, m.Course)
    resp, _t, _s = await launch(client, registered, sub="early-bird", roles=(LEARNER,), context_id="never-seen")
    assert resp.status_code == 403
    assert "not set up in Verdict yet" in resp.text
    assert (await _count(settings, m.User), await _count(settings, m.Course)) == (users, courses)


async def test_resource_link_with_custom_assessment_opens_the_assessment(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    first, _t, _s = await launch(client, registered, sub="teacher-1", roles=(INSTRUCTOR,), resource_link_id="setup")
    course_id = first.headers["location"].removeprefix("/courses/")
    created = await client.post(
        f"/api/courses/{course_id}/assessments",
        json={"title": "Quiz 1", "kind": "quiz"},
        headers={"x-csrf-token": client.cookies.get("verdict_csrf") or ""},
    )
    assert created.status_code == 201, created.text
    assessment_id = created.json()["assessment"]["id"]
    client.cookies.clear()
    resp, _t, _s = await launch(
        client,
        registered,
        sub="teacher-1",
        roles=(INSTRUCTOR,),
        resource_link_id="quiz-1-link",
        custom={"verdict_assessment_id": assessment_id},
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == f"/courses/{course_id}/assessments/{assessment_id}"
    client.cookies.clear()
    # the link remembers its assessment: a later launch without the custom parameter opens it too
    student, _t, _s = await launch(client, registered, sub="s-2", roles=(LEARNER,), resource_link_id="quiz-1-link")
    assert student.headers["location"] == f"/courses/{course_id}/assessments/{assessment_id}"


async def test_tool_jwks_keeps_the_retired_key_after_rotation(
    client: Client, registered: StandInPlatform, admin: Caller
) -> None:
    before = (await client.get("/lti/jwks")).json()["keys"]
    assert len(before) == 1
    rotated = await client.post("/api/admin/lti/keys/rotate", headers=admin.headers)
    assert rotated.status_code == 201, rotated.text
    after = {key["kid"] for key in (await client.get("/lti/jwks")).json()["keys"]}
    assert after == {before[0]["kid"], rotated.json()["kid"]}


async def test_admin_registration_api(client: Client, admin: Caller, platform: StandInPlatform) -> None:
    created = await client.post("/api/admin/lti/platforms", json=platform.registration(), headers=admin.headers)
    assert created.status_code == 201, created.text
    twice = await client.post("/api/admin/lti/platforms", json=platform.registration(), headers=admin.headers)
    assert twice.status_code == 409
    pid = created.json()["id"]
    disabled = await client.patch(f"/api/admin/lti/platforms/{pid}", json={"enabled": False}, headers=admin.headers)
    assert disabled.status_code == 200
    assert disabled.json()["enabled"] is False
    listed = await client.get("/api/admin/lti/platforms", headers=admin.headers)
    assert [p["id"] for p in listed.json()] == [pid]
    urls = (await client.get("/api/admin/lti/urls", headers=admin.headers)).json()
    assert urls["jwksUrl"] == "https://verdict.example.org/lti/jwks"
    missing = await client.patch(
        f"/api/admin/lti/platforms/{uuid.uuid4()}", json={"enabled": True}, headers=admin.headers
    )
    assert missing.status_code == 404


async def test_admin_page_shows_urls_platforms_and_keys(
    client: Client, registered: StandInPlatform, admin: Caller
) -> None:
    page = await client.get("/admin/lti", headers=admin.headers)
    assert page.status_code == 200, page.text
    assert "https://verdict.example.org/lti/login" in page.text
    assert registered.client_id in page.text
    assert registered.tool_jwks["keys"][0]["kid"] in page.text
