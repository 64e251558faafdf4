"""#22 item 4: staff opening a submission see whose it is, a link to that person's other submissions (not "your
submissions"), and rejudge where they may; a course TA reaches it through the course."""

from __future__ import annotations

import pytest
from litestar.exceptions import WebSocketDisconnect

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client


async def test_staff_see_whose_submission_it_is(client: Client, cast: Cast, settings: Settings) -> None:
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        problem = m.Problem(slug="owner-shown", title="Owner shown", visibility=m.ProblemVisibility.PUBLISHED)
        session.add(problem)
        await session.flush()
        session.add(m.CourseProblem(course_id=cast.course_id, problem_id=problem.id))
        submission = m.Submission(
            user_id=cast.student.user_id,
            problem_id=problem.id,
            language="python3",
            files={"main.py": "print(1)"},
            verdict="WA",
            status=m.SubmissionStatus.DONE,
            score=0.0,
        )
        session.add(submission)
        await session.commit()
        submission_id = submission.id
    await engine.dispose()

    own = await client.get(f"/submissions/{submission_id}", headers=cast.student.headers)
    assert own.status_code == 200
    assert "All your submissions to this problem" in own.text
    assert "Rejudge" not in own.text

    ta = await client.get(f"/submissions/{submission_id}", headers=cast.ta.headers)
    assert ta.status_code == 200
    assert "Student" in ta.text
    assert str(cast.student.email) in ta.text
    assert f"/courses/{cast.course_id}/submissions?student={cast.student.user_id}" in ta.text
    assert "your submissions" not in ta.text.lower()
    assert "Rejudge" not in ta.text  # a TA (platform student) may not rejudge

    instructor = await client.get(f"/submissions/{submission_id}", headers=cast.instructor.headers)
    assert "Their other submissions" in instructor.text
    assert f"/api/submissions/{submission_id}/rejudge" in instructor.text

    admin = await client.get(f"/submissions/{submission_id}", headers=cast.admin.headers)
    assert f"/submissions?user={cast.student.user_id}" in admin.text  # not in the course: the platform list
    listing = await client.get(f"/submissions?user={cast.student.user_id}", headers=cast.admin.headers)
    assert "Submissions of Student" in listing.text
    assert "Owner shown" in listing.text

    assert (await client.get(f"/submissions/{submission_id}", headers=cast.outsider.headers)).status_code == 404
    # a student asking for someone else's list gets their own
    other = await client.get(f"/submissions?user={cast.student.user_id}", headers=cast.outsider.headers)
    assert "Owner shown" not in other.text


async def test_a_course_ta_may_watch_a_course_submission_live(client: Client, cast: Cast, settings: Settings) -> None:
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        inside = m.Problem(slug="ws-inside", title="In", visibility=m.ProblemVisibility.PUBLISHED)
        session.add(inside)
        await session.flush()
        session.add(m.CourseProblem(course_id=cast.course_id, problem_id=inside.id))
        mine = m.Submission(
            user_id=cast.student.user_id,
            problem_id=inside.id,
            language="python3",
            verdict="AC",
            status=m.SubmissionStatus.DONE,
        )
        foreign = m.Submission(
            user_id=cast.outsider.user_id,
            problem_id=inside.id,
            language="python3",
            verdict="AC",
            status=m.SubmissionStatus.DONE,
        )
        session.add_all([mine, foreign])
        await session.commit()
        mine_id, foreign_id = mine.id, foreign.id
    await engine.dispose()
    with await client.websocket_connect(f"/ws/submissions/{mine_id}", headers=cast.ta.headers) as ws:
        snapshot = ws.receive_json()
        assert snapshot["type"] == "snapshot"
        assert snapshot["submission"]["verdict"] == "AC"
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        await client.websocket_connect(f"/ws/submissions/{foreign_id}", headers=cast.ta.headers) as ws,
    ):
        ws.receive_json()
    assert refused.value.code == 4404  # the outsider is not in the TA's course
