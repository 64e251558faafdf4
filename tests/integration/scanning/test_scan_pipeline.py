"""Code scanning through the whole pipeline on a real fleet: an instructor sets a code question's checks; a
student's submission is judged, then scanned in the sandbox by the judge worker; the report comes back through
api-tasks and is shown to the student (API and submission page) and the staff; bad settings are refused."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import app_client
from tests.integration.similarity.support import code_question

SOLUTION = """\
import sys
import os


def solve(values):
    return sum(sorted(values))


data = sys.stdin.read().split()
print(solve(int(x) for x in data[1 : int(data[0]) + 1]))
"""


async def _wait_scan(client: Any, url: str, headers: dict[str, str], within: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        resp = await client.get(url, headers=headers)
        last = resp
        if resp.status_code == 200 and resp.json()["status"] in ("done", "failed"):
            return dict(resp.json())
        await asyncio.sleep(0.2)
    raise AssertionError(f"no scan within {within} s: {last.status_code if last else None} {last.text if last else ''}")


async def test_a_judged_submission_is_scanned_in_the_sandbox_and_shown(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings
) -> None:
    async with (
        fleet_factory() as fleet,
        app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, _settings),
    ):
        question = await code_question(client, settings)
        cast = question.cast
        base = f"/api/courses/{cast.course_id}/assessments/{question.assessment_id}"
        scan_url = f"{base}/questions/{question.question_id}/scan"
        unset = await client.get(scan_url, headers=cast.ta.headers)
        assert unset.status_code == 200
        assert unset.json()["configured"] is False
        rules = [
            {"kind": "forbid_call", "name": "sorted", "message": "sort it yourself"},
            {"kind": "require_function", "name": "solve"},
            {"kind": "forbid_import", "name": "numpy"},
        ]
        bad = await client.put(
            scan_url, json={"rules": [{"kind": "forbid_magic", "name": "x"}]}, headers=cast.instructor.headers
        )
        assert bad.status_code in (400, 422), bad.text
        bad_points = await client.put(scan_url, json={"points": 150}, headers=cast.instructor.headers)
        assert bad_points.status_code in (400, 422)
        assert (await client.put(scan_url, json={"rules": rules}, headers=cast.ta.headers)).status_code == 403
        put = await client.put(
            scan_url, json={"rules": rules, "linter": True, "points": 20}, headers=cast.instructor.headers
        )
        assert put.status_code == 200, put.text
        assert put.json()["configured"] is True
        assert [r["name"] for r in put.json()["rules"]] == ["sorted", "solve", "numpy"]

        page_url = scan_url.removeprefix("/api")
        settings_page = await client.get(page_url, headers=cast.instructor.headers)
        assert settings_page.status_code == 200
        assert "forbid_call sorted: sort it yourself" in settings_page.text
        assert (await client.get(page_url, headers=cast.ta.headers)).status_code == 403

        published = await client.post(f"{base}/publish", json={"published": True}, headers=cast.instructor.headers)
        assert published.status_code == 200, published.text
        student = cast.student.headers
        assert (await client.post(f"{base}/attempt", headers=student)).status_code == 200
        sent = await client.post(
            f"{base}/attempt/questions/{question.question_id}/submissions",
            json={"language": "python3", "source": SOLUTION},
            headers=student,
        )
        assert sent.status_code == 201, sent.text
        submission_id = sent.json()["submissionId"]
        final = await fleet.wait_final(submission_id)
        assert final["verdict"] == "AC", final

        scan = await _wait_scan(client, f"/api/submissions/{submission_id}/scan", student)
        assert scan["status"] == "done", scan
        assert [(r["name"], r["passed"]) for r in scan["rules"]] == [
            ("sorted", False),
            ("solve", True),
            ("numpy", True),
        ]
        assert scan["fraction"] == 2 / 3
        assert scan["points"] == 20
        assert scan["linterRan"] is True
        lint = [f["message"] for f in scan["findings"] if f["source"] == "linter"]
        assert any("'os' imported but unused" in m for m in lint), scan["findings"]
        rule_hits = [(f["rule"], f["line"]) for f in scan["findings"] if f["source"] == "rule"]
        assert (0, 6) in rule_hits

        staff_view = await client.get(f"/api/submissions/{submission_id}/scan", headers=cast.ta.headers)
        assert staff_view.status_code == 200
        assert staff_view.json()["rules"] == scan["rules"]
        outsider = await client.get(f"/api/submissions/{submission_id}/scan", headers=cast.outsider.headers)
        assert outsider.status_code in (403, 404)

        # The scan is worth 20 % of the question: all tests passed (80) plus 2 of 3 rules (20 * 2/3).
        results = (await client.get(f"{base}/results", headers=cast.ta.headers)).json()
        assert [(r["email"], r["score"]) for r in results] == [(cast.student.email, 93.33)]

        page = await client.get(f"/submissions/{submission_id}", headers=student)
        assert page.status_code == 200
        assert "Code checks" in page.text
        assert "2 of 3 rules passed, worth 20.0 % of the question" in page.text
        assert "sort it yourself" in page.text
