"""Live events as a student may see them: output of tests they may not see never leaves the server, in any form."""

from __future__ import annotations

from uuid import uuid4

import pytest

from api.domain.submissions.views import Audience, filter_event
from judge_worker.contracts import CaseFinished, CaseResult, Verdict

TESTS = [{"visibility": "visible"}, {"visibility": "after_due_date"}, {"visibility": "hidden"}]


def _case(index: int) -> CaseResult:
    # The grader keeps output of tests that may become visible later (after the due date), so events carry it.
    return CaseResult(
        index=index,
        verdict=Verdict.WA,
        message="expected 3, got 4",
        stdout="4\n",
        stderr="warn\n",
        stdout_bytes=b"4\n",
        stderr_bytes=b"warn\n",
    )


def _event() -> CaseFinished:
    cases = tuple(_case(i) for i in range(3))
    return CaseFinished(
        submission_id=uuid4(), attempt=1, seq=3, index=2, verdict=Verdict.WA, result=cases[-1], batch=cases
    )


@pytest.mark.parametrize(("due_passed", "shown"), [(False, {0}), (True, {0, 1})])
def test_students_get_no_output_of_tests_they_may_not_see(due_passed: bool, shown: set[int]) -> None:
    event = filter_event(_event(), TESTS, Audience(staff=False, due_passed=due_passed))
    assert isinstance(event, CaseFinished)
    for case in (*event.batch, event.result):
        assert case is not None
        carried = (case.stdout, case.stderr, case.stdout_bytes, case.stderr_bytes, case.message or None)
        if case.index in shown:
            assert carried == ("4\n", "warn\n", b"4\n", b"warn\n", "expected 3, got 4")
        else:
            assert carried == (None, None, None, None, None)
        assert case.verdict is Verdict.WA  # the verdict itself is always shown


def test_staff_see_everything() -> None:
    event = _event()
    assert filter_event(event, TESTS, Audience(staff=True)) == event
