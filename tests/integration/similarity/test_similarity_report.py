"""Similarity reports end to end: staff start one over HTTP, the real api-tasks worker (arq on Redis, PostgreSQL)
runs it and writes its progress, and the report ranks a disguised copy first and independent work low; the pair
page shows both sources escaped, matched regions marked."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import app_client
from tests.integration.similarity.support import add_submissions, code_question, filler_programs
from tests.unit.similarity.test_engine import DISGUISED, INDEPENDENT_1, INDEPENDENT_2, ORIGINAL

HOSTILE = '"""</code></pre><script>alert(1)</script>"""\n'


async def _wait_done(client: Any, url: str, headers: dict[str, str], within: float = 90) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        resp = await client.get(url, headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen.append(body)
        if body["status"] in ("done", "failed"):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"the report did not finish within {within} s: {seen[-1]}")


async def test_a_report_runs_on_the_worker_with_progress_and_ranks_the_copy_first(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings
) -> None:
    async with (
        fleet_factory(judges=0, api=False) as fleet,
        app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, _settings),
    ):
        question = await code_question(client, settings)
        cast = question.cast
        # Enough work that the comparison outlasts several progress writes (every 0.25 s) on a fast, idle machine:
        # 160 sources took under 0.5 s, and the report could go from 0 to done between two polls.
        fillers: dict[str, list[tuple[str, float | None]]] = {
            f"filler{i:03d}": [(text, 40.0)] for i, text in enumerate(filler_programs(400))
        }
        ids = await add_submissions(
            settings,
            question,
            {
                # the best try counts: the original's second try, not its first
                "ana": [("print(0)\n", 0.0), (ORIGINAL + HOSTILE, 100.0)],
                "ben": [(DISGUISED, 100.0)],
                "cleo": [(INDEPENDENT_1, 100.0)],
                "dan": [(INDEPENDENT_2, 90.0)],
                **fillers,
            },
        )
        assert (await client.post(question.api, json={}, headers=cast.student.headers)).status_code == 403
        assert (await client.get(question.api, headers=cast.ta.headers)).status_code == 404  # none yet

        too_long = await client.post(question.api, json={"boilerplate": "x" * 100_001}, headers=cast.ta.headers)
        assert too_long.status_code in (400, 422)
        unknown = await client.post(question.api, json={"language": "python3"}, headers=cast.ta.headers)
        assert unknown.status_code in (400, 422)
        elsewhere = question.api.replace(question.question_id, str(uuid.uuid4()))
        assert (await client.post(elsewhere, json={}, headers=cast.ta.headers)).status_code == 404
        started = await client.post(question.api, json={"boilerplate": ""}, headers=cast.ta.headers)
        assert started.status_code == 202, started.text
        report_id = started.json()["id"]
        assert started.json()["status"] == "queued"
        again = await client.post(question.api, json={}, headers=cast.instructor.headers)
        assert again.status_code == 409
        assert "already running" in again.json()["detail"]

        url = f"/api/courses/{cast.course_id}/similarity/{report_id}"
        seen = await _wait_done(client, url, cast.ta.headers)
        final = seen[-1]
        assert final["status"] == "done", final
        assert final["submissions"] == 4 + len(fillers)
        assert final["done"] == final["total"] == 2 * final["submissions"]
        in_between = [s for s in seen if s["status"] == "running" and 0 < s["done"] < s["total"]]
        assert in_between, [(s["status"], s["done"], s["total"]) for s in seen]
        assert [s["done"] for s in seen] == sorted(s["done"] for s in seen)

        pairs = final["pairs"]
        top = pairs[0]
        assert {top["submissionA"], top["submissionB"]} == {str(ids["ana:1"]), str(ids["ben:0"])}
        assert {top["studentA"], top["studentB"]} == {"ana", "ben"}
        assert min(top["similarityA"], top["similarityB"]) > 0.7
        independent = [p for p in pairs if {p["studentA"], p["studentB"]} == {"cleo", "dan"}]
        assert all(max(p["similarityA"], p["similarityB"]) < 0.3 for p in independent)
        assert str(ids["ana:0"]) not in {p["submissionA"] for p in pairs} | {p["submissionB"] for p in pairs}

        latest = await client.get(question.api, headers=cast.instructor.headers)
        assert latest.json()["id"] == report_id

        detail = await client.get(f"{url}/pairs/{top['id']}", headers=cast.ta.headers)
        assert detail.status_code == 200
        body = detail.json()
        for side in (body["a"], body["b"]):
            assert side["regions"]
            assert all(0 <= s < e <= len(side["text"]) for s, e in side["regions"])

        page = await client.get(
            f"/courses/{cast.course_id}/similarity/{report_id}/pairs/{top['id']}", headers=cast.ta.headers
        )
        assert page.status_code == 200
        assert '<mark class="similarity-match">' in page.text
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text

        report_page = await client.get(question.page, headers=cast.ta.headers)
        assert report_page.status_code == 200
        assert "Side by side" in report_page.text
        status = await client.get(f"/courses/{cast.course_id}/similarity/{report_id}/status", headers=cast.ta.headers)
        assert status.status_code == 200
        assert "hx-trigger" not in status.text  # done: polling stops
        assert (await client.get(question.page, headers=cast.student.headers)).status_code == 403
        results = await client.get(
            f"/courses/{cast.course_id}/assessments/{question.assessment_id}/results", headers=cast.ta.headers
        )
        assert f'href="{question.page}"' in results.text
