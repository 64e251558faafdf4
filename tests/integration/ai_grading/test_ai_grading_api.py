"""AI grading through the API on real PostgreSQL, the job run as the worker runs it, the model a stand-in server:
proposals are stored with model, prompt version, tokens and cost and reach a student only once staff accept them
and grades are released; prompts never hold hidden tests or the reference solution, and an output quoting them is
withheld and flagged; a failing endpoint leaves the answers for a human; runs can be cancelled; budgets hold."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from api.domain.ai_grading.leaks import normalise
from api.settings import Settings
from tests.integration.ai_grading.fake_openai import FakeOpenAI
from tests.integration.ai_grading.support import HIDDEN_ANSWER, HIDDEN_INPUT, Client, Lab, make_lab, run_job
from tests.integration.courses.conftest import Cast
from tests.packages import package_files

REFERENCE = package_files("addup")["submissions/accepted/sum.py"].decode()


async def _start(client: Client, lab: Lab, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = await client.post(f"{lab.ai}/assessments/{lab.assessment_id}/runs", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    run: dict[str, Any] = resp.json()
    return run


async def _run(client: Client, lab: Lab, run_id: str) -> dict[str, Any]:
    resp = await client.get(f"{lab.ai}/runs/{run_id}", headers=lab.cast.ta.headers)
    assert resp.status_code == 200, resp.text
    run: dict[str, Any] = resp.json()
    return run


async def _proposals(client: Client, lab: Lab, **params: str) -> list[dict[str, Any]]:
    resp = await client.get(f"{lab.ai}/proposals", params=params, headers=lab.cast.ta.headers)
    assert resp.status_code == 200, resp.text
    found: list[dict[str, Any]] = resp.json()
    return found


async def test_staff_approve_a_proposal_and_the_student_sees_exactly_that(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    lab = await make_lab(client, cast, settings)
    ta = cast.ta.headers
    status = (await client.get(f"{lab.ai}/status", headers=ta)).json()
    assert (status["available"], status["model"], status["reason"]) == (True, "fake-model-1", "")
    refused = await client.post(f"{lab.ai}/assessments/{lab.assessment_id}/runs", json={}, headers=cast.student.headers)
    assert refused.status_code == 403

    run = await _start(client, lab, ta)
    assert run["status"] == "queued"
    again = await client.post(f"{lab.ai}/assessments/{lab.assessment_id}/runs", json={}, headers=ta)
    assert again.status_code == 409
    assert "already going" in again.json()["detail"]
    assert await run_job(settings, run["id"]) == "done"
    run = await _run(client, lab, run["id"])
    # four essays (the cast's student and three more) and ana's program
    assert (run["status"], run["done"], run["total"], run["proposed"], run["withheld"], run["failed"]) == (
        "done",
        5,
        5,
        5,
        0,
        0,
    )

    progress = await _live_progress(settings, cast)
    assert [(e["done"], e["total"]) for e in progress][-3:] == [(4, 5), (5, 5), (5, 5)]
    assert progress[-1]["status"] == "done"

    prompts = normalise(fake_openai.prompts())
    for hidden in (HIDDEN_INPUT, HIDDEN_ANSWER * 3, REFERENCE):
        assert normalise(hidden)[:40] not in prompts
    assert "alooptotal" not in prompts  # sanity: normalised text is compared
    assert normalise("A loop adds each element to a running total.") in prompts

    queue_page = await client.get(f"/courses/{cast.course_id}/grading/assessments/{lab.assessment_id}", headers=ta)
    assert queue_page.text.count("proposal to review") == 5

    mine = await _proposals(client, lab, attemptId=str(lab.student_attempt), questionId=lab.essay_id)
    assert len(mine) == 1
    proposal = mine[0]
    assert proposal["status"] == "proposed"
    assert (proposal["model"], proposal["promptVersion"]) == ("fake-model-1", "grade-v1")
    assert (proposal["promptTokens"], proposal["completionTokens"], proposal["cost"]) == (100, 20, 0.00045)
    assert proposal["itemIds"] == [lab.essay_items[0]["id"]]
    assert proposal["points"] == 60.0
    assert [(r["title"], r["applies"], r["lines"]) for r in proposal["rationale"]] == [
        ("Explains the loop", True, [1]),
        ("Mentions linear time", False, [1]),
    ]

    # nothing reaches the student before staff approve (nor after, until grades are released)
    grades = f"{lab.course}/grades/assessments/{lab.assessment_id}"
    assert (await client.get(grades, headers=cast.student.headers)).json()["released"] is False
    detail = (await client.get(lab.answer(lab.student_attempt, lab.essay_id), headers=ta)).json()
    assert (detail["applied"], detail["overallComment"], detail["gradedAt"]) == ([], "", None)

    edited = "You explain the running total well. Say how long it takes, too."
    accepted = await client.post(f"{lab.ai}/proposals/{proposal['id']}/accept", json={"feedback": edited}, headers=ta)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["finalFeedback"]) == ("accepted", edited)
    twice = await client.post(f"{lab.ai}/proposals/{proposal['id']}/accept", json={}, headers=ta)
    assert twice.status_code == 409
    detail = (await client.get(lab.answer(lab.student_attempt, lab.essay_id), headers=ta)).json()
    assert detail["applied"] == [lab.essay_items[0]["id"]]
    assert (detail["overallComment"], detail["score"]) == (edited, 60.0)

    # an edit of the items: the grader applies "Mentions linear time" instead, and keeps the feedback
    ana = (await _proposals(client, lab, attemptId=str(lab.attempts["ana"]), questionId=lab.essay_id))[0]
    linear = lab.essay_items[1]["id"]
    swapped = await client.post(f"{lab.ai}/proposals/{ana['id']}/accept", json={"itemIds": [linear]}, headers=ta)
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["finalItemIds"] == [linear]
    ana_detail = (await client.get(lab.answer(lab.attempts["ana"], lab.essay_id), headers=ta)).json()
    assert (ana_detail["applied"], ana_detail["score"]) == ([linear], 40.0)
    assert ana_detail["overallComment"] == ana["feedback"]
    foreign = await client.post(
        f"{lab.ai}/proposals/{others_id(await _proposals(client, lab))}/accept",
        json={"itemIds": [lab.code_items[0]["id"]]},
        headers=ta,
    )
    assert foreign.status_code == 404  # a rubric item of another question

    others = await _proposals(client, lab, attemptId=str(lab.attempts["ben"]))
    rejected = await client.post(f"{lab.ai}/proposals/{others[0]['id']}/reject", headers=ta)
    assert rejected.json()["status"] == "rejected"
    ben = (await client.get(lab.answer(lab.attempts["ben"], lab.essay_id), headers=ta)).json()
    assert (ben["applied"], ben["overallComment"]) == ([], "")

    released = await client.post(
        f"{lab.course}/grading/assessments/{lab.assessment_id}/release", headers=cast.instructor.headers
    )
    assert released.status_code == 200, released.text
    seen = (await client.get(grades, headers=cast.student.headers)).json()
    assert seen["released"] is True
    essay = next(q for q in seen["questions"] if q["questionId"] == lab.essay_id)
    assert essay["overallComment"] == edited
    assert [r["title"] for r in essay["rubric"]] == ["Explains the loop"]
    assert essay["score"] == 60.0
    assert "Clear explanation" not in str(seen)  # the model's own wording was edited away

    trail = (await client.get(f"{lab.course}/audit", headers=cast.instructor.headers)).json()
    actions = {e["action"] for e in (trail["items"] if isinstance(trail, dict) else trail)}
    assert {"ai_run_started", "ai_proposal_accepted", "ai_proposal_rejected", "rubric_applied"} <= actions

    usage = await client.get(f"{lab.ai}/usage", headers=cast.instructor.headers)
    assert usage.status_code == 200, usage.text
    assert usage.json()["tokensUsed"] == 5 * 120
    assert (
        usage.json()["byKind"]
        == [{"kind": "grade", "calls": 5, "promptTokens": 500, "completionTokens": 100, "costUsed": 0.00225}]
        or usage.json()["byKind"][0]["calls"] == 5
    )
    assert (await client.get(f"{lab.ai}/usage", headers=ta)).status_code == 403


async def test_an_output_quoting_hidden_tests_or_the_reference_is_withheld_and_flagged(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    lab = await make_lab(client, cast, settings)
    ta = cast.ta.headers
    fake_openai.default = "leak"
    fake_openai.leak_text = HIDDEN_INPUT
    run = await _start(client, lab, ta, questionId=lab.essay_id)
    assert await run_job(settings, run["id"]) == "done"
    run = await _run(client, lab, run["id"])
    assert (run["total"], run["withheld"], run["proposed"]) == (4, 4, 0)
    found = await _proposals(client, lab, runId=run["id"])
    assert {p["status"] for p in found} == {"withheld"}
    assert {p["flagged"] for p in found} == {"quoted hidden test secret/group2/09 (input)"}
    assert all(p["feedback"] == "" and p["rationale"] == [] and p["itemIds"] == [] for p in found)
    refused = await client.post(f"{lab.ai}/proposals/{found[0]['id']}/accept", json={}, headers=ta)
    assert refused.status_code == 409
    assert "withheld" in refused.json()["detail"]

    fake_openai.leak_text = REFERENCE.replace("\n", " ")  # reflowed: still found
    run = await _start(client, lab, ta, questionId=lab.code_id)
    assert await run_job(settings, run["id"]) == "done"
    flagged = await _proposals(client, lab, runId=run["id"])
    assert [p["flagged"] for p in flagged] == ["quoted reference solution submissions/accepted/sum.py"]


async def test_hidden_data_in_another_answer_or_the_question_never_goes_into_a_prompt(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    from sqlalchemy import update

    from api.db import models as m
    from api.db.engine import create_engine, session_factory

    lab = await make_lab(client, cast, settings)
    ta = cast.ta.headers
    engine = create_engine(settings)
    try:  # ben hard-coded the hidden test into his essay; a TA grades it by hand: it would be a worked example
        async with session_factory(engine)() as session:
            await session.execute(
                update(m.AssessmentAnswer)
                .where(m.AssessmentAnswer.attempt_id == lab.attempts["ben"])
                .values(text=f"print('{HIDDEN_INPUT}')")
            )
            await session.commit()
    finally:
        await engine.dispose()
    ben = lab.answer(lab.attempts["ben"], lab.essay_id)
    assert (await client.put(f"{ben}/rubric/{lab.essay_items[0]['id']}", headers=ta)).status_code == 200
    ana = lab.answer(lab.attempts["ana"], lab.essay_id)
    assert (await client.put(f"{ana}/comment", json={"text": "Good."}, headers=ta)).status_code == 200
    run = await _start(client, lab, ta, questionId=lab.essay_id)
    assert await run_job(settings, run["id"]) == "done"
    assert (await _run(client, lab, run["id"]))["proposed"] == 2
    assert fake_openai.requests
    assert normalise(HIDDEN_INPUT)[:40] not in normalise(fake_openai.prompts())
    assert "Good." in fake_openai.prompts()  # ana's hand-graded answer is still an example

    for proposal in await _proposals(client, lab, runId=run["id"]):  # so that the answers are graded again
        assert (await client.post(f"{lab.ai}/proposals/{proposal['id']}/reject", headers=ta)).status_code == 200
    sent = len(fake_openai.requests)
    engine = create_engine(settings)
    try:  # the instructor quoted a hidden test in the question itself: nothing is sent at all
        async with session_factory(engine)() as session:
            await session.execute(
                update(m.AssessmentQuestion)
                .where(m.AssessmentQuestion.id == uuid.UUID(lab.essay_id))
                .values(prompt_md=f"Explain why {HIDDEN_INPUT} sums to a big number.")
            )
            await session.commit()
    finally:
        await engine.dispose()
    run = await _start(client, lab, ta, questionId=lab.essay_id)
    await run_job(settings, run["id"])
    failed = await _proposals(client, lab, runId=run["id"])
    assert failed
    assert all(p["status"] == "failed" and "not sent: the question or its rubric quotes" in p["error"] for p in failed)
    assert len(fake_openai.requests) == sent


async def test_a_failing_endpoint_leaves_the_answers_for_a_human(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    lab = await make_lab(client, cast, settings)
    ta = cast.ta.headers
    # the first answer: a 429 and a 500, then an answer; the second: malformed once, repaired; then the endpoint
    # breaks the schema twice (that answer fails), then it is down for good
    fake_openai.script = ["429", "500", "ok", "malformed", "ok", "schema", "schema"]
    fake_openai.default = "503"
    run = await _start(client, lab, ta)
    assert await run_job(settings, run["id"]) == "failed"
    run = await _run(client, lab, run["id"])
    assert (run["done"], run["total"], run["proposed"], run["failed"]) == (5, 5, 2, 3)
    assert run["message"].startswith("stopped: 3 answers in a row failed (the endpoint answered 503 (after 3 tries))")
    found = sorted(await _proposals(client, lab, runId=run["id"]), key=lambda p: p["createdAt"])
    assert [(p["status"], p["tries"]) for p in found] == [
        ("proposed", 3),
        ("proposed", 2),
        ("failed", 2),
        ("failed", 3),
        ("failed", 3),
    ]
    assert "broke the schema twice" in found[2]["error"]
    queue = (await client.get(f"{lab.course}/grading/assessments/{lab.assessment_id}/queue", headers=ta)).json()
    assert all(e["needsGrading"] for e in queue)  # nothing was marked

    fake_openai.script, fake_openai.default, fake_openai.slow_s = [], "slow", 1.5  # slower than OPENAI_TIMEOUT
    run = await _start(client, lab, ta, questionId=lab.code_id)
    assert await run_job(settings, run["id"]) == "done"
    slow = await _proposals(client, lab, runId=run["id"])
    assert [(p["status"], p["error"]) for p in slow] == [
        ("failed", "the endpoint did not answer in time (after 3 tries)")
    ]


async def test_a_run_can_be_cancelled(client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI) -> None:
    lab = await make_lab(client, cast, settings)
    ta = cast.ta.headers
    queued = await _start(client, lab, ta)
    cancelled = await client.post(f"{lab.ai}/runs/{queued['id']}/cancel", headers=ta)
    assert cancelled.json()["status"] == "cancelled"
    assert await run_job(settings, queued["id"]) == "gone"

    fake_openai.default, fake_openai.slow_s = "slow", 0.4
    run = await _start(client, lab, ta)
    job = asyncio.create_task(run_job(settings, run["id"]))
    for _ in range(100):
        if (await _run(client, lab, run["id"]))["done"] >= 1:
            break
        await asyncio.sleep(0.05)
    assert (await client.post(f"{lab.ai}/runs/{run['id']}/cancel", headers=ta)).json()["cancelRequested"] is True
    assert await job == "cancelled"
    run = await _run(client, lab, run["id"])
    assert run["status"] == "cancelled"
    assert 1 <= run["done"] < run["total"] == 5
    assert run["message"].startswith("cancelled by staff after")


async def test_off_when_not_configured_and_admins_set_a_course_endpoint_and_budget(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    lab = await make_lab(client, cast, settings)
    bare = Settings.from_env({**_env(settings), "OPENAI_BASE_URL": "", "OPENAI_API_KEY": "", "OPENAI_MODEL": ""})
    async with AsyncTestClient(app=create_app(bare)) as off:
        status = (await off.get(f"{lab.ai}/status", headers=cast.ta.headers)).json()
        assert status["available"] is False
        assert "OPENAI_BASE_URL" in status["reason"]
        refused = await off.post(f"{lab.ai}/assessments/{lab.assessment_id}/runs", json={}, headers=cast.ta.headers)
        assert refused.status_code == 409
        assert "not available" in refused.json()["detail"]
        page_url = f"/courses/{cast.course_id}/grading/assessments/{lab.assessment_id}/ai"
        page = await off.get(page_url, headers=cast.ta.headers)
        assert page.status_code == 200
        assert "AI is not configured on this platform" in page.text
        assert "Course AI settings" not in page.text  # for administrators only
        admin_page = await off.get(page_url, headers=cast.admin.headers)
        assert "Course AI settings (administrators)" in admin_page.text

        config = f"{lab.ai}/config"
        body = {"baseUrl": fake_openai.url, "model": "course-model", "apiKey": "sk-course", "tokenBudget": 200}
        assert (await off.put(config, json=body, headers=cast.instructor.headers)).status_code == 403
        set_ = await off.put(config, json=body, headers=cast.admin.headers)
        assert set_.status_code == 200, set_.text
        assert set_.json()["hasApiKey"] is True
        assert "sk-course" not in set_.text
        status = (await off.get(f"{lab.ai}/status", headers=cast.ta.headers)).json()
        assert (status["available"], status["model"], status["tokenBudget"]) == (True, "course-model", 200)

        run = await _start(off, lab, cast.ta.headers)
        assert await run_job(bare, run["id"]) == "failed"
        run = (await off.get(f"{lab.ai}/runs/{run['id']}", headers=cast.ta.headers)).json()
        assert run["done"] == 2  # 120 tokens each: the budget of 200 is used up after the second
        assert "token budget is used up" in run["message"]
        assert run["message"].endswith("3 answers left for a human")
        assert fake_openai.requests[-1]["model"] == "course-model"
        status = (await off.get(f"{lab.ai}/status", headers=cast.ta.headers)).json()
        assert status["available"] is False
        assert "budget" in status["reason"]

        # another endpoint without its own key: the platform's key is never sent there
        await off.put(config, json={"baseUrl": "http://127.0.0.1:9/v1", "model": "m"}, headers=cast.admin.headers)
        keyless = (await off.get(f"{lab.ai}/status", headers=cast.ta.headers)).json()
        assert keyless["available"] is False


def others_id(found: list[dict[str, Any]]) -> str:
    """A proposal still open on an essay answer."""
    essay = [p for p in found if p["rationale"] and p["rationale"][0]["title"] == "Explains the loop"]
    return str(next(p["id"] for p in essay if p["status"] == "proposed"))


async def _live_progress(settings: Settings, cast: Cast) -> list[dict[str, Any]]:
    """The ``ai_run`` events the job sent on the TA's live channel, in order."""
    from sqlalchemy import select

    from api.db import models as m
    from api.db.engine import create_engine, session_factory

    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(m.LiveEvent)
                .where(m.LiveEvent.channel == f"user:{cast.ta.user_id}", m.LiveEvent.type == "ai_run")
                .order_by(m.LiveEvent.event_id)
            )
            return [dict(r.data) for r in rows]
    finally:
        await engine.dispose()


