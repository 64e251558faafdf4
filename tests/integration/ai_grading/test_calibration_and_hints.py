"""Calibration: hand-graded answers are the yardstick (agreement per rubric item, points difference) and worked
examples in the prompt. Hints: "explain my failing test" for visible tests only, streamed as server-sent events,
per assessment (never in exams), rate-limited per student, a stream that starts quoting hidden data is cut."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.ai_grading.leaks import normalise
from api.lib.timeutil import utcnow
from api.settings import Settings
from judge_worker.contracts import TestSetData
from tests.integration.ai_grading.fake_openai import FakeOpenAI
from tests.integration.ai_grading.support import ESSAYS, HIDDEN_INPUT, Client, Lab, make_lab, run_job
from tests.integration.courses.conftest import Cast


async def test_calibration_measures_agreement_on_hand_graded_answers_and_uses_them_as_examples(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    lab = await make_lab(client, cast, settings)
    ta = cast.ta.headers
    url = f"{lab.ai}/questions/{lab.essay_id}/calibration"
    empty = (await client.get(url, headers=ta)).json()
    assert (empty["handGraded"], empty["compared"], empty["agreement"], empty["run"]) == (0, 0, None, None)
    too_soon = await client.post(url, headers=ta)
    assert too_soon.status_code == 400
    assert "by hand first" in too_soon.json()["detail"]

    explains, linear = (i["id"] for i in lab.essay_items)
    ana, ben = lab.answer(lab.attempts["ana"], lab.essay_id), lab.answer(lab.attempts["ben"], lab.essay_id)
    for item in (explains, linear):
        assert (await client.put(f"{ana}/rubric/{item}", headers=ta)).status_code == 200
    assert (await client.put(f"{ben}/comment", json={"text": "Recursion is not asked for."}, headers=ta)).status_code
    started = await client.post(url, headers=ta)
    assert started.status_code == 202, started.text
    assert await run_job(settings, started.json()["id"]) == "done"

    calibration = (await client.get(url, headers=ta)).json()
    # the stand-in applies item 1 only: ana (both items by hand) agrees on item 1, ben (none) on item 2
    assert (calibration["handGraded"], calibration["compared"]) == (2, 2)
    assert calibration["agreement"] == 0.5
    assert [(i["title"], i["agreement"], i["answers"]) for i in calibration["items"]] == [
        ("Explains the loop", 0.5, 2),
        ("Mentions linear time", 0.5, 2),
    ]
    assert calibration["meanPointsDiff"] == 50.0  # |60 - 100| for ana, |60 - 0| for ben
    # calibration proposals are no proposals: nothing to accept, nothing marked
    assert (await client.get(f"{lab.ai}/proposals", headers=ta)).json() == []

    # each calibration request shows the other hand-graded answer as a worked example, never the answer itself
    first = fake_openai.requests[0]["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant", "user"]
    assert ESSAYS["ben"].splitlines()[0] in first[1]["content"]
    assert ESSAYS["ana"].splitlines()[0] in first[3]["content"]
    assert ESSAYS["ana"].splitlines()[0] not in first[1]["content"]
    assert "Recursion is not asked for." in first[2]["content"]

    page = await client.get(f"/courses/{cast.course_id}/grading/assessments/{lab.assessment_id}/ai", headers=ta)
    assert page.status_code == 200
    assert "50 %" in page.text

    fake_openai.requests.clear()
    run = await client.post(
        f"{lab.ai}/assessments/{lab.assessment_id}/runs", json={"questionId": lab.essay_id}, headers=ta
    )
    assert await run_job(settings, run.json()["id"]) == "done"
    assert run.json()["id"]
    graded = (await client.get(f"{lab.ai}/runs/{run.json()['id']}", headers=ta)).json()
    assert graded["total"] == 2  # the cast's student and cleo: the hand-graded ones are not graded again
    assert all(len(body["messages"]) == 6 for body in fake_openai.requests)  # two worked examples each


async def _student_submission(settings: Settings, lab: Lab, results: list[dict[str, Any]]) -> uuid.UUID:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            question = await session.get(m.AssessmentQuestion, uuid.UUID(lab.code_id))
            assert question is not None
            problem = await session.get(m.Problem, uuid.UUID(question.config["problemId"]))
            assert problem is not None
            submission = m.Submission(
                user_id=lab.cast.student.user_id,
                problem_id=problem.id,
                language="python3",
                files={"main.py": "n = int(input())\nprint(n)\n"},
                status=m.SubmissionStatus.DONE,
                verdict="WA",
                score=0.0,
                results=results,
                testset_digest=problem.testset_digest,
                judged_at=utcnow(),
            )
            session.add(submission)
            await session.flush()
            session.add(
                m.AssessmentSubmission(
                    attempt_id=lab.student_attempt, question_id=question.id, submission_id=submission.id
                )
            )
            stored = await session.get(m.TestSet, problem.testset_digest)
            assert stored is not None
            names = [t.name for t in msgspec.msgpack.decode(stored.data, type=TestSetData).tests]
            await session.commit()
            assert names[0].startswith("sample/")
            return submission.id
    finally:
        await engine.dispose()


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append((fields["event"], msgspec.json.decode(fields.get("data", "{}"))))
    return out


async def test_hints_explain_a_failing_visible_test_streamed_and_rate_limited(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    lab = await make_lab(client, cast, settings, score_visibility="immediate")
    student = cast.student.headers
    hidden_index = 4
    results = [{"index": i, "verdict": "WA"} for i in range(hidden_index + 1)]
    submission_id = await _student_submission(settings, lab, results)
    explain = f"{lab.course}/hints/assessments/{lab.assessment_id}/questions/{lab.code_id}/explain"
    body = {"submissionId": str(submission_id), "test": 0}

    off = await client.post(explain, json=body, headers=student)
    assert off.status_code == 409
    assert "not turned hints on" in off.json()["detail"]
    hints = f"{lab.ai}/assessments/{lab.assessment_id}/hints"
    settings_body = {"hintsEnabled": True, "hintsPerHour": 2, "hintTokenBudget": 10_000}
    assert (await client.put(hints, json=settings_body, headers=cast.ta.headers)).status_code == 403
    turned = await client.put(hints, json=settings_body, headers=cast.instructor.headers)
    assert turned.status_code == 200, turned.text
    assert turned.json()["allowed"] is True
    allowance = await client.get(f"{lab.course}/hints/assessments/{lab.assessment_id}", headers=student)
    assert allowance.json()["allowed"] is True
    page = await client.get(f"/submissions/{submission_id}", headers=student)
    assert page.status_code == 200
    assert "Explain my failing test" in page.text
    offered = page.text.split("data-hint-form", 1)[1].split("</form>", 1)[0]
    # the samples and group1 (marked visible in problem.yaml); group2 is hidden and not offered
    assert offered.count("<option value=") == 4
    assert "secret/group2" not in offered
    staff_view = await client.get(f"/submissions/{submission_id}", headers=cast.instructor.headers)
    assert "Explain my failing test" not in staff_view.text  # offered to the owner only

    streamed = await client.post(explain, json=body, headers=student)
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = _events(streamed.text)
    assert [kind for kind, _ in events][-1] == "done"
    assert "".join(data["text"] for kind, data in events if kind == "chunk") == fake_openai.hint_text
    request = fake_openai.requests[-1]
    assert request["stream"] is True
    shown = normalise("\n".join(m["content"] for m in request["messages"]))
    assert normalise(HIDDEN_INPUT)[:40] not in shown

    hidden = await client.post(explain, json={**body, "test": hidden_index}, headers=student)
    assert hidden.status_code == 409
    assert "visible tests only" in hidden.json()["detail"]
    someone_else = await client.post(explain, json=body, headers=cast.outsider.headers)
    assert someone_else.status_code == 403

    fake_openai.default, fake_openai.leak_text = "leak", HIDDEN_INPUT
    cut = _events((await client.post(explain, json=body, headers=student)).text)
    assert [kind for kind, _ in cut][-1] == "withheld"
    said = "".join(data["text"] for kind, data in cut if kind == "chunk")
    assert normalise(HIDDEN_INPUT)[:40] not in normalise(said)

    limited = await client.post(explain, json=body, headers=student)  # the third in an hour, 2 allowed
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    usage = (await client.get(f"{lab.ai}/usage", headers=cast.instructor.headers)).json()
    assert [(r["kind"], r["calls"]) for r in usage["byKind"]] == [("hint", 2)]

    # the instructor's budget for the assessment's hints holds too
    small = {"hintsEnabled": True, "hintsPerHour": 50, "hintTokenBudget": 1}
    assert (await client.put(hints, json=small, headers=cast.instructor.headers)).status_code == 200
    spent = await client.post(explain, json=body, headers=student)
    assert spent.status_code == 409
    assert "used up their budget" in spent.json()["detail"]


async def test_no_hints_while_results_are_hidden(
    client: Client, cast: Cast, settings: Settings, fake_openai: FakeOpenAI
) -> None:
    lab = await make_lab(client, cast, settings)  # scores (and results) shown once the instructor publishes them
    submission_id = await _student_submission(settings, lab, [{"index": 0, "verdict": "WA"}])
    hints = f"{lab.ai}/assessments/{lab.assessment_id}/hints"
    assert (await client.put(hints, json={"hintsEnabled": True}, headers=cast.instructor.headers)).status_code == 200
    explain = f"{lab.course}/hints/assessments/{lab.assessment_id}/questions/{lab.code_id}/explain"
    refused = await client.post(
        explain, json={"submissionId": str(submission_id), "test": 0}, headers=cast.student.headers
    )
    assert refused.status_code == 409
    assert "results are hidden" in refused.json()["detail"]
    assert fake_openai.requests == []
    page = await client.get(f"/submissions/{submission_id}", headers=cast.student.headers)
    assert "Explain my failing test" not in page.text


async def test_no_hints_in_exams(client: Client, cast: Cast, settings: Settings) -> None:
    base = f"/api/courses/{cast.course_id}/assessments"
    created = await client.post(base, json={"title": "Final", "kind": "exam"}, headers=cast.instructor.headers)
    assert created.status_code == 201, created.text
    aid = created.json()["assessment"]["id"]
    hints = f"/api/courses/{cast.course_id}/ai/assessments/{aid}/hints"
    refused = await client.put(hints, json={"hintsEnabled": True}, headers=cast.instructor.headers)
    assert refused.status_code == 409
    assert "never offered in exams" in refused.json()["detail"]
    view = (await client.get(hints, headers=cast.ta.headers)).json()
    assert (view["allowed"], view["reason"]) == (False, "hints are never offered in exams")
