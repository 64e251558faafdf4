"""The grading pages render for staff from the grading services, keep a student's program inert (in the listing
and in the page's embedded data), and stay closed to students; the take page includes the student's feedback."""

from __future__ import annotations

from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client
from tests.integration.grading.conftest import record_judged_program
from tests.integration.grading.test_grading_api import sit

HOSTILE = "# </script><script>alert(1)</script>\nprint('<b>hi</b>')\n"


async def test_the_grading_pages_render_and_keep_a_program_inert(
    client: Client, cast: Cast, settings: Settings
) -> None:
    s = await sit(client, cast, settings)
    assert cast.student.user_id is not None
    await record_judged_program(
        settings, user_id=cast.student.user_id, assessment_id=s.aid, question_id=s.code, source=HOSTILE, score=100
    )
    ta = cast.ta.headers
    pages = f"/courses/{cast.course_id}"
    book = await client.get(f"{pages}/gradebook", params={"expand": s.aid}, headers=ta)
    assert book.status_code == 200, book.text
    assert "Lab 1" in book.text
    assert "Import manual scores" in book.text
    assert f"/api/courses/{cast.course_id}/gradebook.csv?" in book.text
    queue = await client.get(f"{pages}/grading/assessments/{s.aid}", headers=ta)
    assert queue.status_code == 200
    assert "2 of 2 answers need a grader" in queue.text
    assert "Release grades" in queue.text
    one = await client.get(f"{pages}/grading/assessments/{s.aid}", params={"questionId": s.code}, headers=ta)
    assert "1 of 1 answers need a grader" in one.text
    answer = await client.get(f"{pages}/grading/answers/{s.attempt}/{s.code}", headers=ta)
    assert answer.status_code == 200, answer.text
    assert "<script>alert(1)" not in answer.text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in answer.text  # the listing
    assert "\\u003c/script\\u003e" in answer.text  # the embedded data
    assert 'aria-keyshortcuts="j n"' in answer.text
    assert "Keyboard shortcuts" in answer.text
    assert 'data-results data-test-count="3"' in answer.text
    regrades = await client.get(f"{pages}/grading/regrades", headers=ta)
    assert regrades.status_code == 200
    assert "No regrade requests." in regrades.text
    for url in (f"{pages}/gradebook", f"{pages}/grading/answers/{s.attempt}/{s.code}", f"{pages}/grading/regrades"):
        assert (await client.get(url, headers=cast.student.headers)).status_code == 403

    take = await client.get(f"{pages}/assessments/{s.aid}", headers=cast.student.headers)
    assert take.status_code == 200
    assert f'data-my-grades="/api/courses/{cast.course_id}/grades/assessments/{s.aid}"' in take.text
