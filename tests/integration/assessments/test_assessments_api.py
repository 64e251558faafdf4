"""The assessments API on real PostgreSQL: building, publishing, audience, taking, the server's deadline,
scores out of 100 under each visibility rule, bad input, and who may do what with a real assessment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Caller, Cast, Client


def _base(cast: Cast) -> str:
    return f"/api/courses/{cast.course_id}/assessments"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


MC = {
    "type": "multiple_choice",
    "promptMd": "Pick the primes",
    "options": ["2", "4", "5", "9"],
    "correct": [0, 2],
    "multiple": True,
    "weight": 2,
}
SA = {"type": "short_answer", "promptMd": "Capital of France?", "accepted": ["Paris"], "match": "case_insensitive"}


async def make_quiz(client: Client, cast: Cast, **settings: Any) -> tuple[str, list[str]]:
    body = {"title": "Quiz 1", "kind": "quiz", "instructionsMd": "Answer **both**.", **settings}
    created = await client.post(_base(cast), json=body, headers=cast.instructor.headers)
    assert created.status_code == 201, created.text
    aid = created.json()["assessment"]["id"]
    ids = []
    for question in (MC, SA):
        resp = await client.post(f"{_base(cast)}/{aid}/questions", json=question, headers=cast.instructor.headers)
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["questions"][-1]["id"])
    return aid, ids


async def publish(client: Client, cast: Cast, aid: str, **flags: bool) -> None:
    resp = await client.post(
        f"{_base(cast)}/{aid}/publish", json=flags or {"published": True}, headers=cast.instructor.headers
    )
    assert resp.status_code == 200, resp.text


async def answer(
    client: Client, cast: Cast, aid: str, qid: str, body: dict[str, Any], who: Caller | None = None
) -> Any:
    caller = who or cast.student
    return await client.put(f"{_base(cast)}/{aid}/attempt/answers/{qid}", json=body, headers=caller.headers)


async def test_a_student_takes_a_quiz_and_sees_the_score_once_published(client: Client, cast: Cast) -> None:
    aid, (mc, sa) = await make_quiz(client, cast)
    student = cast.student.headers
    assert (await client.get(f"{_base(cast)}/{aid}", headers=student)).status_code == 404  # a draft
    assert (await client.get(_base(cast), headers=student)).json() == []
    await publish(client, cast, aid)

    listed = (await client.get(_base(cast), headers=student)).json()
    assert [(a["id"], a["state"], a["questionCount"]) for a in listed] == [(aid, "open", 2)]
    detail = (await client.get(f"{_base(cast)}/{aid}", headers=student)).json()
    assert [q["type"] for q in detail["questions"]] == ["multiple_choice", "short_answer"]
    assert all(q["correct"] is None and q["accepted"] is None for q in detail["questions"])  # answers never leak
    order = detail["questions"][0]["order"]
    assert sorted(order) == [0, 1, 2, 3]  # options shuffled for this student, the same on every load
    assert (await client.get(f"{_base(cast)}/{aid}", headers=student)).json()["questions"][0]["order"] == order
    staff_view = (await client.get(f"{_base(cast)}/{aid}", headers=cast.ta.headers)).json()
    assert staff_view["questions"][0]["order"] is None
    assert staff_view["questions"][0]["correct"] == [0, 2]

    assert (await client.get(f"{_base(cast)}/{aid}/attempt", headers=student)).status_code == 404  # not started
    started = await client.post(f"{_base(cast)}/{aid}/attempt", headers=student)
    assert started.status_code == 200, started.text
    assert started.json()["state"] == "in_progress"
    assert started.json()["deadline"] is None
    again = await client.post(f"{_base(cast)}/{aid}/attempt", headers=student)
    assert again.json()["startedAt"] == started.json()["startedAt"]  # starting twice resumes

    assert (await answer(client, cast, aid, mc, {"choices": [0]})).status_code == 200
    saved = await answer(client, cast, aid, sa, {"text": "  paris "})
    assert saved.status_code == 200
    body = saved.json()
    assert body["scoresVisible"] is False
    assert body["score"] is None
    assert sorted(a["text"] for a in body["answers"]) == ["", "  paris "]
    assert all(a["score"] is None for a in body["answers"])

    done = await client.post(f"{_base(cast)}/{aid}/attempt/submit", headers=student)
    assert done.status_code == 200
    assert done.json()["state"] == "submitted"
    late = await answer(client, cast, aid, mc, {"choices": [0, 2]})
    assert late.status_code == 409
    assert "submitted" in late.json()["detail"]

    results = (await client.get(f"{_base(cast)}/{aid}/results", headers=cast.ta.headers)).json()
    assert [(r["email"], r["state"], r["score"]) for r in results] == [(cast.student.email, "submitted", 66.67)]

    await publish(client, cast, aid, scoresPublished=True)
    mine = (await client.get(f"{_base(cast)}/{aid}/attempt", headers=student)).json()
    # MC weight 2 with half credit (1 of 2 primes), short answer weight 1 right: (2 * 0.5 + 1) / 3
    assert mine["state"] == "graded"
    assert mine["score"] == 66.67
    assert mine["latePenalty"] == 0.0


async def test_only_the_audience_sees_a_group_assessment(client: Client, cast: Cast) -> None:
    group = await client.post(
        f"/api/courses/{cast.course_id}/groups", json={"name": "Lab A"}, headers=cast.instructor.headers
    )
    assert group.status_code == 201, group.text
    gid = group.json()["id"]
    aid, _ids = await make_quiz(client, cast, groupIds=[gid])
    await publish(client, cast, aid)
    assert (await client.get(f"{_base(cast)}/{aid}", headers=cast.student.headers)).status_code == 404
    assert (await client.post(f"{_base(cast)}/{aid}/attempt", headers=cast.student.headers)).status_code == 404
    members = (await client.get(f"/api/courses/{cast.course_id}/members", headers=cast.instructor.headers)).json()
    entries = members["items"] if isinstance(members, dict) else members
    member = next(e for e in entries if e["email"] == cast.student.email)
    moved = await client.patch(
        f"/api/courses/{cast.course_id}/members/{member['userId']}",
        json={"groupId": gid},
        headers=cast.instructor.headers,
    )
    assert moved.status_code == 200, moved.text
    assert (await client.get(f"{_base(cast)}/{aid}", headers=cast.student.headers)).status_code == 200
    other = await client.post(
        f"/api/courses/{cast.course_id}/groups", json={"name": "Lab B"}, headers=cast.instructor.headers
    )
    foreign = await client.post(
        _base(cast), json={"title": "x", "groupIds": [str(UUID(int=7))]}, headers=cast.instructor.headers
    )
    assert other.status_code == 201
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["key"] == "groupIds"


async def test_the_server_deadline_refuses_answers_and_submits_the_attempt(
    client: Client, cast: Cast, settings: Settings
) -> None:
    aid, (mc, _sa) = await make_quiz(client, cast, kind="exam", timeLimitMinutes=30, scoreVisibility="immediate")
    await publish(client, cast, aid)
    started = (await client.post(f"{_base(cast)}/{aid}/attempt", headers=cast.student.headers)).json()
    deadline = datetime.fromisoformat(started["deadline"])
    assert timedelta(minutes=29) < deadline - datetime.fromisoformat(started["serverNow"]) <= timedelta(minutes=30)
    assert 29 * 60 <= started["remainingSeconds"] <= 30 * 60
    assert (await answer(client, cast, aid, mc, {"choices": [0, 2]})).status_code == 200

    # The time runs out: move the deadline into the past, as the clock would.
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            await session.execute(
                update(m.AssessmentAttempt)
                .where(m.AssessmentAttempt.assessment_id == UUID(aid))
                .values(deadline=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()
    finally:
        await engine.dispose()
    refused = await answer(client, cast, aid, mc, {"choices": [1]})
    assert refused.status_code == 409
    mine = (await client.get(f"{_base(cast)}/{aid}/attempt", headers=cast.student.headers)).json()
    assert mine["submittedAt"] == mine["deadline"]
    assert mine["remainingSeconds"] is None
    assert mine["state"] == "graded"
    assert mine["score"] == 66.67
    assert mine["answers"][0]["choices"] == [0, 2]


async def test_a_late_submission_loses_the_late_penalty(client: Client, cast: Cast) -> None:
    now = datetime.now(UTC)
    aid, (mc, sa) = await make_quiz(
        client,
        cast,
        dueAt=_iso(now - timedelta(hours=30)),
        closesAt=_iso(now + timedelta(days=1)),
        latePenaltyMode="per_day",
        latePenaltyPercent=10,
        scoreVisibility="after_due",
    )
    await publish(client, cast, aid)
    await client.post(f"{_base(cast)}/{aid}/attempt", headers=cast.student.headers)
    await answer(client, cast, aid, mc, {"choices": [2, 0]})
    await answer(client, cast, aid, sa, {"text": "PARIS"})
    done = (await client.post(f"{_base(cast)}/{aid}/attempt/submit", headers=cast.student.headers)).json()
    assert done["latePenalty"] == 20.0
    assert done["score"] == 80.0


async def test_closed_and_upcoming_assessments_refuse_to_start(client: Client, cast: Cast) -> None:
    now = datetime.now(UTC)
    closed, _ = await make_quiz(client, cast, closesAt=_iso(now - timedelta(minutes=1)))
    upcoming, _ = await make_quiz(client, cast, opensAt=_iso(now + timedelta(days=1)))
    await publish(client, cast, closed)
    await publish(client, cast, upcoming)
    states = {a["id"]: a["state"] for a in (await client.get(_base(cast), headers=cast.student.headers)).json()}
    assert states == {closed: "closed", upcoming: "upcoming"}
    refused = await client.post(f"{_base(cast)}/{closed}/attempt", headers=cast.student.headers)
    assert refused.status_code == 409
    assert "closed" in refused.json()["detail"]
    early = await client.post(f"{_base(cast)}/{upcoming}/attempt", headers=cast.student.headers)
    assert early.status_code == 409
    assert "opens" in early.json()["detail"]
    hidden = (await client.get(f"{_base(cast)}/{upcoming}", headers=cast.student.headers)).json()
    assert hidden["questions"] == []  # no questions before it opens


async def test_malformed_questions_and_answers_are_422_naming_the_field(client: Client, cast: Cast) -> None:
    aid, (mc, sa) = await make_quiz(client, cast)
    staff = cast.instructor.headers
    cases = [
        ({**MC, "correct": [7]}, "correct"),
        ({**MC, "options": ["only"]}, "options"),
        ({**MC, "multiple": False}, "correct"),
        ({**SA, "accepted": []}, "accepted"),
        ({**SA, "match": "regex", "accepted": ["(unclosed"]}, "accepted"),
        ({**SA, "match": "numeric", "accepted": ["ten"]}, "accepted"),
        ({"type": "code"}, "problemId"),
        ({"type": "code", "problemId": str(UUID(int=3))}, "problemId"),
    ]
    for body, field in cases:
        resp = await client.post(f"{_base(cast)}/{aid}/questions", json=body, headers=staff)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["errors"][0]["key"] == field, resp.text
    bad_window = await client.post(
        _base(cast),
        json={"title": "x", "dueAt": "2026-12-02T00:00:00Z", "closesAt": "2026-12-01T00:00:00Z"},
        headers=staff,
    )
    assert bad_window.status_code == 422
    assert bad_window.json()["errors"][0]["key"] == "closesAt"
    await publish(client, cast, aid)
    await client.post(f"{_base(cast)}/{aid}/attempt", headers=cast.student.headers)
    wrong_shapes: list[tuple[str, dict[str, Any], str]] = [
        (mc, {"text": "2"}, "choices"),
        (mc, {"choices": [9]}, "choices"),
        (sa, {"choices": [0]}, "text"),
    ]
    for qid, body, field in wrong_shapes:
        resp = await answer(client, cast, aid, qid, body)
        assert resp.status_code == 422, resp.text
        assert resp.json()["errors"][0]["key"] == field, resp.text
    unknown = await answer(client, cast, aid, str(UUID(int=5)), {"text": "x"})
    assert unknown.status_code == 404


async def test_who_may_do_what_with_a_real_assessment(client: Client, cast: Cast) -> None:
    aid, (mc, _sa) = await make_quiz(client, cast)
    await publish(client, cast, aid)
    one = f"{_base(cast)}/{aid}"
    expected: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
        (
            "GET",
            one,
            None,
            {"anonymous": 401, "outsider": 403, "student": 200, "ta": 200, "instructor": 200, "admin": 200},
        ),
        (
            "GET",
            f"{one}/results",
            None,
            {"anonymous": 401, "outsider": 403, "student": 403, "ta": 200, "instructor": 200, "admin": 200},
        ),
        (
            "PUT",
            one,
            {"title": "Renamed"},
            {"anonymous": 401, "outsider": 403, "student": 403, "ta": 403, "instructor": 200, "admin": 200},
        ),
        (
            "POST",
            f"{one}/attempt",
            None,
            {"anonymous": 401, "outsider": 403, "student": 200, "ta": 200, "instructor": 200, "admin": 200},
        ),
        (
            "PUT",
            f"{one}/attempt/answers/{mc}",
            {"choices": [0]},
            {"anonymous": 401, "outsider": 403, "student": 200, "ta": 200, "instructor": 200, "admin": 200},
        ),
        (
            "POST",
            f"{one}/questions",
            SA,
            {"anonymous": 401, "outsider": 403, "student": 403, "ta": 403, "instructor": 201, "admin": 201},
        ),
        ("DELETE", one, None, {"anonymous": 401, "outsider": 403, "student": 403, "ta": 403, "instructor": 204}),
    ]
    callers = {c.name: c for c in cast.all}
    wrong = []
    for method, url, body, statuses in expected:
        for name, status in statuses.items():
            resp = await client.request(method, url, json=body, headers=callers[name].headers)
            if resp.status_code != status:
                wrong.append(f"{method} {url} as {name}: {resp.status_code}, expected {status}: {resp.text[:200]}")
    assert wrong == []
