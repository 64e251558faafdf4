"""Two API processes (``verdict serve`` twice, one Redis, one database): an announcement posted on one replica
reaches a student's live socket on the other, and after a reconnect the student gets what was posted meanwhile."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from api.db import models as m
from api.lib.redis_server import find_free_port
from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.courses.conftest import PASSWORD, make_account


async def _token(http: httpx.AsyncClient, settings: Settings, name: str, role: m.Role) -> tuple[uuid.UUID, str]:
    email = f"{name}-{uuid.uuid4().hex[:6]}@example.com"
    user_id = await make_account(settings, email, role, name=name.title())
    resp = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return user_id, resp.json()["accessToken"]


async def _next(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
        if message["type"] == kind:
            return message


async def test_an_event_published_on_one_replica_reaches_a_client_of_the_other(
    fleet_factory: FleetFactory, settings: Settings
) -> None:
    async with fleet_factory(judges=0, tasks=False) as fleet:
        other_port = find_free_port()
        await fleet.start_api(port=other_port)
        async with httpx.AsyncClient(base_url=fleet.api_url, timeout=30) as api_a:
            _teacher, teacher_token = await _token(api_a, settings, "teacher", m.Role.INSTRUCTOR)
            student_id, student_token = await _token(api_a, settings, "pupil", m.Role.STUDENT)
            teacher = {"Authorization": f"Bearer {teacher_token}"}
            course = await api_a.post(
                "/api/courses", json={"title": "Replicas", "code": f"R-{uuid.uuid4().hex[:6]}"}, headers=teacher
            )
            assert course.status_code == 201, course.text
            course_id = course.json()["id"]
            joined = await api_a.post(
                "/api/courses/join",
                json={"code": course.json()["joinCode"]},
                headers={"Authorization": f"Bearer {student_token}"},
            )
            assert joined.status_code == 200, joined.text

            url_b = f"ws://127.0.0.1:{other_port}/api/live"
            headers = {"Authorization": f"Bearer {student_token}"}
            async with connect(url_b, additional_headers=headers) as ws:
                await ws.send(json.dumps({"type": "subscribe", "channel": f"user:{student_id}"}))
                await ws.send(json.dumps({"type": "subscribe", "channel": f"course:{course_id}"}))
                ready = [await _next(ws, "subscribed"), await _next(ws, "subscribed")]
                last = {item["channel"]: item["lastId"] for item in ready}
                posted = await api_a.post(
                    f"/api/courses/{course_id}/announcements", json={"title": "From replica A"}, headers=teacher
                )
                assert posted.status_code == 201, posted.text
                got = {}
                for _ in range(2):
                    event = await _next(ws, "event")
                    got[event["channel"]] = event
            note = got[f"user:{student_id}"]
            assert note["event"] == "notification"
            assert note["data"]["title"].endswith("From replica A")
            assert note["id"] == last[f"user:{student_id}"] + 1
            assert got[f"course:{course_id}"]["data"]["title"] == "From replica A"

            # disconnected: posted meanwhile on A, resumed on B from its last id
            missed = await api_a.post(
                f"/api/courses/{course_id}/announcements", json={"title": "While away"}, headers=teacher
            )
            assert missed.status_code == 201
            async with connect(url_b, additional_headers=headers) as ws:
                await ws.send(json.dumps({"type": "subscribe", "channel": f"user:{student_id}", "after": note["id"]}))
                resumed = await _next(ws, "event")
                assert resumed["id"] == note["id"] + 1
                assert resumed["data"]["title"].endswith("While away")