def _env(settings: Settings) -> dict[str, str]:
    return {
        "VERDICT_ENV": "test",
        "VERDICT_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key,
        "JUDGE_TOKEN": settings.judge_token,
        "OPENAI_RETRY_BASE": "0",
    }


async def test_a_run_whose_worker_died_is_marked_lost_and_another_may_start(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from api.db import models as m
    from api.db.engine import create_engine, session_factory
    from api.lib.timeutil import utcnow

    lab = await make_lab(client, cast, settings)
    ta = cast.ta.headers
    first = await _start(client, lab, ta)
    engine = create_engine(settings)
    try:  # the worker took it and died: "running", no progress for 20 minutes
        async with session_factory(engine)() as session:
            await session.execute(
                update(m.AiGradingRun)
                .where(m.AiGradingRun.id == uuid.UUID(first["id"]))
                .values(status="running", updated_at=utcnow() - timedelta(minutes=20))
                .execution_options(synchronize_session=False)
            )
            await session.commit()
    finally:
        await engine.dispose()
    second = await _start(client, lab, ta)
    assert second["status"] == "queued"
    lost = await _run(client, lab, first["id"])
    assert lost["status"] == "failed"
    assert lost["message"].startswith("lost: no progress for 15 minutes")
    assert fake_openai.requests == []
