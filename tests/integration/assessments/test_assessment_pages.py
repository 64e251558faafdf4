"""The assessment pages: the course page lists them, the editor and results are staff's, the take page shows a
student the questions without answers, their saved answers, the server's countdown and, when allowed, the score."""

from __future__ import annotations

from tests.integration.assessments.test_assessments_api import make_quiz, publish
from tests.integration.courses.conftest import Cast, Client


async def test_assessment_pages_for_students_and_staff(client: Client, cast: Cast) -> None:
    aid, (mc, _sa) = await make_quiz(client, cast, kind="exam", timeLimitMinutes=45, scoreVisibility="immediate")
    page = f"/courses/{cast.course_id}/assessments/{aid}"
    course = f"/courses/{cast.course_id}"

    staff_home = await client.get(course, headers=cast.instructor.headers)
    assert "Quiz 1" in staff_home.text
    assert "draft" in staff_home.text
    assert f"{page}/edit" in staff_home.text
    assert "Quiz 1" not in (await client.get(course, headers=cast.student.headers)).text  # a draft
    assert (await client.get(page, headers=cast.student.headers)).status_code == 404

    editor = await client.get(f"{page}/edit", headers=cast.instructor.headers)
    assert editor.status_code == 200
    assert "Pick the primes" in editor.text
    assert "Add a question" in editor.text
    new = await client.get(f"/courses/{cast.course_id}/assessments/new", headers=cast.instructor.headers)
    assert new.status_code == 200
    assert (await client.get(f"{page}/edit", headers=cast.ta.headers)).status_code == 403
    await publish(client, cast, aid)

    listed = await client.get(course, headers=cast.student.headers)
    assert f'href="{page}"' in listed.text
    before = await client.get(page, headers=cast.student.headers)
    assert before.status_code == 200
    assert "data-start" in before.text
    assert "45 minutes" in before.text
    await client.post(f"/api/courses/{cast.course_id}/assessments/{aid}/attempt", headers=cast.student.headers)
    await client.put(
        f"/api/courses/{cast.course_id}/assessments/{aid}/attempt/answers/{mc}",
        json={"choices": [2]},
        headers=cast.student.headers,
    )
    taking = await client.get(page, headers=cast.student.headers)
    assert "data-countdown" in taking.text
    assert 'data-remaining="26' in taking.text or 'data-remaining="27' in taking.text  # ~45 min, in seconds
    assert 'value="2" checked' in taking.text  # the saved answer, after a reload
    assert "data-finish" in taking.text
    await client.post(f"/api/courses/{cast.course_id}/assessments/{aid}/attempt/submit", headers=cast.student.headers)
    review = await client.get(page, headers=cast.student.headers)
    assert "Your score" in review.text
    assert "33.33" in review.text  # half of the weight-2 question, nothing for the short answer
    results = await client.get(f"{page}/results", headers=cast.ta.headers)
    assert results.status_code == 200
    assert cast.student.email is not None
    assert cast.student.email in results.text
    assert "33.33" in results.text
    assert (await client.get(f"{page}/results", headers=cast.student.headers)).status_code == 403
    staff_results = await client.get(f"{page}/results", headers=cast.instructor.headers)
    assert f"Reopen for {cast.student.name.title()}" in staff_results.text
    assert "data-accommodation" in staff_results.text
    assert "data-accommodation" not in results.text  # TAs see results, only instructors change accommodations
