"""Fairness: per-user rate limits and queued-submission caps answer 429; Runs wait behind submissions, and an
instructor's rejudges wait behind students' work, in the one judge queue the workers take jobs from."""

from __future__ import annotations

import uuid
from typing import Any

from api.db import models as m
from api.domain.submissions.judging import build_judge_request
from api.queue import JudgeQueue, Lane, create_arq_pool
from api.settings import Settings
from judge_worker.contracts import JUDGE_QUEUE, JudgeRequest
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import app_client, make_people, push
from tests.support.fleet import JudgeFleet

SOURCE = "print(6)\n"


async def _publish(client: Any, people: Any) -> None:
    assert (await push(client, people.instructor, "addup", "addup")).status_code == 201
    await client.patch("/api/problems/addup", json={"visibility": "published"}, headers=people.instructor.headers)


async def test_the_queued_cap_answers_429_with_retry_after(settings_env: dict[str, str], settings: Settings) -> None:
    people = await make_people(settings)
    # No judge worker listens on this Redis: submissions stay queued.
    async with app_client(settings_env, SUBMISSION_MAX_QUEUED="2") as (client, _):
        await _publish(client, people)
        body = {"problemSlug": "addup", "language": "python3", "source": SOURCE}
        for _ in range(2):
            assert (await client.post("/api/submissions", json=body, headers=people.student.headers)).status_code == 201
        third = await client.post("/api/submissions", json=body, headers=people.student.headers)
        assert third.status_code == 429
        assert int(third.headers["retry-after"]) >= 1
        assert "waiting to be judged" in third.json()["detail"]
        run = await client.post("/api/runs", json={**body, "stdin": ""}, headers=people.student.headers)
        assert run.status_code == 429  # runs count against the same cap
        other = await client.post("/api/submissions", json=body, headers=people.other.headers)
        assert other.status_code == 201  # per user


async def test_the_rate_limit_answers_429_per_user(settings_env: dict[str, str], settings: Settings) -> None:
    people = await make_people(settings)
    async with app_client(settings_env, SUBMISSION_RATE_PER_MINUTE="2", RUN_RATE_PER_MINUTE="1") as (client, _):
        await _publish(client, people)
        body = {"problemSlug": "addup", "language": "python3", "source": SOURCE}
        statuses = [
            (await client.post("/api/submissions", json=body, headers=people.student.headers)).status_code
            for _ in range(3)
        ]
        assert statuses == [201, 201, 429]
        runs = [
            (await client.post("/api/runs", json={**body, "stdin": "1"}, headers=people.student.headers)).status_code
            for _ in range(2)
        ]
        assert runs == [201, 429]
        limited = await client.post("/api/submissions", json=body, headers=people.student.headers)
        assert "too many submissions" in limited.json()["detail"]
        assert int(limited.headers["retry-after"]) >= 1
        assert (await client.post("/api/submissions", json=body, headers=people.other.headers)).status_code == 201


def _request(kind: str = "submission") -> JudgeRequest:
    return JudgeRequest(submission_id=uuid.uuid4(), language="python3", files={"main.py": SOURCE}, kind=kind)


async def test_lanes_order_the_one_judge_queue(redis_url: str) -> None:
    pool = await create_arq_pool(redis_url)
    try:
        queue = JudgeQueue(pool)
        rejudge, validation, run, submission = _request(), _request("validation"), _request("run"), _request()
        await queue.enqueue_judge(rejudge, lane=Lane.BACKGROUND)  # first in, but background
        await queue.enqueue_judge(validation)  # background by its kind
        await queue.enqueue_judge(run)  # the Run lane by its kind
        await queue.enqueue_judge(submission)  # last in, student lane
        order = [job.decode() for job in await pool.zrange(JUDGE_QUEUE, 0, -1)]
        assert order[:2] == [f"judge:{r.submission_id}:1" for r in (submission, run)]
        # Both background jobs come last (their order is their enqueue time, which may be the same millisecond).
        assert set(order[2:]) == {f"judge:{r.submission_id}:1" for r in (rejudge, validation)}
    finally:
        await pool.aclose()


async def test_a_worker_judges_students_before_an_earlier_rejudge_backlog(
    fleet_factory: FleetFactory,
) -> None:
    fleet: JudgeFleet
    async with fleet_factory(judges=0) as fleet:  # no worker yet: the queue fills up first
        problem = await fleet.create_problem(tests=[(b"", b"6\n")])
        rejudges = [await fleet.submit(problem, "python3", SOURCE, enqueue=False) for _ in range(3)]
        async with fleet.sessions() as session:
            problem_row = await session.get(m.Problem, problem)
            for sid in rejudges:  # an instructor's rejudge backlog, enqueued first
                row = await session.get(m.Submission, sid)
                assert row is not None
                await fleet.queue.enqueue_judge(build_judge_request(row, problem_row), lane=Lane.BACKGROUND)
        student = await fleet.submit(problem, "python3", SOURCE)  # enqueued last, in the student lane
        await fleet.start_judge(slots=1)
        finals = await fleet.wait_all_final([*rejudges, student])
        judged = sorted(finals, key=lambda f: f["judged_at"])
        assert judged[0]["id"] == str(student)
        assert all(f["verdict"] == "AC" for f in finals)
        assert await fleet.redis.zcard(JUDGE_QUEUE) == 0
