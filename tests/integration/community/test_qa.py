"""Questions and answers: a question asked from a submission names a visible failing test (a hidden one is refused
and never named); anonymity to peers but not to staff; private questions; votes, accepted answers, endorsement,
search; the asker is notified of answers; staff see open questions grouped by test."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.community.support import Caller, Cast, Client, connect, subscribe, until


async def _failed_submission(settings: Settings, cast: Cast) -> tuple[uuid.UUID, uuid.UUID]:
    """A problem of the course with a sample test and a hidden one, and the student's WA submission failing both."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            problem = m.Problem(slug=f"qa-{uuid.uuid4().hex[:8]}", title="Sum it")
            session.add(problem)
            await session.flush()
            session.add(m.CourseProblem(course_id=cast.course_id, problem_id=problem.id))
            digest = uuid.uuid4().hex * 2
            manifest = {
                "version": 1,
                "tests": [
                    {"name": "sample-1", "sample": True, "visibility": "visible"},
                    {"name": "secret-big", "visibility": "hidden"},
                ],
                "groups": [],
                "samples": [],
            }
            session.add(m.TestSet(digest=digest, data=b"", size_bytes=0, test_count=2, manifest=manifest))
            await session.flush()
            submission = m.Submission(
                user_id=cast.student.user_id,
                problem_id=problem.id,
                language="python3",
                files={"main.py": "print(1)"},
                testset_digest=digest,
                status=m.SubmissionStatus.DONE,
                verdict="WA",
                results=[{"index": 0, "verdict": "WA"}, {"index": 1, "verdict": "WA"}],
            )
            session.add(submission)
            await session.commit()
            return submission.id, problem.id
    finally:
        await engine.dispose()


def _base(cast: Cast) -> str:
    return f"/api/courses/{cast.course_id}/questions"


async def _ask(client: Client, cast: Cast, who: Caller, **data: Any) -> Any:
    return await client.post(_base(cast), json=data, headers=who.headers)


async def test_a_question_from_a_submission_names_only_a_visible_test(
    client: Client, cast: Cast, settings: Settings
) -> None:
    submission_id, problem_id = await _failed_submission(settings, cast)
    ws = await connect(client, cast.student.headers)
    try:
        channel = f"submission:{submission_id}"
        await asyncio.to_thread(ws.send_json, {"type": "subscribe", "channel": channel})
        snapshot = await until(ws, lambda msg: msg.get("event") == "judge")
        assert snapshot["data"]["type"] == "snapshot"
        assert snapshot["data"]["submission"]["verdict"] == "WA"
        cases = {c["index"]: c for c in snapshot["data"]["submission"]["results"]}
        assert cases[1]["hidden"] is True  # the hidden test's data never reaches the student
        assert cases[1]["input"] is None
    finally:
        await asyncio.to_thread(ws.close)
    for caller, expected in ((cast.ta, "subscribed"), (cast.outsider, "refused")):  # the rules of /ws/submissions
        ws = await connect(client, caller.headers)
        try:
            assert (await subscribe(ws, f"submission:{submission_id}"))["type"] == expected
        finally:
            await asyncio.to_thread(ws.close)
    hidden = await _ask(
        client, cast, cast.student, title="Why?", submissionId=str(submission_id), testIndex=1, anonymous=True
    )
    assert hidden.status_code == 400
    assert "hidden" in hidden.json()["detail"]
    assert "secret-big" not in hidden.text
    asked = await _ask(
        client,
        cast,
        cast.student,
        title="Why does it fail?",
        submissionId=str(submission_id),
        testIndex=0,
        anonymous=True,
    )
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert question["testName"] == "sample-1"
    assert question["problemId"] == str(problem_id)
    not_mine = await _ask(client, cast, cast.ta, title="Mine?", submissionId=str(submission_id), testIndex=0)
    assert not_mine.status_code == 400
    groups = (await client.get(f"{_base(cast)}/by-test", headers=cast.ta.headers)).json()
    assert [(g["testName"], len(g["questions"])) for g in groups] == [("sample-1", 1)]
    assert (await client.get(f"{_base(cast)}/by-test", headers=cast.student.headers)).status_code == 403
    page = await client.get(
        f"/courses/{cast.course_id}/questions?submission={submission_id}&test=1", headers=cast.student.headers
    )
    assert page.status_code == 200
    assert "secret-big" not in page.text


