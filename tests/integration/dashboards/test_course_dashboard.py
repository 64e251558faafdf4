"""The course dashboard's aggregates against the hand-computed numbers of tests/integration/dashboards/known.py,
its CSV exports (formula cells neutralised), and who may read it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.dashboards.scores import scores_of
from api.settings import Settings
from tests.integration.courses.conftest import Client
from tests.integration.dashboards.known import Known


async def test_course_dashboard_matches_the_hand_computed_numbers(client: Client, known: Known) -> None:
    cast = known.cast
    resp = await client.get(f"/api/courses/{cast.course_id}/dashboard?days=30", headers=cast.ta.headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()

    activity = {row["day"]: row for row in data["activity"]}
    assert len(activity) == 30
    today = known.now.date().isoformat()
    assert activity[today] == {"day": today, "submissions": 5, "students": 3}
    ten_ago = (known.now - timedelta(days=10)).date().isoformat()
    assert activity[ten_ago] == {"day": ten_ago, "submissions": 1, "students": 1}
    assert sum(r["submissions"] for r in data["activity"]) == 6

    quiz = next(a for a in data["assessments"] if a["title"] == "Quiz 1")
    assert (quiz["audience"], quiz["started"], quiz["submitted"]) == (4, 3, 3)
    assert quiz["completionPercent"] == 75.0
    assert (quiz["mean"], quiz["median"]) == (50.0, 50.0)
    assert quiz["distribution"] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    sa, mc = quiz["questions"]
    assert (sa["type"], sa["answered"], sa["meanPercent"]) == ("short_answer", 3, 66.67)
    assert (mc["type"], mc["answered"], mc["meanPercent"]) == ("multiple_choice", 2, 50.0)
    exam = next(a for a in data["assessments"] if a["title"] == "Exam 1")
    assert (exam["started"], exam["submitted"], exam["completionPercent"], exam["mean"]) == (1, 0, 0.0, None)

    # each student's latest judged submission counts (A fixed test 2); a skipped test is not a run
    tests = {t["test"]: (t["runs"], t["failures"], t["failPercent"]) for t in data["tests"]}
    assert tests == {1: (3, 0, 0.0), 2: (3, 2, 66.7), 3: (2, 1, 50.0)}

    wrong = [(w["test"], w["verdict"], w["output"], w["count"]) for w in data["wrongOutputs"]]
    assert wrong == [(2, "WA", "3", 1), (2, "WA", "4", 1), (3, "TLE", "", 1)]

    risk = {r["displayName"]: r for r in data["atRisk"]}
    assert set(risk) == {"Cem", "Dan"}
    assert risk["Cem"]["reasons"] == ["mean score 0 (below 50)"]
    assert risk["Dan"]["reasons"] == ["missed 1 deadline", "inactive for 10 days"]
    assert risk["Dan"]["drillDown"] == f"/courses/{cast.course_id}/submissions?student={known.d}"


async def test_inactive_days_and_the_range_are_bounded(client: Client, known: Known) -> None:
    base = f"/api/courses/{known.cast.course_id}/dashboard"
    headers = known.cast.instructor.headers
    resp = await client.get(f"{base}?inactiveDays=11", headers=headers)
    risk = {r["displayName"]: r["reasons"] for r in resp.json()["atRisk"]}
    assert risk["Dan"] == ["missed 1 deadline"]
    few = await client.get(f"{base}?days=5", headers=headers)
    assert len(few.json()["activity"]) == 5
    assert few.json()["tests"][1]["runs"] == 3
    for bad in ("days=0", "days=367", "days=x", "inactiveDays=0"):
        assert (await client.get(f"{base}?{bad}", headers=headers)).status_code == 400, bad


async def test_every_table_exports_to_csv_with_formulas_neutralised(
    client: Client, known: Known, settings: Settings
) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as s:
            await s.execute(update(m.User).where(m.User.id == known.c).values(display_name="=HYPERLINK(1)"))
            await s.commit()
    finally:
        await engine.dispose()
    base = f"/api/courses/{known.cast.course_id}/dashboard"
    headers = known.cast.instructor.headers
    for table, first in (
        ("activity", "day,submissions,students"),
        ("assessments", "assessment,kind,audience,started,submitted,completion %,mean,median,0-9"),
        ("questions", "assessment,question,type,answered,mean %"),
        ("tests", "problem,test,runs,failures,fail %"),
        ("wrong-outputs", "problem,test,verdict,output,count"),
        ("at-risk", "student,email,missed deadlines,mean score,last active,reasons"),
    ):
        resp = await client.get(f"{base}/{table}.csv", headers=headers)
        assert resp.status_code == 200, (table, resp.text)
        assert resp.headers["content-type"].startswith("text/csv")
        assert resp.text.startswith(first), table
    at_risk = (await client.get(f"{base}/at-risk.csv", headers=headers)).text
    assert "'=HYPERLINK(1)" in at_risk
    assert ",=HYPERLINK" not in at_risk
    tests = (await client.get(f"{base}/tests.csv", headers=headers)).text.splitlines()
    assert tests[1:] == ["Sum,1,3,0,0.0", "Sum,2,3,2,66.7", "Sum,3,2,1,50.0"]
    assert (await client.get(f"{base}/nope.csv", headers=headers)).status_code == 404
    assert (await client.get(f"{base}/Activity.csv", headers=headers)).status_code == 400


async def test_students_and_outsiders_may_not_read_a_course_dashboard(client: Client, known: Known) -> None:
    base = f"/api/courses/{known.cast.course_id}/dashboard"
    for caller in (known.cast.student, known.cast.outsider):
        assert (await client.get(base, headers=caller.headers)).status_code == 403
        assert (await client.get(f"{base}/tests.csv", headers=caller.headers)).status_code == 403
    assert (await client.get(base)).status_code == 401


async def test_batch_scores_equal_the_assessments_own_scores(client: Client, known: Known, settings: Settings) -> None:
    """The dashboards score many attempts at once; each must equal what the assessment's results page shows."""
    url = f"/api/courses/{known.cast.course_id}/assessments/{known.quiz_id}/results"
    resp = await client.get(url, headers=known.cast.instructor.headers)
    assert resp.status_code == 200, resp.text
    own = sorted(r["score"] for r in resp.json() if r["score"] is not None)
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as s:
            quiz = await s.get(m.Assessment, known.quiz_id)
            assert quiz is not None
            batch = await scores_of(s, [quiz], now=known.now)
    finally:
        await engine.dispose()
    assert sorted(a.score for a in batch[known.quiz_id]) == own == [0.0, 50.0, 100.0]
