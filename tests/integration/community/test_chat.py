"""Chat: rooms, live messages, paging, edit/delete, moderation (delete, mute, lock, reports), exam closure, and bad
input (inert HTML, floods, oversized messages, outsiders)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.community.support import Caller, Cast, Client, connect, subscribe, until


async def _general(client: Client, cast: Cast, who: Caller) -> dict[str, Any]:
    rooms = await client.get(f"/api/courses/{cast.course_id}/chat/rooms", headers=who.headers)
    assert rooms.status_code == 200, rooms.text
    room: dict[str, Any] = next(r for r in rooms.json() if r["kind"] == "course")
    return room


def _messages(cast: Cast, room: dict[str, Any]) -> str:
    return f"/api/courses/{cast.course_id}/chat/rooms/{room['id']}/messages"


async def test_students_chat_live_with_inert_html_and_unread_counts(
    client: Client, cast: Cast, classmate: Caller
) -> None:
    room = await _general(client, cast, cast.student)
    ws = await connect(client, classmate.headers)
    try:
        assert (await subscribe(ws, room["channel"]))["type"] == "subscribed"
        body = "Hi! `code` <script>alert('x')</script><img src=x onerror=alert(1)>\n\n```python\nprint(1)\n```"
        sent = await client.post(_messages(cast, room), json={"body": body}, headers=cast.student.headers)
        assert sent.status_code == 201, sent.text
        event = await until(ws, lambda msg: msg.get("event") == "message")
        html = event["data"]["html"]
        assert "<script" not in html
        assert "<img" not in html  # shown as text (escaped), not as an element
        assert "<code>code</code>" in html
        assert 'class="language-python"' in html
        assert event["data"]["author"]["id"] == str(cast.student.user_id)
    finally:
        await asyncio.to_thread(ws.close)
    mine = await _general(client, cast, classmate)
    assert mine["unread"] == 1
    read = await client.post(f"/api/courses/{cast.course_id}/chat/rooms/{room['id']}/read", headers=classmate.headers)
    assert read.status_code == 204
    assert (await _general(client, cast, classmate))["unread"] == 0


async def test_paging_edit_and_delete_own(client: Client, cast: Cast, classmate: Caller) -> None:
    room = await _general(client, cast, cast.student)
    ids = []
    for n in range(7):
        resp = await client.post(_messages(cast, room), json={"body": f"message {n}"}, headers=cast.student.headers)
        ids.append(resp.json()["id"])
    page = (await client.get(_messages(cast, room) + "?limit=3", headers=classmate.headers)).json()
    assert [i["body"] for i in page["items"]] == ["message 4", "message 5", "message 6"]
    assert page["hasMore"] is True
    older = (await client.get(_messages(cast, room) + f"?limit=5&before={ids[4]}", headers=classmate.headers)).json()
    assert [i["body"] for i in older["items"]] == [f"message {n}" for n in range(4)]
    assert older["hasMore"] is False
    base = f"/api/courses/{cast.course_id}/chat/messages/{ids[0]}"
    assert (await client.patch(base, json={"body": "not yours"}, headers=classmate.headers)).status_code == 403
    assert (await client.delete(base, headers=classmate.headers)).status_code == 403
    edited = await client.patch(base, json={"body": "fixed"}, headers=cast.student.headers)
    assert edited.status_code == 200
    assert edited.json()["editedAt"] is not None
    assert (await client.delete(base, headers=cast.student.headers)).status_code == 204
    first = (await client.get(_messages(cast, room) + "?limit=100", headers=classmate.headers)).json()["items"][0]
    assert first["deleted"] is True
    assert first["body"] == ""


async def test_bad_input_is_refused_clearly(client: Client, cast: Cast) -> None:
    room = await _general(client, cast, cast.student)
    too_long = await client.post(_messages(cast, room), json={"body": "x" * 4001}, headers=cast.student.headers)
    assert too_long.status_code == 413
    assert "at most 4000" in too_long.json()["detail"]
    empty = await client.post(_messages(cast, room), json={"body": "  "}, headers=cast.student.headers)
    assert empty.status_code == 400
    outsider = await client.post(_messages(cast, room), json={"body": "hi"}, headers=cast.outsider.headers)
    assert outsider.status_code == 403
    reading = await client.get(_messages(cast, room), headers=cast.outsider.headers)
    assert reading.status_code == 403
    statuses = []
    for n in range(14):
        resp = await client.post(_messages(cast, room), json={"body": f"flood {n}"}, headers=cast.student.headers)
        statuses.append(resp.status_code)
    assert statuses.count(201) == 10  # 12 posts per 20 s, and the two refused above counted
    assert statuses[-1] == 429
    assert "slow down" in resp.json()["detail"]
    assert "Retry-After" in resp.headers


async def test_direct_rooms_are_private_to_their_two_people(client: Client, cast: Cast, classmate: Caller) -> None:
    opened = await client.post(
        f"/api/courses/{cast.course_id}/chat/direct",
        json={"userId": str(classmate.user_id)},
        headers=cast.student.headers,
    )
    assert opened.status_code == 200, opened.text
    room = opened.json()
    assert room["kind"] == "direct"
    assert {p["id"] for p in room["people"]} == {str(cast.student.user_id), str(classmate.user_id)}
    assert (
        await client.post(_messages(cast, room), json={"body": "psst"}, headers=classmate.headers)
    ).status_code == 201
    assert (await client.get(_messages(cast, room), headers=cast.ta.headers)).status_code == 404
    outside = await client.post(
        f"/api/courses/{cast.course_id}/chat/direct",
        json={"userId": str(cast.outsider.user_id)},
        headers=cast.student.headers,
    )
    assert outside.status_code == 400


async def test_moderation_delete_mute_lock_and_reports(client: Client, cast: Cast, classmate: Caller) -> None:
    room = await _general(client, cast, cast.student)
    rude = (await client.post(_messages(cast, room), json={"body": "rude"}, headers=cast.student.headers)).json()
    report = await client.post(
        f"/api/courses/{cast.course_id}/chat/messages/{rude['id']}/report",
        json={"reason": "not nice"},
        headers=classmate.headers,
    )
    assert report.status_code == 204
    reports = (await client.get(f"/api/courses/{cast.course_id}/chat/reports", headers=cast.ta.headers)).json()
    assert [r["message"]["id"] for r in reports] == [rude["id"]]
    assert reports[0]["reason"] == "not nice"
    deleted = await client.delete(f"/api/courses/{cast.course_id}/chat/messages/{rude['id']}", headers=cast.ta.headers)
    assert deleted.status_code == 204
    muted = await client.post(
        f"/api/courses/{cast.course_id}/chat/mutes",
        json={"userId": str(cast.student.user_id), "minutes": 10, "reason": "cool down"},
        headers=cast.ta.headers,
    )
    assert muted.status_code == 204
    refused = await client.post(_messages(cast, room), json={"body": "again"}, headers=cast.student.headers)
    assert refused.status_code == 403
    assert "muted" in refused.json()["detail"]
    unmuted = await client.delete(
        f"/api/courses/{cast.course_id}/chat/mutes/{cast.student.user_id}", headers=cast.ta.headers
    )
    assert unmuted.status_code == 204
    assert (
        await client.post(_messages(cast, room), json={"body": "sorry"}, headers=cast.student.headers)
    ).status_code == 201
    locked = await client.patch(
        f"/api/courses/{cast.course_id}/chat/rooms/{room['id']}", json={"locked": True}, headers=cast.ta.headers
    )
    assert locked.json()["locked"] is True
    closed = await client.post(_messages(cast, room), json={"body": "hello?"}, headers=classmate.headers)
    assert closed.status_code == 403
    assert "locked" in closed.json()["detail"]
    assert (
        await client.post(_messages(cast, room), json={"body": "staff note"}, headers=cast.ta.headers)
    ).status_code == 201
    assert (
        await client.patch(
            f"/api/courses/{cast.course_id}/chat/rooms/{room['id']}",
            json={"locked": False},
            headers=cast.student.headers,
        )
    ).status_code == 403


async def test_chat_is_closed_during_a_timed_exam_unless_the_room_allows_it(
    client: Client, cast: Cast, settings: Settings
) -> None:
    room = await _general(client, cast, cast.student)
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            exam = m.Assessment(
                course_id=cast.course_id, kind="exam", title="Midterm", published=True, time_limit_minutes=60
            )
            session.add(exam)
            await session.flush()
            session.add(
                m.AssessmentAttempt(
                    assessment_id=exam.id,
                    user_id=cast.student.user_id,
                    started_at=utcnow(),
                    deadline=utcnow() + timedelta(minutes=60),
                )
            )
            await session.commit()
    finally:
        await engine.dispose()
    closed = await client.post(_messages(cast, room), json={"body": "answer to 3?"}, headers=cast.student.headers)
    assert closed.status_code == 403
    assert "exam" in closed.json()["detail"]
    assert (
        await client.post(_messages(cast, room), json={"body": "good luck"}, headers=cast.ta.headers)
    ).status_code == 201
    opened = await client.patch(
        f"/api/courses/{cast.course_id}/chat/rooms/{room['id']}",
        json={"openDuringExams": True},
        headers=cast.instructor.headers,
    )
    assert opened.status_code == 200
    allowed = await client.post(_messages(cast, room), json={"body": "may I ask?"}, headers=cast.student.headers)
    assert allowed.status_code == 201


async def test_a_mention_notifies(client: Client, cast: Cast, classmate: Caller) -> None:
    room = await _general(client, cast, cast.student)
    handle = await _general(client, cast, classmate)  # the room is the same; find the classmate's handle
    people = await client.get(f"/api/courses/{cast.course_id}/chat/rooms", headers=classmate.headers)
    assert people.status_code == 200
    assert handle["id"] == room["id"]
    await client.post(_messages(cast, room), json={"body": "hey @Classmate look"}, headers=cast.student.headers)
    notes = (await client.get("/api/notifications", headers=classmate.headers)).json()["items"]
    assert [n["kind"] for n in notes] == ["mention"]
    assert (await client.get("/api/notifications", headers=cast.ta.headers)).json()["total"] == 0


async def test_a_group_room_is_for_its_group_and_the_staff(
    client: Client, cast: Cast, classmate: Caller, settings: Settings
) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            group = m.CourseGroup(course_id=cast.course_id, name="Lab A")
            session.add(group)
            await session.flush()
            membership = await session.scalar(
                select(m.CourseMembership).where(
                    m.CourseMembership.course_id == cast.course_id, m.CourseMembership.user_id == cast.student.user_id
                )
            )
            assert membership is not None
            membership.group_id = group.id
            await session.commit()
            group_id = group.id
    finally:
        await engine.dispose()
    refused = await client.post(
        f"/api/courses/{cast.course_id}/chat/rooms", json={"name": "Lab A"}, headers=cast.student.headers
    )
    assert refused.status_code == 403
    created = await client.post(
        f"/api/courses/{cast.course_id}/chat/rooms",
        json={"name": "Lab A", "kind": "group", "groupId": str(group_id)},
        headers=cast.ta.headers,
    )
    assert created.status_code == 201, created.text
    room = created.json()
    in_group = await client.post(_messages(cast, room), json={"body": "lab time"}, headers=cast.student.headers)
    assert in_group.status_code == 201
    assert (await client.get(_messages(cast, room), headers=classmate.headers)).status_code == 404
    names = {
        r["name"]
        for r in (await client.get(f"/api/courses/{cast.course_id}/chat/rooms", headers=classmate.headers)).json()
    }
    assert "Lab A" not in names
    assert (await client.get(_messages(cast, room), headers=cast.instructor.headers)).status_code == 200
