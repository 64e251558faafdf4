"""Notifications: announcements notify members; the bell's count, mark read, preferences; delivered live on the
one socket and resumed from the database after a reconnect."""

from __future__ import annotations

import asyncio

import pytest
from litestar.exceptions import WebSocketDisconnect

from tests.integration.community.support import Caller, Cast, Client, connect, subscribe, until


async def _announce(client: Client, cast: Cast, title: str, body: str = "Read chapter 3.") -> dict[str, object]:
    resp = await client.post(
        f"/api/courses/{cast.course_id}/announcements",
        json={"title": title, "body": body},
        headers=cast.instructor.headers,
    )
    assert resp.status_code == 201, resp.text
    data: dict[str, object] = resp.json()
    return data


async def test_an_announcement_notifies_members_and_not_outsiders(client: Client, cast: Cast) -> None:
    await _announce(client, cast, "Exam moved", "The exam is on **Friday**. <script>alert(1)</script>")
    page = (await client.get("/api/notifications", headers=cast.student.headers)).json()
    assert page["unread"] == 1
    assert page["total"] == 1
    note = page["items"][0]
    assert note["kind"] == "announcement"
    assert "Exam moved" in note["title"]
    assert note["link"].startswith(f"/courses/{cast.course_id}/announcements")
    assert (await client.get("/api/notifications", headers=cast.outsider.headers)).json()["total"] == 0
    assert (await client.get("/api/notifications", headers=cast.instructor.headers)).json()["total"] == 0  # author
    listed = (await client.get(f"/api/courses/{cast.course_id}/announcements", headers=cast.student.headers)).json()
    assert "<strong>Friday</strong>" in listed[0]["html"]
    assert "<script" not in listed[0]["html"]
    refused = await client.post(
        f"/api/courses/{cast.course_id}/announcements", json={"title": "x"}, headers=cast.student.headers
    )
    assert refused.status_code == 403


async def test_mark_read_and_read_all(client: Client, cast: Cast) -> None:
    for n in range(3):
        await _announce(client, cast, f"News {n}")
    count = await client.get("/api/notifications/unread-count", headers=cast.student.headers)
    assert count.json() == {"unread": 3}
    first = (await client.get("/api/notifications", headers=cast.student.headers)).json()["items"][0]
    one = await client.post(f"/api/notifications/{first['id']}/read", headers=cast.student.headers)
    assert one.status_code == 200
    assert one.json() == {"unread": 2}
    # someone else's notification id marks nothing
    other = await client.post(f"/api/notifications/{first['id']}/read", headers=cast.ta.headers)
    assert other.json()["unread"] == 3
    assert (await client.post("/api/notifications/read-all", headers=cast.student.headers)).json() == {"unread": 0}
    unread = (await client.get("/api/notifications?unread=true", headers=cast.student.headers)).json()
    assert unread["items"] == []
    assert unread["total"] == 0


async def test_preferences_silence_a_kind(client: Client, cast: Cast) -> None:
    prefs = (await client.get("/api/notifications/preferences", headers=cast.student.headers)).json()
    assert {p["kind"] for p in prefs} >= {"announcement", "mention", "submission_judged", "deadline_soon"}
    assert all(p["web"] and not p["email"] for p in prefs)
    resp = await client.put(
        "/api/notifications/preferences",
        json=[{"kind": "announcement", "web": False, "email": False}],
        headers=cast.student.headers,
    )
    assert resp.status_code == 200
    assert next(p for p in resp.json() if p["kind"] == "announcement")["web"] is False
    await _announce(client, cast, "Quiet please")
    assert (await client.get("/api/notifications", headers=cast.student.headers)).json()["total"] == 0
    assert (await client.get("/api/notifications", headers=cast.ta.headers)).json()["total"] == 1
    bad = await client.put(
        "/api/notifications/preferences",
        json=[{"kind": "nonsense", "web": True, "email": True}],
        headers=cast.student.headers,
    )
    assert bad.status_code == 400


async def test_live_notification_and_resume_after_reconnect(client: Client, cast: Cast) -> None:
    assert cast.student.user_id is not None
    channel = f"user:{cast.student.user_id}"
    ws = await connect(client, cast.student.headers)
    try:
        subscribed = await subscribe(ws, channel)
        assert subscribed["type"] == "subscribed"
        start = subscribed["lastId"]
        await _announce(client, cast, "Live one")
        event = await until(ws, lambda msg: msg.get("event") == "notification")
        assert event["channel"] == channel
        assert event["id"] == start + 1
        assert event["data"]["title"].endswith("Live one")
        assert event["data"]["unread"] == 1
    finally:
        await asyncio.to_thread(ws.close)
    # offline: two more arrive; the reconnecting client names its last id and gets both, in order, from the database
    await _announce(client, cast, "Missed one")
    await _announce(client, cast, "Missed two")
    ws = await connect(client, cast.student.headers)
    try:
        await asyncio.to_thread(ws.send_json, {"type": "subscribe", "channel": channel, "after": start + 1})
        first = await until(ws, lambda msg: msg.get("type") == "event")
        second = await until(ws, lambda msg: msg.get("type") == "event")
        assert [first["id"], second["id"]] == [start + 2, start + 3]
        assert first["data"]["title"].endswith("Missed one")
        assert second["data"]["title"].endswith("Missed two")
        done = await until(ws, lambda msg: msg.get("type") == "subscribed")
        assert done["lastId"] == start + 3
    finally:
        await asyncio.to_thread(ws.close)


async def test_channels_need_membership(client: Client, cast: Cast, classmate: Caller) -> None:
    ws = await connect(client, cast.outsider.headers)
    try:
        assert (await subscribe(ws, f"user:{cast.student.user_id}"))["type"] == "refused"
        assert (await subscribe(ws, f"course:{cast.course_id}"))["type"] == "refused"
        assert (await subscribe(ws, "room:00000000-0000-0000-0000-000000000000"))["type"] == "refused"
        assert (await subscribe(ws, "nonsense"))["type"] == "refused"
        await asyncio.to_thread(ws.send_text, "{not json")
        assert (await until(ws, lambda msg: msg.get("type") == "error"))["message"].startswith("unreadable")
        await asyncio.to_thread(ws.send_text, "x" * 10_000)
        assert "at most" in (await until(ws, lambda msg: msg.get("type") == "error"))["message"]
    finally:
        await asyncio.to_thread(ws.close)
    ws = await connect(client, classmate.headers)
    try:
        assert (await subscribe(ws, f"course:{cast.course_id}"))["type"] == "subscribed"
    finally:
        await asyncio.to_thread(ws.close)
    with pytest.raises(WebSocketDisconnect) as anonymous, await client.websocket_connect("/api/live") as ws:
        ws.receive_text()
    assert anonymous.value.code == 4401
