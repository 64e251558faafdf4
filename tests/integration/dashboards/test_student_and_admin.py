"""The student's own dashboard and the admins' analytics against the hand-computed numbers of known.py; a score the
assessment does not show the student yet appears neither on the dashboard page nor in its JSON."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Client
from tests.integration.dashboards.known import Known


async def _publish_scores(settings: Settings, known: Known) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as s:
            await s.execute(update(m.Assessment).where(m.Assessment.id == known.quiz_id).values(scores_published=True))
            await s.commit()
    finally:
        await engine.dispose()


async def test_student_dashboard_lists_due_work_exams_first_with_server_time(client: Client, known: Known) -> None:
    resp = await client.get("/api/dashboard", headers=known.cast.student.headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    due = [(d["title"], d["kind"], d["state"]) for d in data["due"]]
    assert due == [("Exam 1", "exam", "in_progress"), ("Quiz 2", "quiz", "open")]
    exam, quiz2 = data["due"]
    assert 50 * 60 - 120 <= exam["secondsLeft"] <= 50 * 60  # the attempt's own deadline, from the server's clock
    assert 60 * 60 - 120 <= quiz2["secondsLeft"] <= 60 * 60
    easy = next(r for r in data["byDifficulty"] if r["key"] == "easy")
    assert (easy["solved"], easy["attempted"], easy["total"]) == (1, 1, 1)
    assert {"key": "dash-math", "solved": 1, "attempted": 1, "total": 1} in data["byTag"]
    # the exam's submission is the assessment's business: not in the practice list
    assert [(r["problemTitle"], r["verdict"]) for r in data["recent"]] == [("Sum", "WA"), ("Sum", "AC")] or [
        (r["problemTitle"], r["verdict"]) for r in data["recent"]
    ] == [("Sum", "AC"), ("Sum", "WA")]
    assert len(data["recent"]) == 2


async def test_a_hidden_score_is_on_neither_the_dashboard_nor_its_json(
    client: Client, known: Known, settings: Settings
) -> None:
    headers = known.cast.student.headers
    hidden = await client.get("/api/dashboard", headers=headers)
    assert hidden.json()["scores"] == []
    assert str(known.quiz_id) not in hidden.text  # Quiz 1 is submitted and scored 100, but not published
    assert "Quiz 1" not in hidden.text
    page = await client.get("/dashboard", headers=headers)
    assert page.status_code == 200
    assert "Quiz 1" not in page.text
    assert str(known.quiz_id) not in page.text

    await _publish_scores(settings, known)
    shown = (await client.get("/api/dashboard", headers=headers)).json()["scores"]
    assert [(p["title"], p["score"]) for p in shown] == [("Quiz 1", 100.0)]


async def test_admin_analytics_match_the_hand_computed_numbers(client: Client, known: Known) -> None:
    resp = await client.get("/api/analytics?days=30", headers=known.cast.admin.headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    today = known.now.date().isoformat()
    ten_ago = (known.now - timedelta(days=10)).date().isoformat()
    per_day = {r["period"]: r["users"] for r in data["activePerDay"]}
    assert per_day == {today: 3, ten_ago: 1}
    assert sorted(r["users"] for r in data["activePerWeek"]) == [1, 3]  # ten days apart: never the same week
    assert {(r["day"], r["key"], r["submissions"]) for r in data["byLanguage"]} == {
        (today, "python3", 5),
        (ten_ago, "python3", 1),
    }
    verdicts = {(r["key"], r["submissions"]) for r in data["byVerdict"] if r["day"] == today}
    assert verdicts == {("WA", 3), ("AC", 1), ("pending", 1)}
    assert data["queueWait"] == [{"day": today, "judged": 4, "p50Ms": 2500.0, "p90Ms": 3700.0}]
    assert data["judgeUse"] == [{"day": today, "judged": 4, "cpuSeconds": 0.4}]
    course = next(c for c in data["courses"] if c["courseId"] == str(known.cast.course_id))
    assert (course["students"], course["activeStudents"], course["submissions"]) == (4, 4, 6)
    assert (data["slots"], data["busy"]) == (0, 0)

    csv = await client.get("/api/analytics/queue-wait.csv", headers=known.cast.admin.headers)
    assert csv.status_code == 200
    assert csv.text.splitlines() == ["day,judged,p50 ms,p90 ms", f"{today},4,2500.0,3700.0"]
    for caller in (known.cast.instructor, known.cast.student):
        assert (await client.get("/api/analytics", headers=caller.headers)).status_code == 403
