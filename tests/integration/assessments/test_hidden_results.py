"""What is hidden stays hidden on every channel (#12): a code submission made for an assessment whose scores the
student may not see yet shows them "submitted / judged, results hidden until <rule>" on the submission page and
lists, the problem page, ``/api/submissions``, the live WebSocket and the ``user:<id>`` notification, and is not
reachable through the Judge0 API; the course's staff see everything, and publishing shows it to the student.

The judge is not the subject here: a submission waits in the queue (no judge worker), and its report is recorded
through the api-tasks worker's own functions (``record_report`` and ``publish_final``), as a judge's would be."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar.testing import WebSocketTestSession
from redis.asyncio import Redis

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.accounts.services import ApiTokenService
from api.domain.submissions.judging import SubmissionJudged
from api.settings import Settings
from judge_worker.contracts import Verdict, user_channel
from tests.integration.courses.conftest import Cast, build_cast
from tests.integration.problems.support import Client, app_client, make_people, push, record_judged

SECRET_MESSAGE = "expected 42, got 41"


@dataclass(frozen=True)
class Exam:
    client: Client
    settings: Settings
    cast: Cast
    base: str  # /api/courses/<id>/assessments/<id>
    submission_id: str
    problem_slug: str


async def judge(
    settings: Settings, submission_id: str, *, verdict: Verdict = Verdict.WA, score: float = 37.5, attempt: int = 1
) -> None:
    """Record a judge's report for the submission and publish its final event, as api-tasks does."""
    await record_judged(settings, submission_id, verdict=verdict, score=score, attempt=attempt, message=SECRET_MESSAGE)


@asynccontextmanager
async def exam_with_submission(settings_env: dict[str, str], *, visibility: str = "on_publish") -> AsyncIterator[Exam]:
    async with app_client(settings_env) as (client, settings):  # no judge worker: the submission waits
        people = await make_people(settings)
        slug = f"addup{uuid.uuid4().hex[:4]}"
        assert (await push(client, people.instructor, slug, "addup")).status_code == 201
        await client.patch(f"/api/problems/{slug}", json={"visibility": "published"}, headers=people.instructor.headers)
        cast = await build_cast(client, settings)
        staff = cast.instructor.headers
        attached = await client.post(f"/api/courses/{cast.course_id}/problems", json={"slug": slug}, headers=staff)
        assert attached.status_code == 201, attached.text
        created = await client.post(
            f"/api/courses/{cast.course_id}/assessments",
            json={"title": "Midterm", "kind": "exam", "scoreVisibility": visibility},
            headers=staff,
        )
        base = f"/api/courses/{cast.course_id}/assessments/{created.json()['assessment']['id']}"
        question = {"type": "code", "problemId": attached.json()[0]["problemId"], "languages": ["python3"]}
        added = await client.post(f"{base}/questions", json=question, headers=staff)
        assert added.status_code == 201, added.text
        qid = added.json()["questions"][0]["id"]
        assert (await client.post(f"{base}/publish", json={"published": True}, headers=staff)).status_code == 200
        assert (await client.post(f"{base}/attempt", headers=cast.student.headers)).status_code == 200
        sent = await client.post(
            f"{base}/attempt/questions/{qid}/submissions",
            json={"language": "python3", "source": "print(41)\n"},
            headers=cast.student.headers,
        )
        assert sent.status_code == 201, sent.text
        yield Exam(client, settings, cast, base, sent.json()["submissionId"], slug)


def _assert_hidden(view: dict[str, Any]) -> None:
    assert view["verdict"] is None
    assert view["score"] is None
    assert view["cpuMs"] is None
    assert view["memoryKib"] is None
    assert view.get("results", []) == []
    assert view.get("message", "") == ""
    assert view["resultsHiddenUntil"] == "the instructor publishes the scores"


