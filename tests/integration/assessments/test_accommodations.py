"""Accommodations through the API: extra time moves a running attempt's deadline at once, another window lets one
student start after the close, and a reopened attempt keeps its answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.assessments.test_assessments_api import _iso, answer, make_quiz, publish
from tests.integration.courses.conftest import Cast, Client


async def test_extra_time_another_window_and_reopening(client: Client, cast: Cast) -> None:
    base = f"/api/courses/{cast.course_id}/assessments"
    staff, student = cast.instructor.headers, cast.student.headers
    aid, (mc, _sa) = await make_quiz(client, cast, kind="exam", timeLimitMinutes=30, scoreVisibility="immediate")
    await publish(client, cast, aid)
    started = (await client.post(f"{base}/{aid}/attempt", headers=student)).json()
    assert 29 * 60 <= started["remainingSeconds"] <= 30 * 60

    moved = await client.put(
        f"{base}/{aid}/accommodations/{cast.student.user_id}",
        json={"extraPercent": 50, "extraMinutes": 5},
        headers=staff,
    )
    assert moved.status_code == 200, moved.text
    mine = (await client.get(f"{base}/{aid}/attempt", headers=student)).json()
    assert 49 * 60 <= mine["remainingSeconds"] <= 50 * 60  # 30 min + 50 % + 5 min
    listed = (await client.get(f"{base}/{aid}/accommodations", headers=cast.ta.headers)).json()
    assert [(a["userId"], a["extraMinutes"], a["extraPercent"]) for a in listed] == [
        (str(cast.student.user_id), 5, 50.0)
    ]
    refused = await client.put(f"{base}/{aid}/accommodations/{cast.student.user_id}", json={}, headers=cast.ta.headers)
    assert refused.status_code == 403
    stranger = await client.put(f"{base}/{aid}/accommodations/{cast.outsider.user_id}", json={}, headers=staff)
    assert stranger.status_code == 404

    await answer(client, cast, aid, mc, {"choices": [0, 2]})
    await client.post(f"{base}/{aid}/attempt/submit", headers=student)
    assert (await answer(client, cast, aid, mc, {"choices": [0]})).status_code == 409
    reopened = await client.post(f"{base}/{aid}/accommodations/{cast.student.user_id}/reopen", headers=staff)
    assert reopened.status_code == 200, reopened.text
    mine = (await client.get(f"{base}/{aid}/attempt", headers=student)).json()
    assert mine["state"] == "in_progress"
    assert mine["answers"][0]["choices"] == [0, 2]  # the answers stayed
    assert (await answer(client, cast, aid, mc, {"choices": [0]})).status_code == 200

    removed = await client.delete(f"{base}/{aid}/accommodations/{cast.student.user_id}", headers=staff)
    assert removed.status_code == 204
    mine = (await client.get(f"{base}/{aid}/attempt", headers=student)).json()
    assert mine["remainingSeconds"] <= 30 * 60

    # Another window: the assessment has closed for everyone, but not for this student.
    now = datetime.now(UTC)
    closed, _ids = await make_quiz(client, cast, closesAt=_iso(now - timedelta(minutes=5)))
    await publish(client, cast, closed)
    assert (await client.post(f"{base}/{closed}/attempt", headers=student)).status_code == 409
    own = await client.put(
        f"{base}/{closed}/accommodations/{cast.student.user_id}",
        json={"closesAt": _iso(now + timedelta(hours=1))},
        headers=staff,
    )
    assert own.status_code == 200
    states = {a["id"]: a["state"] for a in (await client.get(base, headers=student)).json()}
    assert states[closed] == "open"
    late_start = await client.post(f"{base}/{closed}/attempt", headers=student)
    assert late_start.status_code == 200
    assert late_start.json()["state"] == "in_progress"
