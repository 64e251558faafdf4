"""Where notifications come from: an assessment published and its grades released, a deadline within 24 hours
(once, not for those who handed in), and the e-mail digest of the kinds someone chose (through the SMTP stand-in)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.notifications.hooks import notify_deadlines, send_digests, submission_judged
from api.lib.mail import Mailer
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.accounts.conftest import MailSink
from tests.integration.community.support import Caller, Cast, Client


async def _kinds(client: Client, who: Caller) -> list[str]:
    items: list[dict[str, Any]] = (await client.get("/api/notifications", headers=who.headers)).json()["items"]
    return [item["kind"] for item in items]


async def test_publishing_and_releasing_grades_notify_the_audience(client: Client, cast: Cast) -> None:
    due = (utcnow() + timedelta(days=3)).isoformat()
    created = await client.post(
        f"/api/courses/{cast.course_id}/assessments",
        json={"title": "Quiz 1", "dueAt": due},
        headers=cast.instructor.headers,
    )
    assert created.status_code == 201, created.text
    base = f"/api/courses/{cast.course_id}/assessments/{created.json()['assessment']['id']}/publish"
    assert await _kinds(client, cast.student) == []  # a draft tells nobody
    assert (await client.post(base, json={"published": True}, headers=cast.instructor.headers)).status_code == 200
    assert await _kinds(client, cast.student) == ["new_assessment"]
    assert await _kinds(client, cast.ta) == []  # students are the audience
    assert (await client.post(base, json={"published": True}, headers=cast.instructor.headers)).status_code == 200
    assert await _kinds(client, cast.student) == ["new_assessment"]  # publishing again is no news
    assert (await client.post(base, json={"scoresPublished": True}, headers=cast.instructor.headers)).status_code == 200
    assert await _kinds(client, cast.student) == ["grade_released", "new_assessment"]


async def test_deadline_within_a_day_is_notified_once(client: Client, cast: Cast, settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            soon = m.Assessment(
                course_id=cast.course_id, title="Lab 2", published=True, due_at=utcnow() + timedelta(hours=5)
            )
            later = m.Assessment(
                course_id=cast.course_id, title="Lab 3", published=True, due_at=utcnow() + timedelta(days=4)
            )
            session.add_all([soon, later])
            await session.commit()
            assert await notify_deadlines(session) == 1
            await session.commit()
            assert await notify_deadlines(session) == 0  # once per assessment and person
            await session.commit()
    finally:
        await engine.dispose()
    items = (await client.get("/api/notifications", headers=cast.student.headers)).json()["items"]
    assert [i["kind"] for i in items] == ["deadline_soon"]
    assert items[0]["title"] == "Lab 2 is due in about 5 hours"


async def test_the_digest_mails_the_chosen_kinds_once(
    client: Client, cast: Cast, settings: Settings, mailbox: MailSink
) -> None:
    chosen = await client.put(
        "/api/notifications/preferences",
        json=[{"kind": "announcement", "web": True, "email": True}],
        headers=cast.student.headers,
    )
    assert chosen.status_code == 200
    for title in ("Room change", "Office hours"):
        await client.post(
            f"/api/courses/{cast.course_id}/announcements", json={"title": title}, headers=cast.instructor.headers
        )
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            assert await send_digests(session, Mailer(settings)) == 1
        async with session_factory(engine)() as session:
            assert await send_digests(session, Mailer(settings)) == 0
    finally:
        await engine.dispose()
    assert cast.student.email is not None
    mails = mailbox.to(cast.student.email)
    assert len(mails) == 1
    text = mails[0].get_body(("plain",))
    assert text is not None
    content = text.get_content()
    assert "Room change" in content
    assert "Office hours" in content
    assert mailbox.to(cast.ta.email or "") == []


async def test_a_judged_submission_notifies_its_author_without_the_verdict_inside_an_assessment(
    client: Client, cast: Cast, settings: Settings
) -> None:
    engine = create_engine(settings)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            problem = m.Problem(slug=f"judged-{uuid.uuid4().hex[:8]}", title="Echo")
            session.add(problem)
            await session.flush()
            practice = m.Submission(
                user_id=cast.student.user_id,
                problem_id=problem.id,
                language="python3",
                verdict="AC",
                status=m.SubmissionStatus.DONE,
            )
            run = m.Submission(
                user_id=cast.student.user_id,
                problem_id=problem.id,
                language="python3",
                verdict="AC",
                status=m.SubmissionStatus.DONE,
                kind=m.SubmissionKind.RUN,
            )
            exam_work = m.Submission(
                user_id=cast.student.user_id,
                problem_id=problem.id,
                language="python3",
                verdict="WA",
                status=m.SubmissionStatus.DONE,
            )
            exam = m.Assessment(course_id=cast.course_id, kind="exam", title="Final", published=True)
            session.add_all([practice, run, exam_work, exam])
            await session.flush()
            attempt = m.AssessmentAttempt(assessment_id=exam.id, user_id=cast.student.user_id, started_at=utcnow())
            session.add(attempt)
            await session.flush()
            question = m.AssessmentQuestion(assessment_id=exam.id, type="code", config={})
            session.add(question)
            await session.flush()
            session.add(
                m.AssessmentSubmission(attempt_id=attempt.id, question_id=question.id, submission_id=exam_work.id)
            )
            await session.commit()
        for submission in (practice, run, exam_work, practice):  # the same report twice: one notification
            await submission_judged(sessions, submission)
    finally:
        await engine.dispose()
    items = (await client.get("/api/notifications", headers=cast.student.headers)).json()["items"]
    titles = sorted(item["title"] for item in items)
    assert titles == ["Echo: AC", "Echo: judged"]
    assert {item["kind"] for item in items} == {"submission_judged"}
    assert all(item["link"].startswith("/submissions/") for item in items)