async def test_the_api_hides_an_unpublished_exam_submission_from_its_student_until_publication(
    settings_env: dict[str, str],
) -> None:
    async with exam_with_submission(settings_env) as exam:
        client, student = exam.client, exam.cast.student.headers
        await judge(exam.settings, exam.submission_id)
        detail = await client.get(f"/api/submissions/{exam.submission_id}", headers=student)
        assert detail.status_code == 200
        assert detail.json()["status"] == "done"
        _assert_hidden(detail.json())
        assert SECRET_MESSAGE not in detail.text
        listing = (await client.get("/api/submissions", headers=student)).json()
        assert [s["id"] for s in listing["items"]] == [exam.submission_id]
        _assert_hidden(listing["items"][0])
        # filtering by the verdict must not reveal it either
        for verdict in ("WA", "AC"):
            found = (await client.get(f"/api/submissions?verdict={verdict}", headers=student)).json()
            assert found["total"] == 0
            assert found["items"] == []

        # the course's staff see everything, the instructor and the TA alike
        for staff in (exam.cast.instructor, exam.cast.ta, exam.cast.admin):
            seen = (await client.get(f"/api/submissions/{exam.submission_id}", headers=staff.headers)).json()
            assert (seen["verdict"], seen["score"], seen["resultsHiddenUntil"]) == ("WA", 37.5, None), staff.name
            assert [r["verdict"] for r in seen["results"]] == ["AC", "WA"]

        published = await client.post(
            f"{exam.base}/publish", json={"scoresPublished": True}, headers=exam.cast.instructor.headers
        )
        assert published.status_code == 200, published.text
        shown = (await client.get(f"/api/submissions/{exam.submission_id}", headers=student)).json()
        assert (shown["verdict"], shown["score"], shown["resultsHiddenUntil"]) == ("WA", 37.5, None)
        found = (await client.get("/api/submissions?verdict=WA", headers=student)).json()
        assert found["total"] == 1


async def test_after_due_results_say_when_and_show_once_due(settings_env: dict[str, str]) -> None:
    async with exam_with_submission(settings_env, visibility="after_due") as exam:
        await judge(exam.settings, exam.submission_id)
        engine = create_engine(exam.settings)
        try:
            async with session_factory(engine)() as session:
                assessment = await session.get(m.Assessment, uuid.UUID(exam.base.rsplit("/", 1)[1]))
                assert assessment is not None
                assessment.due_at = datetime(2099, 1, 1, tzinfo=UTC)
                await session.commit()
        finally:
            await engine.dispose()
        view = (
            await exam.client.get(f"/api/submissions/{exam.submission_id}", headers=exam.cast.student.headers)
        ).json()
        assert view["verdict"] is None
        assert view["resultsHiddenUntil"] == "the due time (2099-01-01T00:00:00+00:00)"


async def _receive(ws: WebSocketTestSession, within: float = 20) -> dict[str, Any]:
    message = await asyncio.to_thread(ws.receive, True, within)
    text = message.get("text")
    assert isinstance(text, str), message
    decoded: dict[str, Any] = json.loads(text)
    return decoded


async def test_the_live_socket_and_the_notification_carry_no_hidden_result(settings_env: dict[str, str]) -> None:
    async with exam_with_submission(settings_env) as exam:
        redis = Redis.from_url(exam.settings.redis_url)
        notes = redis.pubsub()
        await notes.subscribe(user_channel(exam.cast.student.user_id))  # type: ignore[arg-type]
        session = await exam.client.websocket_connect(
            f"/ws/submissions/{exam.submission_id}", headers=exam.cast.student.headers
        )
        ws = await asyncio.to_thread(session.__enter__)
        try:
            snapshot = await _receive(ws)
            assert snapshot["type"] == "snapshot"
            assert snapshot["submission"]["status"] == "queued"
            assert snapshot["submission"]["resultsHiddenUntil"] == "the instructor publishes the scores"
            assert snapshot["progress"] is None
            await judge(exam.settings, exam.submission_id)
            final = await _receive(ws)
            assert final["type"] == "snapshot", "the judge's own final event is not relayed"
            assert final["submission"]["status"] == "done"
            _assert_hidden(final["submission"])
        finally:
            ws.__exit__(None, None, None)
        got = None
        for _ in range(50):
            got = await notes.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if got is not None:
                break
        assert got is not None, "the student is told the submission was judged"
        note = json.loads(got["data"])
        assert note["type"] == SubmissionJudged.__struct_config__.tag
        assert note["verdict"] is None
        assert note["score"] is None
        assert note["results_hidden_until"] == "the instructor publishes the scores"
        await notes.aclose()
        await redis.aclose()

        # the instructor's socket on the same (now judged) submission shows everything
        staff = await exam.client.websocket_connect(
            f"/ws/submissions/{exam.submission_id}", headers=exam.cast.instructor.headers
        )
        ws = await asyncio.to_thread(staff.__enter__)
        try:
            snap = await _receive(ws)
            assert snap["submission"]["verdict"] == "WA"
            assert snap["submission"]["resultsHiddenUntil"] is None
        finally:
            ws.__exit__(None, None, None)


