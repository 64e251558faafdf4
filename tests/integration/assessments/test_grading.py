"""Essay answers are graded by hand: they wait for a grader (counting 0), a TA scores them, the assessment score
follows, and every grade change is kept in the course's audit trail with the old and the new score."""

from __future__ import annotations

from tests.integration.assessments.test_assessments_api import MC
from tests.integration.courses.conftest import Cast, Client


async def test_an_essay_waits_for_a_grader_and_each_grade_is_audited(client: Client, cast: Cast) -> None:
    base = f"/api/courses/{cast.course_id}/assessments"
    staff, student = cast.instructor.headers, cast.student.headers
    created = await client.post(base, json={"title": "Essay quiz", "scoreVisibility": "immediate"}, headers=staff)
    aid = created.json()["assessment"]["id"]
    mc = (await client.post(f"{base}/{aid}/questions", json={**MC, "weight": 1}, headers=staff)).json()
    essay = await client.post(
        f"{base}/{aid}/questions", json={"type": "essay", "promptMd": "Explain recursion."}, headers=staff
    )
    assert essay.status_code == 201, essay.text
    mc_id, essay_id = mc["questions"][0]["id"], essay.json()["questions"][1]["id"]
    await client.post(f"{base}/{aid}/publish", json={"published": True}, headers=staff)
    await client.post(f"{base}/{aid}/attempt", headers=student)
    await client.put(f"{base}/{aid}/attempt/answers/{mc_id}", json={"choices": [0, 2]}, headers=student)
    wrong_shape = await client.put(f"{base}/{aid}/attempt/answers/{essay_id}", json={"choices": [1]}, headers=student)
    assert wrong_shape.status_code == 422
    saved = await client.put(
        f"{base}/{aid}/attempt/answers/{essay_id}",
        json={"text": "A function that calls itself. <script>alert(1)</script>"},
        headers=student,
    )
    assert saved.status_code == 200
    done = (await client.post(f"{base}/{aid}/attempt/submit", headers=student)).json()
    assert done["score"] == 50.0
    assert done["waitingForGrader"] == 1
    assert [a["waitingForGrader"] for a in done["answers"] if a["questionId"] == essay_id] == [True]

    page = await client.get(f"/courses/{cast.course_id}/assessments/{aid}/results", headers=cast.ta.headers)
    assert page.status_code == 200
    assert "A function that calls itself. &lt;script&gt;" in page.text  # a student's text is never markup
    assert "<script>alert(1)" not in page.text
    assert f"/results/{cast.student.user_id}/answers/{essay_id}" in page.text  # the grading form
    grade = f"{base}/{aid}/results/{cast.student.user_id}/answers/{essay_id}"
    assert (await client.put(grade, json={"percent": 80}, headers=student)).status_code == 403
    assert (await client.put(grade, json={"percent": 101}, headers=cast.ta.headers)).status_code == 400
    graded = await client.put(grade, json={"percent": 80}, headers=cast.ta.headers)
    assert graded.status_code == 200, graded.text
    mine = (await client.get(f"{base}/{aid}/attempt", headers=student)).json()
    assert mine["score"] == 90.0
    assert mine["waitingForGrader"] == 0
    assert (await client.put(grade, json={"percent": 100}, headers=staff)).status_code == 200
    results = (await client.get(f"{base}/{aid}/results", headers=cast.ta.headers)).json()
    assert [(r["score"], r["waitingForGrader"]) for r in results] == [(100.0, 0)]
    not_essay = f"{base}/{aid}/results/{cast.student.user_id}/answers/{mc_id}"
    refused = await client.put(not_essay, json={"percent": 100}, headers=staff)
    assert refused.status_code == 422

    trail = (await client.get(f"/api/courses/{cast.course_id}/audit", headers=staff)).json()
    entries = trail["items"] if isinstance(trail, dict) else trail
    grades = [e["details"] for e in entries if e["action"] == "answer_graded"]
    assert {(g["old"], g["new"]) for g in grades} == {(None, 80.0), (80.0, 100.0)}
    assert len(grades) == 2
