"""Course-scoped staff on the platform-wide routes (#11): a platform instructor sees the students and submissions
of the courses they teach and nothing else, through the old routes too (``/api/submissions`` list and detail, a
problem's submissions through ``?problem=``, rejudge, the live socket, ``/api/users``, the submission and user
pages); the course's own staff and admins see them."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
from litestar.exceptions import WebSocketDisconnect

from api.db import models as m
from api.settings import Settings
from tests.integration.courses.conftest import Caller, Cast, Client, build_cast, sign_in
from tests.integration.problems.support import app_client, make_people, push

HTML = {"Accept": "text/html"}


@dataclass(frozen=True)
class Scene:
    client: Client
    cast: Cast
    stranger: Caller  # a platform instructor who teaches another course
    slug: str
    submission_id: str


@pytest.fixture
async def scene(settings_env: dict[str, str]) -> object:
    async with app_client(settings_env) as (client, settings):
        yield await _scene(client, settings)


async def _scene(client: Client, settings: Settings) -> Scene:
    people = await make_people(settings)
    slug = f"addup{uuid.uuid4().hex[:4]}"
    assert (await push(client, people.instructor, slug, "addup")).status_code == 201
    await client.patch(f"/api/problems/{slug}", json={"visibility": "published"}, headers=people.instructor.headers)
    cast = await build_cast(client, settings)
    attached = await client.post(
        f"/api/courses/{cast.course_id}/problems", json={"slug": slug}, headers=cast.instructor.headers
    )
    assert attached.status_code == 201, attached.text
    stranger = await sign_in(client, settings, "stranger", m.Role.INSTRUCTOR)
    own = await client.post(
        "/api/courses", json={"title": "Other", "code": f"O-{uuid.uuid4().hex[:6]}"}, headers=stranger.headers
    )
    assert own.status_code == 201
    # the stranger's course has the same library problem: sharing a problem is not sharing a student
    await client.post(f"/api/courses/{own.json()['id']}/problems", json={"slug": slug}, headers=stranger.headers)
    sent = await client.post(
        "/api/submissions",
        json={"problemSlug": slug, "language": "python3", "source": "print(1)\n"},
        headers=cast.student.headers,
    )
    assert sent.status_code == 201, sent.text
    return Scene(client, cast, stranger, slug, sent.json()["id"])


async def test_the_submission_api_shows_an_instructor_only_their_courses(scene: Scene) -> None:
    client, cast, sid = scene.client, scene.cast, scene.submission_id
    for query in ("", f"?userId={cast.student.user_id}", f"?problem={scene.slug}"):
        listed = await client.get(f"/api/submissions{query}", headers=scene.stranger.headers)
        assert listed.status_code == 200, query
        assert sid not in [s["id"] for s in listed.json()["items"]], query
        assert listed.json()["total"] == 0, query
        for caller in (cast.instructor, cast.admin):
            seen = await client.get(f"/api/submissions{query}", headers=caller.headers)
            assert sid in [s["id"] for s in seen.json()["items"]], (caller.name, query)
    assert (await client.get(f"/api/submissions/{sid}", headers=scene.stranger.headers)).status_code == 404
    rejudge = await client.post(f"/api/submissions/{sid}/rejudge", headers=scene.stranger.headers)
    assert rejudge.status_code == 404
    for caller in (cast.instructor, cast.ta, cast.admin, cast.student):
        assert (await client.get(f"/api/submissions/{sid}", headers=caller.headers)).status_code == 200, caller.name


async def test_the_live_socket_refuses_an_instructor_of_another_course(scene: Scene) -> None:
    session = await scene.client.websocket_connect(
        f"/ws/submissions/{scene.submission_id}", headers=scene.stranger.headers
    )

    async def connect_and_read() -> None:
        ws = await asyncio.to_thread(session.__enter__)
        await asyncio.to_thread(ws.receive, True, 10)

    with pytest.raises(WebSocketDisconnect) as closed:
        await connect_and_read()
    assert closed.value.code == 4404


async def test_the_user_api_shows_an_instructor_only_the_people_of_their_courses(scene: Scene) -> None:
    client, cast = scene.client, scene.cast
    listed = await client.get("/api/users", headers=scene.stranger.headers)
    assert listed.status_code == 200
    assert str(cast.student.user_id) not in [u["id"] for u in listed.json()["items"]]
    assert listed.json()["total"] == 0
    mine = await client.get("/api/users", headers=cast.instructor.headers)
    assert str(cast.student.user_id) in [u["id"] for u in mine.json()["items"]]
    assert str(scene.stranger.user_id) not in [u["id"] for u in mine.json()["items"]]
    assert (await client.get(f"/api/users/{cast.student.user_id}", headers=scene.stranger.headers)).status_code == 403
    for caller in (cast.instructor, cast.admin):
        seen = await client.get(f"/api/users/{cast.student.user_id}", headers=caller.headers)
        assert seen.status_code == 200, caller.name
    # the outsider (a student of no shared course) is nobody's business either
    assert (await client.get(f"/api/users/{cast.outsider.user_id}", headers=cast.instructor.headers)).status_code == 403


async def test_the_pages_show_an_instructor_only_their_courses(scene: Scene) -> None:
    client, cast, sid = scene.client, scene.cast, scene.submission_id
    page = await client.get(f"/submissions/{sid}", headers={**HTML, **scene.stranger.headers})
    assert page.status_code == 404
    person = await client.get(f"/submissions?user={cast.student.user_id}", headers={**HTML, **scene.stranger.headers})
    assert person.status_code == 403
    for caller in (cast.instructor, cast.admin):
        assert (await client.get(f"/submissions/{sid}", headers={**HTML, **caller.headers})).status_code == 200
        listed = await client.get(f"/submissions?user={cast.student.user_id}", headers={**HTML, **caller.headers})
        assert listed.status_code == 200
        assert sid in listed.text