async def test_the_pages_multiplexed_live_socket_carries_no_hidden_result_either(
    settings_env: dict[str, str],
) -> None:
    """The same rule on /api/live (one socket per page, api/domain/live/): only a status-only final snapshot."""
    async with exam_with_submission(settings_env) as exam:
        session = await exam.client.websocket_connect("/api/live", headers=exam.cast.student.headers)
        ws = await asyncio.to_thread(session.__enter__)
        channel = f"submission:{exam.submission_id}"
        try:
            await asyncio.to_thread(ws.send_text, json.dumps({"type": "subscribe", "channel": channel}))
            frames: list[dict[str, Any]] = []
            while not any(f.get("event") == "judge" for f in frames):
                frames.append(await _receive(ws))
            first = next(f for f in frames if f.get("event") == "judge")["data"]
            assert first["submission"]["resultsHiddenUntil"] == "the instructor publishes the scores"
            await judge(exam.settings, exam.submission_id)
            final: dict[str, Any] = {}
            while final.get("event") != "judge" or final["data"]["submission"]["status"] != "done":
                final = await _receive(ws)
                assert final.get("data", {}).get("type") != "case_finished", "no judge event reaches the student"
            assert final["data"]["type"] == "snapshot"
            _assert_hidden(final["data"]["submission"])
        finally:
            ws.__exit__(None, None, None)


async def test_pages_show_judged_results_hidden_and_staff_see_the_verdict(settings_env: dict[str, str]) -> None:
    async with exam_with_submission(settings_env) as exam:
        client = exam.client
        await judge(exam.settings, exam.submission_id)
        html = {"Accept": "text/html"}
        for path in (f"/submissions/{exam.submission_id}", "/submissions", f"/problems/{exam.problem_slug}"):
            page = await client.get(path, headers={**html, **exam.cast.student.headers})
            assert page.status_code == 200, path
            assert "data-results-hidden" in page.text, path
            assert "the instructor publishes the scores" in page.text, path
            assert "verdict-WA" not in page.text, path
            assert SECRET_MESSAGE not in page.text, path
            assert "37.5" not in page.text, path
        page = await client.get(f"/submissions/{exam.submission_id}", headers={**html, **exam.cast.instructor.headers})
        assert "verdict-WA" in page.text
        assert "data-results-hidden" not in page.text


async def test_the_judge0_api_cannot_reach_an_assessment_submission(settings_env: dict[str, str]) -> None:
    async with exam_with_submission(settings_env) as exam:
        await judge(exam.settings, exam.submission_id)
        engine = create_engine(exam.settings)
        try:
            async with session_factory(engine)() as session:
                user = await session.get(m.User, exam.cast.student.user_id)
                assert user is not None
                _, raw = await ApiTokenService(session=session).create_token(
                    user=user, name="judge0", scopes=[m.ApiScope.JUDGE0], expires_at=None
                )
                await session.commit()
        finally:
            await engine.dispose()
        token = {"X-Auth-Token": raw}
        one = await exam.client.get(f"/judge0/submissions/{exam.submission_id}", headers=token)
        assert one.status_code == 404
        batch = await exam.client.get(f"/judge0/submissions/batch?tokens={exam.submission_id}", headers=token)
        assert "WA" not in batch.text
        assert "37.5" not in batch.text
        mine = await exam.client.get("/judge0/submissions", headers=token)
        assert mine.status_code == 200
        assert mine.json()["submissions"] == []
