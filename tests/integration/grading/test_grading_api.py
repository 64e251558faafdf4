"""Grading through the API on real PostgreSQL: rubric items change every answer they are applied to, a stale edit
is refused with 409, overrides stay within 0..100 and need a reason, every score change is audited; grades are
released per assessment, regrades are refused before that, asked once, and resolved with the outcome recorded."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client
from tests.integration.grading.conftest import record_judged_program

SOURCE = "import sys\n\nprint(sum(map(int, sys.stdin.read().split())))\n"


@dataclass(frozen=True)
class Sitting:
    base: str
    aid: str
    essay: str
    code: str
    attempt: str


async def sit(
    client: Client, cast: Cast, settings: Settings, *, visibility: str = "on_publish", **settings_json: Any
) -> Sitting:
    """An assignment with an essay and a code question; the student answers both and hands in."""
    staff = cast.instructor.headers
    course = f"/api/courses/{cast.course_id}"
    problem = await client.post(
        f"{course}/problems/private", json={"slug": "grading-sum", "title": "Sum them"}, headers=staff
    )
    assert problem.status_code == 201, problem.text
    problem_id = problem.json()[0]["problemId"]
    base = f"{course}/assessments"
    created = await client.post(
        base,
        json={"title": "Lab 1", "kind": "assignment", "scoreVisibility": visibility, **settings_json},
        headers=staff,
    )
    aid = created.json()["assessment"]["id"]
    essay = await client.post(f"{base}/{aid}/questions", json={"type": "essay", "promptMd": "Explain."}, headers=staff)
    assert essay.status_code == 201, essay.text
    code = await client.post(
        f"{base}/{aid}/questions",
        json={"type": "code", "problemId": problem_id, "languages": ["python3"], "promptMd": "Add."},
        headers=staff,
    )
    assert code.status_code == 201, code.text
    essay_id, code_id = (q["id"] for q in code.json()["questions"])
    assert (await client.post(f"{base}/{aid}/publish", json={"published": True}, headers=staff)).status_code == 200
    student = cast.student.headers
    assert (await client.post(f"{base}/{aid}/attempt", headers=student)).status_code == 200
    saved = await client.put(f"{base}/{aid}/attempt/answers/{essay_id}", json={"text": "Loops."}, headers=student)
    assert saved.status_code == 200
    assert cast.student.user_id is not None
    await record_judged_program(
        settings, user_id=cast.student.user_id, assessment_id=aid, question_id=code_id, source=SOURCE, score=60
    )
    assert (await client.post(f"{base}/{aid}/attempt/submit", headers=student)).status_code == 200
    queue = await client.get(f"{course}/grading/assessments/{aid}/queue", headers=cast.ta.headers)
    assert queue.status_code == 200, queue.text
    entries = queue.json()
    assert [(e["questionType"], e["needsGrading"]) for e in entries] == [("essay", True), ("code", True)]
    return Sitting(base, aid, essay_id, code_id, entries[0]["attemptId"])


def _answer(cast: Cast, s: Sitting, question: str) -> str:
    return f"/api/courses/{cast.course_id}/grading/answers/{s.attempt}/{question}"


async def _trail(client: Client, cast: Cast) -> list[dict[str, Any]]:
    trail = (await client.get(f"/api/courses/{cast.course_id}/audit", headers=cast.instructor.headers)).json()
    entries: list[dict[str, Any]] = trail["items"] if isinstance(trail, dict) else trail
    return entries[::-1]  # oldest first


async def test_a_rubric_edit_changes_every_answer_and_a_stale_edit_is_refused(
    client: Client, cast: Cast, settings: Settings
) -> None:
    s = await sit(client, cast, settings)
    ta, staff = cast.ta.headers, cast.instructor.headers
    rubric = f"/api/courses/{cast.course_id}/grading/questions/{s.essay}/rubric"
    clear = (await client.post(rubric, json={"title": "Clear answer", "points": 30}, headers=ta)).json()
    typo = (await client.post(rubric, json={"title": "Typos", "points": -10}, headers=ta)).json()
    assert (clear["version"], typo["position"]) == (1, 1)

    essay = _answer(cast, s, s.essay)
    detail = (await client.get(essay, headers=ta)).json()
    assert (detail["score"], detail["baseScore"], detail["text"]) == (None, None, "Loops.")  # waiting for a grader
    assert (detail["next"]["questionId"], detail["previous"]) == (s.code, None)
    applied = (await client.put(f"{essay}/rubric/{clear['id']}", headers=ta)).json()
    assert applied["score"] == 30.0
    assert applied["applied"] == [clear["id"]]
    assert (await client.put(f"{essay}/rubric/{clear['id']}", headers=ta)).json()["score"] == 30.0  # twice: once
    assert (await client.put(f"{essay}/rubric/{typo['id']}", headers=ta)).json()["score"] == 20.0

    item = f"/api/courses/{cast.course_id}/grading/rubric/{clear['id']}"
    edited = await client.put(item, json={"version": 1, "title": "Clear answer", "points": 50}, headers=staff)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["appliedCount"]) == (2, 1)
    assert (await client.get(essay, headers=ta)).json()["score"] == 40.0  # computed from the item, not copied
    stale = await client.put(item, json={"version": 1, "title": "Clear", "points": 5}, headers=ta)
    assert stale.status_code == 409
    assert "someone else changed" in stale.json()["detail"]
    assert (await client.get(essay, headers=ta)).json()["score"] == 40.0
    assert (await client.delete(item, params={"version": 1}, headers=ta)).status_code == 409

    other = f"/api/courses/{cast.course_id}/grading/rubric/{typo['id']}"  # two graders edit at the same moment
    racing = await asyncio.gather(
        client.put(other, json={"version": 1, "title": "Typos", "points": -5}, headers=ta),
        client.put(other, json={"version": 1, "title": "Typos", "points": -15}, headers=staff),
    )
    assert sorted(r.status_code for r in racing) == [200, 409]
    winner = next(r for r in racing if r.status_code == 200).json()
    assert (await client.get(essay, headers=ta)).json()["score"] == 50.0 + winner["points"]
    assert (
        await client.put(other, json={"version": 2, "title": "Typos", "points": -10}, headers=ta)
    ).status_code == 200

    mine = (await client.get(f"{s.base}/{s.aid}/attempt", headers=staff)).status_code
    assert mine == 404  # staff have no attempt of their own
    results = (await client.get(f"{s.base}/{s.aid}/results", headers=ta)).json()
    assert [r["score"] for r in results] == [50.0]  # (40 + 60) / 2

    unapplied = (await client.delete(f"{essay}/rubric/{typo['id']}", headers=ta)).json()
    assert unapplied["score"] == 50.0
    trail = [e["details"] for e in await _trail(client, cast) if e["details"].get("question_id") == s.essay]
    changes = [(t["old"], t["new"]) for t in trail]
    assert changes[:3] == [(None, 30.0), (30.0, 20.0), (20.0, 40.0)]  # applied, applied, the item edited
    assert changes[3] == (40.0, 50.0 + winner["points"])  # the race's winner
    assert changes[4:] == [(50.0 + winner["points"], 40.0), (40.0, 50.0)]  # edited back, then removed
    assert all(t["why"] for t in trail)

    removed = await client.delete(item, params={"version": 2}, headers=ta)  # the item goes, and its points with it
    assert removed.status_code == 204
    after = (await client.get(essay, headers=ta)).json()
    assert (after["score"], after["applied"], [i["title"] for i in after["rubric"]]) == (None, [], ["Typos"])
    deleted = [e["details"] for e in await _trail(client, cast) if e["action"] == "rubric_item_deleted"]
    assert [(d["old"], d["new"]) for d in deleted] == [(50.0, None)]


async def test_overrides_stay_within_the_question_and_need_a_reason(
    client: Client, cast: Cast, settings: Settings
) -> None:
    s = await sit(client, cast, settings, visibility="immediate")
    ta = cast.ta.headers
    code = _answer(cast, s, s.code)
    detail = (await client.get(code, headers=ta)).json()
    assert (detail["source"], detail["language"], detail["baseScore"], detail["testCount"]) == (
        SOURCE,
        "python3",
        60.0,
        3,
    )
    for bad in (-1, 100.5, 1000):
        refused = await client.put(f"{code}/override", json={"percent": bad, "reason": "typo"}, headers=ta)
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["key"] == "percent"
    no_reason = await client.put(f"{code}/override", json={"percent": 80, "reason": " "}, headers=ta)
    assert no_reason.status_code == 422
    over = await client.put(f"{code}/override", json={"percent": 80, "reason": "works for n = 0"}, headers=ta)
    assert over.status_code == 200, over.text
    assert (over.json()["score"], over.json()["overridePercent"]) == (80.0, 80.0)
    assert over.json()["gradedAt"] is not None
    student_view = (await client.get(f"{s.base}/{s.aid}/attempt", headers=cast.student.headers)).json()
    assert student_view["score"] == 30.0  # the override is not shown before the grades are released: (0 + 60) / 2
    cleared = (await client.delete(f"{code}/override", headers=ta)).json()
    assert (cleared["score"], cleared["overridePercent"]) == (60.0, None)
    trail = [e for e in await _trail(client, cast) if e["details"].get("question_id") == s.code]
    assert [(e["action"], e["details"]["old"], e["details"]["new"]) for e in trail] == [
        ("score_overridden", 60.0, 80.0),
        ("override_cleared", 80.0, 60.0),
    ]
    assert trail[0]["details"]["why"] == "works for n = 0"
    assert trail[0]["actorId"] == str(cast.ta.user_id)
    pending = await client.get(
        f"/api/courses/{cast.course_id}/grading/assessments/{s.aid}/queue", params={"pending": True}, headers=ta
    )
    assert [e["questionType"] for e in pending.json()] == ["essay"]  # the code answer was graded


async def test_grades_are_released_then_the_student_sees_the_marks_and_may_ask_once_for_a_regrade(
    client: Client, cast: Cast, settings: Settings
) -> None:
    s = await sit(client, cast, settings)
    ta, student = cast.ta.headers, cast.student.headers
    course = f"/api/courses/{cast.course_id}"
    rubric = f"{course}/grading/questions/{s.code}/rubric"
    item = (await client.post(rubric, json={"title": "Handles empty input", "points": 20}, headers=ta)).json()
    code = _answer(cast, s, s.code)
    assert (await client.put(f"{code}/rubric/{item['id']}", headers=ta)).json()["score"] == 80.0
    comment = await client.post(f"{code}/comments", json={"line": 3, "text": "map is neat"}, headers=ta)
    assert comment.status_code == 201, comment.text
    assert (await client.post(f"{code}/comments", json={"line": 0, "text": "x"}, headers=ta)).status_code == 422
    await client.put(f"{code}/comment", json={"text": "Good work."}, headers=ta)

    grades = f"{course}/grades/assessments/{s.aid}"
    before = (await client.get(grades, headers=student)).json()
    assert (before["released"], before["questions"]) == (False, [])
    early = await client.post(f"{grades}/questions/{s.code}/regrade", json={"message": "please"}, headers=student)
    assert early.status_code == 409
    assert "not released" in early.json()["detail"]
    assert (await client.get(f"{s.base}/{s.aid}/attempt", headers=student)).json()["score"] is None  # on publish

    released = await client.post(f"{course}/grading/assessments/{s.aid}/release", headers=ta)
    assert released.status_code == 200, released.text
    assert (released.json()["released"], released.json()["visibleToStudents"]) == (True, True)
    after = (await client.get(grades, headers=student)).json()
    code_grade = next(q for q in after["questions"] if q["questionId"] == s.code)
    assert [r["title"] for r in code_grade["rubric"]] == ["Handles empty input"]
    assert [(c["line"], c["text"]) for c in code_grade["comments"]] == [(3, "map is neat")]
    assert (code_grade["overallComment"], code_grade["score"], code_grade["source"]) == ("Good work.", 80.0, SOURCE)
    assert (await client.get(f"{s.base}/{s.aid}/attempt", headers=student)).json()["score"] == 40.0

    asked = await client.post(
        f"{grades}/questions/{s.code}/regrade", json={"message": "Line 3 handles n = 0 too"}, headers=student
    )
    assert asked.status_code == 201, asked.text
    again = await client.post(f"{grades}/questions/{s.code}/regrade", json={"message": "again"}, headers=student)
    assert again.status_code == 409
    assert (await client.get(f"{course}/grading/regrades", headers=student)).status_code == 403
    listed = (await client.get(f"{course}/grading/regrades", params={"status": "open"}, headers=ta)).json()
    assert [(r["studentName"], r["message"], r["scoreBefore"]) for r in listed] == [
        ("Student", "Line 3 handles n = 0 too", 80.0)
    ]
    resolve = f"{course}/grading/regrades/{listed[0]['id']}/resolve"
    assert (await client.post(resolve, json={"outcome": "ok", "percent": 101}, headers=ta)).status_code == 422
    done = await client.post(resolve, json={"outcome": "Right: full marks.", "percent": 100}, headers=ta)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["scoreBefore"], body["scoreAfter"], body["resolverName"]) == (
        "resolved",
        80.0,
        100.0,
        "Ta",
    )
    assert (await client.post(resolve, json={"outcome": "twice"}, headers=ta)).status_code == 409
    regrades = next(
        q for q in (await client.get(grades, headers=student)).json()["questions"] if q["questionId"] == s.code
    )
    assert regrades["regrades"][0]["outcome"] == "Right: full marks."
    assert regrades["overrideReason"] == "Right: full marks."
    trail = [e for e in await _trail(client, cast) if e["action"] == "regrade_resolved"]
    assert [(e["details"]["old"], e["details"]["new"]) for e in trail] == [(80.0, 100.0)]


async def test_students_and_outsiders_are_kept_out_of_grading(client: Client, cast: Cast, settings: Settings) -> None:
    s = await sit(client, cast, settings)
    course = f"/api/courses/{cast.course_id}"
    staff_only = [
        ("GET", f"{course}/gradebook"),
        ("GET", f"{course}/gradebook.csv"),
        ("GET", f"{course}/grading/assessments/{s.aid}/queue"),
        ("GET", _answer(cast, s, s.code)),
        ("POST", f"{course}/grading/assessments/{s.aid}/release"),
        ("PUT", f"{_answer(cast, s, s.code)}/override"),
    ]
    for method, url in staff_only:
        for caller in (cast.student, cast.outsider):
            resp = await client.request(method, url, headers=caller.headers, json={"percent": 100, "reason": "me"})
            assert resp.status_code == 403, (method, url, caller.name)
        assert (await client.request(method, url, json={})).status_code == 401
    mine = f"{course}/grades/assessments/{s.aid}"
    assert (await client.get(mine, headers=cast.outsider.headers)).status_code == 403
    assert (await client.get(mine, headers=cast.ta.headers)).status_code == 404  # staff sat no attempt
    assert (await client.get(mine, headers=cast.student.headers)).status_code == 200


async def test_released_grades_still_wait_for_the_due_time_when_the_rule_says_so(
    client: Client, cast: Cast, settings: Settings
) -> None:
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    s = await sit(client, cast, settings, visibility="after_due", dueAt=due)
    course = f"/api/courses/{cast.course_id}"
    released = (await client.post(f"{course}/grading/assessments/{s.aid}/release", headers=cast.ta.headers)).json()
    assert (released["released"], released["visibleToStudents"]) == (True, False)
    grades = f"{course}/grades/assessments/{s.aid}"
    assert (await client.get(grades, headers=cast.student.headers)).json()["released"] is False
    asked = await client.post(
        f"{grades}/questions/{s.code}/regrade", json={"message": "?"}, headers=cast.student.headers
    )
    assert asked.status_code == 409
    withdrawn = await client.delete(f"{course}/grading/assessments/{s.aid}/release", headers=cast.ta.headers)
    assert withdrawn.json()["released"] is False
