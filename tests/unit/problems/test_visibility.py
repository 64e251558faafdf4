"""Who sees what of a result: Gradescope's four visibilities, for students, staff and Runs."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from api.domain.submissions.views import Audience, case_views, filter_event
from api.domain.submissions.websocket import event_message
from judge_worker.contracts import CaseFinished, CaseResult, Verdict

TESTS: list[dict[str, Any]] = [
    {"name": "sample/1", "visibility": "visible", "sample": True, "input_preview": "1\n", "answer_preview": "2\n"},
    {"name": "secret/1", "visibility": "visible", "sample": False, "input_preview": "3\n", "answer_preview": "6\n"},
    {"name": "secret/2", "visibility": "hidden", "sample": False},
    {"name": "secret/3", "visibility": "after_due_date", "sample": False, "input_preview": "5\n"},
    {"name": "secret/4", "visibility": "after_published", "sample": False, "input_preview": "7\n"},
]


def _result(index: int) -> dict[str, Any]:
    return {
        "index": index,
        "verdict": "WA",
        "stdout": "out",
        "stderr": "err",
        "stdout_truncated": True,
        "message": "expected 6, got 5",
        "points": 0.0,
        "max_points": 1.0,
    }


@pytest.mark.parametrize(
    ("audience", "shown"),
    [
        (Audience(staff=False), {0, 1}),
        (Audience(staff=False, due_passed=True), {0, 1, 3}),
        (Audience(staff=False, grades_published=True), {0, 1, 4}),
        (Audience(staff=True), {0, 1, 2, 3, 4}),
    ],
)
def test_each_visibility_shows_data_only_when_allowed(audience: Audience, shown: set[int]) -> None:
    views = case_views([_result(i) for i in range(5)], TESTS, audience)
    for view in views:
        assert view.verdict == "WA"  # the verdict is always shown
        if view.index in shown:
            assert not view.hidden
            assert view.stdout == "out"
            assert view.stdout_truncated
            assert view.message == "expected 6, got 5"
        else:
            assert view.hidden
            assert view.stdout is None
            assert view.stderr is None
            assert not view.stdout_truncated  # not even the output's size leaks
            assert view.message is None
            assert view.input is None
            assert view.expected is None
    assert views[1].input == "3\n"
    assert views[1].expected == "6\n"


def test_a_test_missing_from_the_manifest_is_hidden_and_a_run_is_always_visible() -> None:
    (unknown,) = case_views([_result(9)], TESTS, Audience(staff=False))
    assert unknown.hidden
    assert unknown.name is None
    (run,) = case_views([_result(0)], [], Audience(staff=False), run=True)
    assert not run.hidden
    assert run.stdout == "out"


def test_live_events_are_filtered_like_the_results() -> None:
    def case(index: int) -> CaseResult:
        return CaseResult(index=index, verdict=Verdict.WA, stdout="out", message="expected 6")

    event = CaseFinished(
        submission_id=uuid.uuid4(),
        attempt=1,
        seq=3,
        index=2,
        verdict=Verdict.WA,
        result=case(2),
        batch=(case(1), case(2)),
    )
    student = filter_event(event, TESTS, Audience(staff=False))
    assert isinstance(student, CaseFinished)
    assert student.result is not None
    assert student.result.stdout is None
    assert student.result.message == ""
    assert [c.stdout for c in student.batch] == ["out", None]
    assert filter_event(event, TESTS, Audience(staff=True)) is event


def test_live_messages_are_camel_case_all_the_way_down() -> None:
    case = CaseResult(index=0, verdict=Verdict.AC, cpu_ms=3, max_points=1.0, exit_code=0)
    event = CaseFinished(
        submission_id=uuid.uuid4(), attempt=1, seq=2, index=0, verdict=Verdict.AC, result=case, batch=(case, case)
    )
    message = json.loads(event_message(event))

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    assert not [k for k in keys(message) if "_" in k]
    assert message["batch"][1]["cpuMs"] == 3
    assert message["result"]["maxPoints"] == 1.0
