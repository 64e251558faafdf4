"""Code questions on a real judge fleet: a program submitted inside an attempt goes through the ordinary pipeline,
is linked to the attempt, and its judged score enters the assessment score with the penalty per wrong try."""

from __future__ import annotations

from typing import Any

from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.courses.conftest import build_cast
from tests.integration.problems.support import app_client, make_people, push

WRONG_PY = "print(0)\n"
SUM_PY = "import sys\nd = sys.stdin.read().split()\nprint(sum(int(x) for x in d[1 : int(d[0]) + 1]))\n"


async def test_a_code_question_counts_the_best_judged_try_less_its_penalty(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings
) -> None:
    async with fleet_factory() as fleet, app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, _settings):
        people = await make_people(settings)
        assert (await push(client, people.instructor, "addup", "addup")).status_code == 201
        published = await client.patch(
            "/api/problems/addup", json={"visibility": "published"}, headers=people.instructor.headers
        )
        assert published.status_code == 200
        cast = await build_cast(client, settings)
        staff = cast.instructor.headers
        attached = await client.post(f"/api/courses/{cast.course_id}/problems", json={"slug": "addup"}, headers=staff)
        assert attached.status_code == 201, attached.text
        problem_id = attached.json()[0]["problemId"]

        base = f"/api/courses/{cast.course_id}/assessments"
        created = await client.post(
            base, json={"title": "Lab exam", "kind": "exam", "scoreVisibility": "immediate"}, headers=staff
        )
        aid = created.json()["assessment"]["id"]
        question: dict[str, Any] = {
            "type": "code",
            "problemId": problem_id,
            "languages": ["python3"],
            "maxAttempts": 2,
            "penalties": [0, 50],
            "promptMd": "Add them up.",
        }
        added = await client.post(f"{base}/{aid}/questions", json=question, headers=staff)
        assert added.status_code == 201, added.text
        qid = added.json()["questions"][0]["id"]
        assert added.json()["questions"][0]["problemSlug"] == "addup"
        assert (await client.post(f"{base}/{aid}/publish", json={"published": True}, headers=staff)).status_code == 200

        student = cast.student.headers
        assert (await client.post(f"{base}/{aid}/attempt", headers=student)).status_code == 200
        submit = f"{base}/{aid}/attempt/questions/{qid}/submissions"
        wrong_language = await client.post(
            submit, json={"language": "cpp17", "source": "int main(){}"}, headers=student
        )
        assert wrong_language.status_code == 422
        assert wrong_language.json()["errors"][0]["key"] == "language"
        ids = []
        for source in (WRONG_PY, SUM_PY):
            resp = await client.post(submit, json={"language": "python3", "source": source}, headers=student)
            assert resp.status_code == 201, resp.text
            ids.append(resp.json()["submissionId"])
        verdicts = [(await fleet.wait_final(sid))["verdict"] for sid in ids]
        assert verdicts == ["WA", "AC"]
        third = await client.post(submit, json={"language": "python3", "source": SUM_PY}, headers=student)
        assert third.status_code == 409
        assert "attempts" in third.json()["detail"]

        mine = (await client.get(f"{base}/{aid}/attempt", headers=student)).json()
        assert [s["verdict"] for s in mine["submissions"]] == ["WA", "AC"]
        assert mine["score"] == 50.0  # right on the second try, which costs 50 %
        done = await client.post(f"{base}/{aid}/attempt/submit", headers=student)
        assert done.json()["state"] == "graded"
        after = await client.post(submit, json={"language": "python3", "source": SUM_PY}, headers=student)
        assert after.status_code == 409
        results = (await client.get(f"{base}/{aid}/results", headers=cast.ta.headers)).json()
        assert [(r["email"], r["score"]) for r in results] == [(cast.student.email, 50.0)]
