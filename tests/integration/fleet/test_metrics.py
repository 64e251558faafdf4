"""Prometheus metrics and JSON logs, scraped from real processes: ``verdict serve``, ``verdict worker tasks`` and
``verdict worker judge`` with ``JUDGE_METRICS_PORT``."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.db import models as m
from api.lib.redis_server import find_free_port
from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import make_people
from tests.support.fleet import JudgeFleet

METRICS_TOKEN = "metrics-token-" + "m" * 32
AC = "print(sum(map(int, input().split())))"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(found: Samples, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def total(found: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and wanted <= ls)


def json_lines(fleet: JudgeFleet, name: str) -> Iterator[dict[str, Any]]:
    for process in fleet.processes:
        if process.name.startswith(name):
            for line in process.log.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    yield json.loads(line)


async def scrape(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url, headers=headers or {}, timeout=10)


async def test_metrics_and_logs_follow_a_submission_through_every_process(
    fleet_factory: FleetFactory, settings: Settings
) -> None:
    env = {"LOG_JSON": "1", "METRICS_TOKEN": METRICS_TOKEN}
    async with fleet_factory(judges=0, env=env) as fleet:
        port = find_free_port()
        await fleet.start_judge(slots=2, extra_env={"JUDGE_METRICS_PORT": str(port)})
        problem_id = await fleet.create_problem(tests=[(b"1 2\n", b"3\n"), (b"5 5\n", b"10\n")])
        people = await make_people(settings)
        request_id = f"trace-{uuid.uuid4().hex[:12]}"
        async with httpx.AsyncClient(base_url=fleet.api_url) as client:
            created = await client.post(
                "/api/submissions",
                json={"problemId": str(problem_id), "language": "python3", "source": AC},
                headers={**people.student.headers, "X-Request-Id": request_id},
            )
            assert created.status_code == 201, created.text
            wrong = await client.post(
                "/api/submissions",
                json={"problemId": str(problem_id), "language": "python3", "source": "print(4)"},
                headers=people.student.headers,
            )
            assert wrong.status_code == 201, wrong.text
            sid = created.json()["id"]
            assert (await fleet.wait_final(sid))["verdict"] == "AC"
            assert (await fleet.wait_final(wrong.json()["id"]))["verdict"] == "WA"
            shown = await client.get(f"/api/submissions/{sid}", headers=people.student.headers)
            assert shown.status_code == 200

        # The API: refused without the token, then the fleet and the queue as Prometheus text.
        assert (await scrape(f"{fleet.api_url}/metrics")).status_code == 401
        bad = await scrape(f"{fleet.api_url}/metrics", {"Authorization": "Bearer not-the-token"})
        assert bad.status_code == 401
        student = await scrape(f"{fleet.api_url}/metrics", people.student.headers)
        assert student.status_code == 403
        resp = await scrape(f"{fleet.api_url}/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/plain")
        api = samples(resp.text)
        assert value(api, "verdict_judge_workers", state="active") == 1
        assert value(api, "verdict_judge_slots_total") == 2
        assert value(api, "verdict_judge_busy_slots_total") == 0
        assert value(api, "verdict_judge_reports_total", verdict="AC", language="python3") == 1
        assert value(api, "verdict_judge_reports_total", verdict="WA", language="python3") == 1
        for lane in ("exam", "submit", "run", "background"):
            assert value(api, "verdict_queue_waiting", lane=lane) == 0
            assert value(api, "verdict_queue_estimated_wait_seconds", lane=lane) == 0
        posts = total(
            api, "verdict_http_request_duration_seconds_count", method="POST", route="/api/submissions", status="2xx"
        )
        assert posts == 2
        routes = {dict(ls)["route"] for (n, ls) in api if n == "verdict_http_request_duration_seconds_count"}
        assert any(r.startswith("/api/submissions/{") for r in routes), routes
        assert not [ls for (n, ls) in api if n.startswith("verdict_http") and ("route", sid) in ls]  # templates only

        # The worker, on its own port: pickup latency, judge time per language, verdicts, slots.
        judge = samples((await scrape(f"http://127.0.0.1:{port}/metrics")).text)
        assert value(judge, "verdict_judge_pickup_latency_seconds_count", kind="submission") == 2
        assert value(judge, "verdict_judge_duration_seconds_count", language="python3") == 2
        assert value(judge, "verdict_judge_duration_seconds_sum", language="python3") > 0
        assert value(judge, "verdict_judge_jobs_total", language="python3", verdict="AC") == 1
        assert value(judge, "verdict_judge_slots") == 2
        assert value(judge, "verdict_judge_busy_slots") == 0
        assert value(judge, "verdict_judge_draining") == 0

        # JSON logs: the request id set by the client follows the submission into the worker and api-tasks.
        def carrying(name: str) -> list[dict[str, Any]]:
            return [e for e in json_lines(fleet, name) if e.get("submission_id") == sid]

        api_lines = carrying("api")
        assert any(e.get("request_id") == request_id and "enqueued" in e["message"] for e in api_lines), api_lines
        judge_lines = carrying("judge")
        assert any(e.get("request_id") == request_id and "judged" in e["message"] for e in judge_lines), judge_lines
        task_lines = carrying("api-tasks")
        assert any(e.get("request_id") == request_id and "recorded" in e["message"] for e in task_lines), task_lines


async def test_queue_metrics_count_waiting_jobs_per_lane_when_no_judge_runs(
    fleet_factory: FleetFactory,
) -> None:
    async with fleet_factory(judges=0, env={"METRICS_TOKEN": METRICS_TOKEN}) as fleet:
        problem_id = await fleet.create_problem(tests=[(b"1 2\n", b"3\n")])
        for _ in range(3):
            await fleet.submit(problem_id, "python3", AC)
        await fleet.submit(None, "python3", AC, kind=m.SubmissionKind.RUN, stdin=b"1 2\n")
        started = time.monotonic()
        await asyncio.sleep(1.1)
        resp = await scrape(f"{fleet.api_url}/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
        found = samples(resp.text)
        assert value(found, "verdict_queue_waiting", lane="submit") == 3
        assert value(found, "verdict_queue_waiting", lane="run") == 1
        assert value(found, "verdict_queue_waiting", lane="background") == 0
        assert value(found, "verdict_queue_waiting", lane="exam") == 0
        assert 1.0 <= value(found, "verdict_queue_oldest_wait_seconds", lane="submit") <= time.monotonic() - started + 5
        assert value(found, "verdict_queue_depth_total") == 4
        assert value(found, "verdict_judge_workers", state="active") == 0
        assert ("verdict_queue_estimated_wait_seconds", frozenset({("lane", "submit")})) not in found  # no judge
