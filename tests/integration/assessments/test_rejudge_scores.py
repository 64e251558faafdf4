"""A rejudge recomputes the assessment scores it affects: assessment scores are derived from the linked
submissions each time they are shown, so the student's attempt and the staff's results table follow the new
judging at once (no stored score to forget)."""

from __future__ import annotations

from judge_worker.contracts import Verdict
from tests.integration.assessments.test_hidden_results import exam_with_submission, judge


async def test_a_rejudge_changes_the_attempt_score_and_the_results_table(settings_env: dict[str, str]) -> None:
    async with exam_with_submission(settings_env, visibility="immediate") as exam:
        client, cast = exam.client, exam.cast
        await judge(exam.settings, exam.submission_id, verdict=Verdict.WA, score=25.0)
        before = (await client.get(f"{exam.base}/attempt", headers=cast.student.headers)).json()
        assert before["score"] == 25.0
        rejudged = await client.post(f"/api/submissions/{exam.submission_id}/rejudge", headers=cast.instructor.headers)
        assert rejudged.status_code == 200, rejudged.text
        assert rejudged.json()["attempt"] == 2
        waiting = (await client.get(f"{exam.base}/attempt", headers=cast.student.headers)).json()
        assert waiting["submissions"][0]["status"] == "queued"
        await judge(exam.settings, exam.submission_id, verdict=Verdict.AC, score=100.0, attempt=2)
        after = (await client.get(f"{exam.base}/attempt", headers=cast.student.headers)).json()
        assert after["score"] == 100.0
        assert after["submissions"][0]["verdict"] == "AC"
        results = (await client.get(f"{exam.base}/results", headers=cast.instructor.headers)).json()
        assert [(r["email"], r["score"]) for r in results] == [(cast.student.email, 100.0)]
