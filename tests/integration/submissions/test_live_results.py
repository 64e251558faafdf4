"""WS /ws/submissions/{id}: subscribe, snapshot, stream. A viewer who joins mid-judging sees every test already
judged (in the snapshot) and the rest live, then the authoritative final event and a normal close."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import WebSocketTestSession
from redis.asyncio import Redis

from api.settings import Settings
from judge_worker.contracts import JUDGE_QUEUE, TestCaseData, TestSetData, progress_key
from tests.integration.problems.support import app_client, make_people, push, teach
from tests.integration.submissions.conftest import Live

TESTS = 8
SLOW = "import time\nn = int(input())\ntime.sleep(0.35)\nprint(n * 2)\n"


async def _connect(live: Live, path: str, headers: dict[str, str] | None = None) -> WebSocketTestSession:
    """Open the socket (entering the session starts the ASGI call and waits for the accept)."""
    session = await live.client.websocket_connect(path, headers=headers)
    return await asyncio.to_thread(session.__enter__)


async def _receive(ws: WebSocketTestSession, within: float = 30) -> dict[str, Any]:
    try:
        message = await asyncio.to_thread(ws.receive, True, within)
    except WebSocketDisconnect as closed:
        return {"type": "<closed>", "code": closed.code}
    text = message.get("text")
    assert isinstance(text, str), f"every message is a JSON text frame, got {message!r}"
    decoded: dict[str, Any] = json.loads(text)
    return decoded


async def _slow_problem(live: Live, *, hidden_from: int = TESTS) -> str:
    tests = [
        TestCaseData(
            name=f"t{i}",
            input=f"{i}\n".encode(),
            expected=f"{2 * i}\n".encode(),
            visibility="visible" if i < hidden_from else "hidden",
        )
        for i in range(TESTS)
    ]
    problem_id = await live.fleet.create_problem(testset=TestSetData(tests=tuple(tests)), time_limit_ms=2000)
    await teach(live.settings, live.people, str(problem_id))  # the instructor watching teaches the student (#11)
    return str(problem_id)


async def _wait_progress(live: Live, submission_id: str, cases: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        raw = await live.fleet.redis.get(progress_key(submission_id))
        if raw and len(json.loads(raw).get("cases", [])) >= cases:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"{submission_id} did not reach {cases} judged tests")


async def test_a_viewer_joining_mid_judging_sees_every_earlier_test_then_the_rest_live(live: Live) -> None:
    problem_id = await _slow_problem(live, hidden_from=6)
    resp = await live.client.post(
        "/api/submissions",
        json={"problemId": problem_id, "language": "python3", "source": SLOW},
        headers=live.people.student.headers,
    )
    assert resp.status_code == 201, resp.text
    submission_id = resp.json()["id"]
    await _wait_progress(live, submission_id, 2)

    # An instructor watches too, from before the student: each event's frame is made once per audience and shared
    # by the viewers of that audience (tests/unit/test_live_frames.py: staff frames never reach a student).
    staff = await _connect(live, resp.json()["websocket"], live.people.instructor.headers)
    ws = await _connect(live, resp.json()["websocket"], live.people.student.headers)
    try:
        snapshot = await _receive(ws)
        assert snapshot["type"] == "snapshot"
        assert snapshot["submission"]["id"] == submission_id
        assert snapshot["submission"]["status"] in ("queued", "judging")
        progress = snapshot["progress"]
        assert progress is not None
        assert progress["total"] == TESTS
        early = {case["index"] for case in progress["cases"]}
        assert 2 <= len(early) < TESTS  # the tests judged before this viewer arrived; the rest are to come
        seen = set(early)
        seqs: list[tuple[int, int]] = []
        messages: list[dict[str, Any]] = []
        while True:
            message = await _receive(ws)
            messages.append(message)
            assert message["type"] != "<closed>", messages
            seqs.append((message["attempt"], message["seq"]))
            if message["type"] == "case_finished":
                seen |= {case["index"] for case in message["batch"]} | {message["index"]}
            if message["type"] == "finished" and message["authoritative"]:
                break
        assert seen == set(range(TESTS))  # every test, earlier ones from the snapshot, the rest live
        assert messages[-1]["verdict"] == "AC"
        assert messages[-1]["score"] == 100
        assert seqs == sorted(seqs)
        closed = await _receive(ws)
        assert closed == {"type": "<closed>", "code": 1000}
        # Hidden tests (6 and 7) never carry the program's output to the student.
        for message in messages:
            for case in message.get("batch", []):
                if case["index"] >= 6:
                    assert case["stdout"] is None
        staff_seen: set[int] = set()
        while (message := await _receive(staff))["type"] != "<closed>":
            staff_seen |= {case["index"] for case in message.get("batch", [])}
            staff_seen |= {case["index"] for case in (message.get("progress") or {}).get("cases", [])}
        assert staff_seen == set(range(TESTS))  # the instructor, watching alongside, got every test too
    finally:
        ws.__exit__(None, None, None)
        staff.__exit__(None, None, None)


async def test_a_finished_submission_gets_its_snapshot_and_a_close(live: Live) -> None:
    resp = await live.client.post(
        "/api/submissions",
        json={"problemSlug": "addup", "language": "python3", "source": "print(6)"},
        headers=live.people.student.headers,
    )
    submission_id = resp.json()["id"]
    await live.fleet.wait_final(submission_id)
    ws = await _connect(live, f"/ws/submissions/{submission_id}", live.people.student.headers)
    try:
        snapshot = await _receive(ws)
        assert snapshot["type"] == "snapshot"
        assert snapshot["submission"]["status"] == "done"
        assert snapshot["submission"]["verdict"] == "WA"
        assert snapshot["progress"] is None
        hidden = [c for c in snapshot["submission"]["results"] if c["hidden"]]
        assert hidden
        assert all(c["stdout"] is None and c["input"] is None for c in hidden)
        assert await _receive(ws) == {"type": "<closed>", "code": 1000}
    finally:
        ws.__exit__(None, None, None)

    # Someone else's submission: refused; anonymous: refused.
    with pytest.raises(WebSocketDisconnect) as refused:
        await _connect(live, f"/ws/submissions/{submission_id}", live.people.other.headers)
    assert refused.value.code == 4404
    with pytest.raises(WebSocketDisconnect):
        await _connect(live, f"/ws/submissions/{submission_id}")
    # The instructor may watch the submissions of a course they teach.
    staff = await _connect(live, f"/ws/submissions/{submission_id}", live.people.instructor.headers)
    try:
        assert (await _receive(staff))["type"] == "snapshot"
    finally:
        staff.__exit__(None, None, None)


async def test_a_waiting_submission_s_snapshot_gives_its_queue_position(
    settings_env: dict[str, str], settings: Settings
) -> None:
    people = await make_people(settings)
    async with app_client(settings_env) as (client, _):  # no judge worker: submissions wait in the queue
        assert (await push(client, people.instructor, "addup", "addup")).status_code == 201
        await client.patch("/api/problems/addup", json={"visibility": "published"}, headers=people.instructor.headers)
        await teach(settings, people, "addup")  # the instructor teaches both students
        body = {"problemSlug": "addup", "language": "python3", "source": "print(6)"}
        first = (await client.post("/api/submissions", json=body, headers=people.other.headers)).json()
        second = (await client.post("/api/submissions", json=body, headers=people.student.headers)).json()
        session = await client.websocket_connect(second["websocket"], headers=people.student.headers)
        ws = await asyncio.to_thread(session.__enter__)
        try:
            snapshot = await _receive(ws)
            assert snapshot["type"] == "snapshot"
            assert snapshot["submission"]["status"] == "queued"
            assert snapshot["queuePosition"] == 2
            assert snapshot["progress"] is None
        finally:
            ws.__exit__(None, None, None)
        staff = await asyncio.to_thread(
            (await client.websocket_connect(first["websocket"], headers=people.instructor.headers)).__enter__
        )
        try:
            assert (await _receive(staff))["queuePosition"] == 1
        finally:
            staff.__exit__(None, None, None)


async def test_a_waiting_viewer_sees_the_queue_position_count_down_live(
    settings_env: dict[str, str], settings: Settings
) -> None:
    people = await make_people(settings)
    async with app_client(settings_env) as (client, _):  # no judge worker: submissions wait in the queue
        assert (await push(client, people.instructor, "addup", "addup")).status_code == 201
        await client.patch("/api/problems/addup", json={"visibility": "published"}, headers=people.instructor.headers)
        body = {"problemSlug": "addup", "language": "python3", "source": "print(6)"}
        first = (await client.post("/api/submissions", json=body, headers=people.other.headers)).json()
        second = (await client.post("/api/submissions", json=body, headers=people.student.headers)).json()
        session = await client.websocket_connect(second["websocket"], headers=people.student.headers)
        ws = await asyncio.to_thread(session.__enter__)
        try:
            snapshot = await _receive(ws)
            assert (snapshot["queuePosition"], snapshot["estimatedWaitS"]) == (2, None)  # no judge: no estimate
            # The job ahead leaves the queue (a judge took it and finished): the viewer is told without asking.
            redis = Redis.from_url(settings_env["REDIS_URL"])
            try:
                assert await redis.zrem(JUDGE_QUEUE, f"judge:{first['id']}:1") == 1
            finally:
                await redis.aclose()
            update = await _receive(ws, within=10)
            assert update == {"type": "queue", "queuePosition": 1, "estimatedWaitS": None, "judges": 0}
        finally:
            ws.__exit__(None, None, None)