async def test_anonymity_private_questions_answers_votes_and_search(
    client: Client, cast: Cast, classmate: Caller
) -> None:
    anon = (await _ask(client, cast, cast.student, title="Loops <script>x()</script>", anonymous=True)).json()
    private = (await _ask(client, cast, cast.student, title="My grade", private=True)).json()
    peer_view = (await client.get(_base(cast), headers=classmate.headers)).json()
    assert [q["id"] for q in peer_view] == [anon["id"]]  # the private one is not listed for peers
    assert peer_view[0]["author"] is None
    assert peer_view[0]["anonymous"] is True
    assert (await client.get(f"{_base(cast)}/{private['id']}", headers=classmate.headers)).status_code == 404
    staff_view = {q["id"]: q for q in (await client.get(_base(cast), headers=cast.ta.headers)).json()}
    assert staff_view[anon["id"]]["author"]["id"] == str(cast.student.user_id)
    assert private["id"] in staff_view
    page = await client.get(f"/courses/{cast.course_id}/questions", headers=classmate.headers)
    assert "<script>x()" not in page.text
    assert "Student" not in page.text.split('<ul class="questions"')[1]

    answered = await client.post(
        f"{_base(cast)}/{anon['id']}/answers", json={"body": "Use `range`."}, headers=cast.ta.headers
    )
    assert answered.status_code == 201
    answer = answered.json()["answerList"][0]
    assert answer["byStaff"] is True
    assert "<code>range</code>" in answer["html"]
    notes = (await client.get("/api/notifications", headers=cast.student.headers)).json()["items"]
    assert [n["kind"] for n in notes] == ["answer_to_my_question"]
    assert notes[0]["link"] == f"/courses/{cast.course_id}/questions/{anon['id']}"

    vote = await client.post(f"{_base(cast)}/{answer['id']}/vote", json={"up": True}, headers=classmate.headers)
    assert vote.json() == {"votes": 1}
    again = await client.post(f"{_base(cast)}/{answer['id']}/vote", json={"up": True}, headers=classmate.headers)
    assert again.json() == {"votes": 1}  # one vote per person
    own = await client.post(f"{_base(cast)}/{anon['id']}/vote", json={"up": True}, headers=cast.student.headers)
    assert own.status_code == 400
    refused = await client.post(
        f"{_base(cast)}/{anon['id']}/accept", json={"answerId": answer["id"]}, headers=classmate.headers
    )
    assert refused.status_code == 403
    accepted = await client.post(
        f"{_base(cast)}/{anon['id']}/accept", json={"answerId": answer["id"]}, headers=cast.student.headers
    )
    assert accepted.json()["acceptedAnswerId"] == answer["id"]
    endorse = await client.post(
        f"{_base(cast)}/answers/{answer['id']}/endorse", json={"endorsed": True}, headers=cast.ta.headers
    )
    assert endorse.json()["answerList"][0]["endorsed"] is True
    assert (
        await client.post(
            f"{_base(cast)}/answers/{answer['id']}/endorse", json={"endorsed": True}, headers=classmate.headers
        )
    ).status_code == 403
    found = (await client.get(f"{_base(cast)}?q=loops", headers=classmate.headers)).json()
    assert [q["id"] for q in found] == [anon["id"]]
    assert (await client.get(f"{_base(cast)}?q=grade", headers=classmate.headers)).json() == []
    assert (await client.get(f"{_base(cast)}?open=true", headers=cast.ta.headers)).json()[0]["id"] == private["id"]
    too_long = await _ask(client, cast, cast.student, title="x", body="y" * 10_001)
    assert too_long.status_code == 413
    outsider = await _ask(client, cast, cast.outsider, title="hello")
    assert outsider.status_code == 403
