"""Grade pass-back over real HTTP to the stand-in platform (token by client assertion, score POST checked for the
bearer token and its scope), real PostgreSQL, real pylti1p3."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.lti import ags
from api.domain.lti.ags import send_due_grades, send_grade_job
from api.settings import Settings
from tests.integration.lti.lti_platform import INSTRUCTOR, LEARNER, StandInPlatform
from tests.integration.lti.support import launch

Client = AsyncTestClient[Litestar]
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def _csrf(client: Client) -> dict[str, str]:
    return {"x-csrf-token": client.cookies.get("verdict_csrf") or ""}


async def _setup(client: Client, platform: StandInPlatform, **extra: Any) -> tuple[str, str]:
    first, _t, _s = await launch(client, platform, sub="teacher-1", roles=(INSTRUCTOR,), resource_link_id="setup")
    course_id = first.headers["location"].removeprefix("/courses/")
    created = await client.post(
        f"/api/courses/{course_id}/assessments",
        json={"title": "Quiz 1", "kind": "quiz", **extra},
        headers=_csrf(client),
    )
    assert created.status_code == 201, created.text
    assessment_id = created.json()["assessment"]["id"]
    ags: dict[str, Any] = {
        AGS: {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitem": f"{platform.url}/lineitems/7/lineitem",
        }
    }
    client.cookies.clear()
    await launch(
        client,
        platform,
        sub="teacher-1",
        roles=(INSTRUCTOR,),
        resource_link_id="quiz-link",
        custom={"verdict_assessment_id": assessment_id},
    )
    client.cookies.clear()
    student, _t, _s = await launch(
        client, platform, sub="student-9", roles=(LEARNER,), resource_link_id="quiz-link", extra=ags
    )
    assert student.status_code == 303, student.text
    client.cookies.clear()
    await launch(client, platform, sub="teacher-1", roles=(INSTRUCTOR,), resource_link_id="setup")
    return course_id, assessment_id


async def _syncs(settings: Settings) -> list[m.LtiGradeSync]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(m.LtiGradeSync)))
    finally:
        await engine.dispose()


async def _run(settings: Settings, sync_id: str) -> str:
    engine = create_engine(settings)
    try:
        return await send_grade_job({"sessions": session_factory(engine)}, sync_id)
    finally:
        await engine.dispose()


async def test_release_sends_the_score_to_the_platform_and_retries_after_a_500(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    course_id, assessment_id = await _setup(client, registered)
    assert await _syncs(settings) == []  # nothing before release
    assert registered.scores == []
    resp = await client.post(
        f"/api/courses/{course_id}/grading/assessments/{assessment_id}/release", headers=_csrf(client)
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["visibleToStudents"] is True
    rows = await _syncs(settings)
    assert [r.status for r in rows] == [m.LtiGradeSyncStatus.PENDING]
    registered.fail_next = 1
    assert await _run(settings, str(rows[0].id)) == "pending"
    failed = (await _syncs(settings))[0]
    assert failed.attempts == 1
    assert failed.next_retry_at is not None
    assert failed.last_error
    assert registered.scores == []
    assert await _run(settings, str(rows[0].id)) == "sent"
    assert len(registered.scores) == 1
    score = registered.scores[0]
    assert score["userId"] == "student-9"
    assert "scoreGiven" not in score  # never started: no grade in the LMS (not a 0), as in Verdict's gradebook
    assert score["activityProgress"] == "Initialized"
    assert score["gradingProgress"] == "NotReady"
    assert score["lineitem"] == "/lineitems/7/lineitem"
    assert "timestamp" in score
    assert (await _syncs(settings))[0].attempts == 2


async def test_withdrawn_release_sends_nothing(client: Client, registered: StandInPlatform, settings: Settings) -> None:
    course_id, assessment_id = await _setup(client, registered)
    url = f"/api/courses/{course_id}/grading/assessments/{assessment_id}/release"
    assert (await client.post(url, headers=_csrf(client))).status_code == 200
    assert (await client.delete(url, headers=_csrf(client))).status_code == 200
    rows = await _syncs(settings)
    assert await _run(settings, str(rows[0].id)) == "pending"
    assert registered.scores == []
    assert (await _syncs(settings))[0].next_retry_at is None


async def test_status_api_lists_rows_and_retry_requeues_failed(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    course_id, assessment_id = await _setup(client, registered)
    url = f"/api/courses/{course_id}/grading/assessments/{assessment_id}/release"
    assert (await client.post(url, headers=_csrf(client))).status_code == 200
    rows = await _syncs(settings)
    registered.fail_next = 100
    for _ in range(6):
        await _run(settings, str(rows[0].id))
    listed = await client.get(f"/api/courses/{course_id}/lti/grade-sync")
    assert listed.status_code == 200, listed.text
    [row] = listed.json()
    assert row["status"] == "failed"
    assert row["attempts"] == 6
    assert "500" in row["lastError"]
    registered.fail_next = 0
    retried = await client.post(f"/api/courses/{course_id}/lti/grade-sync/retry", headers=_csrf(client))
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"requeued": 1}
    engine = create_engine(settings)
    try:
        assert await send_due_grades({"sessions": session_factory(engine)}) == 1  # the worker's sweep sends it
    finally:
        await engine.dispose()
    assert (await _syncs(settings))[0].status == m.LtiGradeSyncStatus.SENT
    assert len(registered.scores) == 1


async def test_status_page_shows_rows_to_staff(client: Client, registered: StandInPlatform, settings: Settings) -> None:
    course_id, assessment_id = await _setup(client, registered)
    url = f"/api/courses/{course_id}/grading/assessments/{assessment_id}/release"
    assert (await client.post(url, headers=_csrf(client))).status_code == 200
    page = await client.get(f"/courses/{course_id}/lti")
    assert page.status_code == 200, page.text
    assert "0 sent · 1 pending · 0 failed" in page.text
    assert 'data-sync-row="pending"' in page.text
    home = await client.get(f"/courses/{course_id}")  # the course's own page leads there
    assert f'href="/courses/{course_id}/lti"' in home.text


async def _course_with_nrps(client: Client, platform: StandInPlatform) -> str:
    """The course an instructor's first launch makes, with the LMS's member list URL (NRPS) recorded."""
    nrps = {
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": f"{platform.url}/nrps/memberships",
            "service_versions": ["2.0"],
        }
    }
    first, _t, _s = await launch(client, platform, sub="teacher-1", roles=(INSTRUCTOR,), extra=nrps)
    return str(first.headers["location"].removeprefix("/courses/"))


async def test_roster_import_creates_links_and_enrolls_idempotently(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    course_id = await _course_with_nrps(client, registered)
    registered.members = [
        {"user_id": "teacher-1", "roles": [INSTRUCTOR], "status": "Active", "name": "T One"},
        {"user_id": "s-1", "roles": [LEARNER], "status": "Active", "name": "Ann", "email": "ann@lms.example.org"},
        {"user_id": "s-2", "roles": [LEARNER], "status": "Active", "name": "Bob", "email": "bob@lms.example.org"},
        {"user_id": "s-3", "roles": [LEARNER], "status": "Inactive", "name": "Gone"},
    ]
    url = f"/api/courses/{course_id}/lti/roster-import"
    resp = await client.post(url, headers=_csrf(client))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"members": 3, "added": 2, "contexts": 1}
    members = (await client.get(f"/api/courses/{course_id}/members")).json()
    assert sorted((p["email"], p["role"]) for p in members) == [
        ("ann@lms.example.org", "student"),
        ("bob@lms.example.org", "student"),
        ("teacher-1@lms.example.org", "instructor"),
    ]
    again = await client.post(url, headers=_csrf(client))
    assert again.json() == {"members": 3, "added": 0, "contexts": 1}
    # the imported student's later launch signs in as the same account
    client.cookies.clear()
    await launch(client, registered, sub="s-1", roles=(LEARNER,))
    assert (await client.get("/api/me")).json()["email"] == "ann@lms.example.org"


async def test_a_roster_import_the_lms_refuses_or_never_answers_is_a_502_that_says_so(
    client: Client, registered: StandInPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    course_id = await _course_with_nrps(client, registered)
    registered.members = [{"user_id": "s-1", "roles": [LEARNER], "status": "Active", "email": "ann@lms.example.org"}]
    url = f"/api/courses/{course_id}/lti/roster-import"

    registered.fail_next = 1
    refused = await client.post(url, headers=_csrf(client))
    assert refused.status_code == 502, refused.text
    assert "refused the roster request (HTTP 500)" in refused.json()["detail"]

    monkeypatch.setattr(ags, "LMS_TIMEOUT_S", (2.0, 0.5))  # the worker's bound, shortened for the test
    registered.stall_s = 2.0
    started = time.monotonic()
    hung = await client.post(url, headers=_csrf(client))
    assert hung.status_code == 502, hung.text
    assert "could not be reached" in hung.json()["detail"]
    assert time.monotonic() - started < 1.9  # gave up at the read timeout, did not wait for the LMS

    registered.stall_s = 0.0
    members = (await client.get(f"/api/courses/{course_id}/members")).json()
    assert [p["email"] for p in members] == ["teacher-1@lms.example.org"]  # nothing half-imported
    assert (await client.post(url, headers=_csrf(client))).json()["added"] == 1


async def test_nothing_is_queued_while_scores_are_hidden(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    course_id, assessment_id = await _setup(
        client, registered, scoreVisibility="after_due", dueAt="2099-01-01T00:00:00Z"
    )
    url = f"/api/courses/{course_id}/grading/assessments/{assessment_id}/release"
    resp = await client.post(url, headers=_csrf(client))
    assert resp.status_code == 200, resp.text
    assert resp.json()["visibleToStudents"] is False
    assert await _syncs(settings) == []
    assert registered.scores == []

    engine = create_engine(settings)
    try:
        assert await send_due_grades({"sessions": session_factory(engine)}) == 0  # the sweep: still hidden
    finally:
        await engine.dispose()
    assert await _syncs(settings) == []


async def test_a_handed_in_attempt_arrives_with_its_score_out_of_100(
    client: Client, registered: StandInPlatform, settings: Settings
) -> None:
    course_id, assessment_id = await _setup(client, registered)
    base = f"/api/courses/{course_id}/assessments/{assessment_id}"
    for prompt, accepted in (("Capital of France?", "Paris"), ("2 + 2?", "4")):
        added = await client.post(
            f"{base}/questions",
            json={"type": "short_answer", "promptMd": prompt, "accepted": [accepted], "match": "case_insensitive"},
            headers=_csrf(client),
        )
        assert added.status_code == 201, added.text
    questions = [q["id"] for q in added.json()["questions"]]
    published = await client.post(f"{base}/publish", json={"published": True}, headers=_csrf(client))
    assert published.status_code == 200, published.text
    client.cookies.clear()
    await launch(client, registered, sub="student-9", roles=(LEARNER,), resource_link_id="quiz-link")
    assert (await client.post(f"{base}/attempt", headers=_csrf(client))).status_code == 200
    for question_id, text in zip(questions, ("paris", "5"), strict=True):  # one right, one wrong: 50 out of 100
        saved = await client.put(f"{base}/attempt/answers/{question_id}", json={"text": text}, headers=_csrf(client))
        assert saved.status_code == 200, saved.text
    assert (await client.post(f"{base}/attempt/submit", headers=_csrf(client))).status_code == 200
    client.cookies.clear()
    await launch(client, registered, sub="teacher-1", roles=(INSTRUCTOR,), resource_link_id="setup")
    released = await client.post(
        f"/api/courses/{course_id}/grading/assessments/{assessment_id}/release", headers=_csrf(client)
    )
    assert released.status_code == 200, released.text
    rows = await _syncs(settings)
    assert await _run(settings, str(rows[0].id)) == "sent"
    score = registered.scores[0]
    assert score["userId"] == "student-9"
    assert score["scoreGiven"] == 50.0
    assert score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
