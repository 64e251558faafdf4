"""A viewer never stays on "waiting" for a submission that is judged: not when it is judged in the moment between
the socket reading it and subscribing to its channel (its events are published before anyone listens: a quick
job on an idle judge takes tens of milliseconds, and a page subscribes right after its POST), and not when its
final event is lost. Both sockets: ``WS /ws/submissions/{id}`` and the page's ``WS /api/live``.

The judge is not the subject: submissions wait (no judge worker) and are judged through the api-tasks worker's
own functions (``record_report``, ``publish_final``), as a judge's report would be."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import WebSocketTestSession

import api.domain.live.socket as live_socket
import api.domain.submissions.websocket as submission_socket
from api.db import models as m
from api.settings import Settings
from judge_worker.contracts import Verdict
from tests.integration.problems.support import Client, People, app_client, make_people, push, record_judged, teach


@dataclass(frozen=True)
class Waiting:
    client: Client
    settings: Settings
    people: People
    submission_id: str


@asynccontextmanager
async def waiting_submission(settings_env: dict[str, str], settings: Settings) -> AsyncIterator[Waiting]:
    people = await make_people(settings)
    async with app_client(settings_env) as (client, app_settings):  # no judge worker: the submission waits
        slug = f"addup{uuid.uuid4().hex[:4]}"
        assert (await push(client, people.instructor, slug, "addup")).status_code == 201
        await client.patch(f"/api/problems/{slug}", json={"visibility": "published"}, headers=people.instructor.headers)
        await teach(settings, people, slug)
        body = {"problemSlug": slug, "language": "python3", "source": "print(6)"}
        sent = await client.post("/api/submissions", json=body, headers=people.student.headers)
        assert sent.status_code == 201, sent.text
        yield Waiting(client, app_settings, people, sent.json()["id"])


async def judge(settings: Settings, submission_id: str, *, publish: bool = True) -> None:
    """A wrong answer recorded; its final event published unless ``publish`` is off (a lost final event)."""
    await record_judged(settings, submission_id, verdict=Verdict.WA, score=50.0, publish=publish)


def judged_right_after_loading(
    monkeypatch: pytest.MonkeyPatch, module: Any, settings: Settings, submission_id: str
) -> None:
    """Make the socket's ``_load`` return what it read and then have the submission judged (events published)
    before the socket subscribes: the race a quick judge runs with a page that subscribes after its POST."""
    real: Callable[..., Awaitable[Any]] = submission_socket._load

    async def load_then_judge(*args: Any) -> Any:
        watch = await real(*args)
        assert watch is not None
        assert watch.submission.status is m.SubmissionStatus.QUEUED
        await judge(settings, submission_id)
        return watch

    monkeypatch.setattr(module, "_load", load_then_judge)


SOCKETS = ["/ws/submissions", "/api/live"]


@asynccontextmanager
async def judge_messages(waiting: Waiting, socket: str, within: float) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """The messages of ``WS /ws/submissions/{id}`` the student gets for the submission, read from that socket or
    from the page's ``/api/live`` (where each is the ``data`` of a ``judge`` event on its channel)."""
    path = f"/ws/submissions/{waiting.submission_id}" if socket == "/ws/submissions" else socket
    session = await waiting.client.websocket_connect(path, headers=waiting.people.student.headers)
    ws: WebSocketTestSession = await asyncio.to_thread(session.__enter__)

    async def receive() -> dict[str, Any]:
        message = await asyncio.to_thread(ws.receive, True, within)
        text = message.get("text")
        assert isinstance(text, str), message
        decoded: dict[str, Any] = json.loads(text)
        return decoded

    async def messages() -> AsyncIterator[dict[str, Any]]:
        if socket == "/ws/submissions":
            while True:
                yield await receive()
        channel = f"submission:{waiting.submission_id}"
        await asyncio.to_thread(ws.send_text, json.dumps({"type": "subscribe", "channel": channel}))
        while True:
            frame = await receive()
            assert frame["type"] != "refused", frame
            if frame.get("event") == "judge":
                yield frame["data"]

    try:
        yield messages()
    finally:
        ws.__exit__(None, None, None)


@pytest.mark.parametrize("socket", SOCKETS)
async def test_a_submission_judged_before_the_subscription_shows_judged(
    socket: str, settings_env: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with waiting_submission(settings_env, settings) as waiting:
        module = submission_socket if socket == "/ws/submissions" else live_socket
        judged_right_after_loading(monkeypatch, module, waiting.settings, waiting.submission_id)
        monkeypatch.setattr(submission_socket, "RECHECK_S", 60.0)  # the fix, not the recheck, must show it
        async with judge_messages(waiting, socket, within=5) as messages:
            snapshot = await anext(messages)
            assert snapshot["type"] == "snapshot"
            assert snapshot["submission"]["status"] == "done"
            assert snapshot["submission"]["verdict"] == "WA"


@pytest.mark.parametrize("socket", SOCKETS)
async def test_a_judged_submission_whose_final_event_was_lost_ends_judged(
    socket: str, settings_env: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with waiting_submission(settings_env, settings) as waiting:
        monkeypatch.setattr(submission_socket, "RECHECK_S", 0.3)
        async with judge_messages(waiting, socket, within=10) as messages:
            first = await anext(messages)
            assert first["type"] == "snapshot"
            assert first["submission"]["status"] == "queued"
            await judge(waiting.settings, waiting.submission_id, publish=False)  # recorded; no event reaches Redis
            final = await anext(messages)
            while final["type"] == "queue":  # /ws/submissions tells a waiting viewer its place
                final = await anext(messages)
            assert final["type"] == "snapshot"
            assert final["submission"]["status"] == "done"
            assert final["submission"]["verdict"] == "WA"
