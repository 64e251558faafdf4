"""Live results: each published event becomes one frame per audience, shared by every viewer of that audience (so
1,000 watchers cost one encoding), and a frame made for staff never reaches a student."""

from __future__ import annotations

import json
import uuid

from api.db import models as m
from api.domain.submissions.views import Audience
from api.domain.submissions.websocket import _shown, _Watch
from judge_worker.contracts import CaseFinished, CaseResult, Verdict, encode_event

TESTS = [{"visibility": "visible"}, {"visibility": "hidden"}]


def _watch(submission: m.Submission, *, staff: bool, digest: str | None = "d1") -> _Watch:
    return _Watch(
        submission=submission, tests=list(TESTS), audience=Audience(staff=staff), run=False, tests_digest=digest
    )


def _event(submission_id: uuid.UUID) -> CaseFinished:
    hidden = CaseResult(index=1, verdict=Verdict.WA, message="expected 42, got 41", stdout="41\n", stderr="oops")
    return CaseFinished(
        submission_id=submission_id, attempt=1, seq=3, index=1, verdict=Verdict.WA, result=hidden, batch=(hidden,)
    )


def test_staff_and_students_get_their_own_frame_of_one_event_whichever_comes_first() -> None:
    submission = m.Submission(id=uuid.uuid4(), language="python3", files={}, attempt=1)
    event = _event(submission.id)
    raw = encode_event(event)
    staff_frame = json.loads(_shown(raw, event, _watch(submission, staff=True)))  # staff first: cached first
    student_frame = json.loads(_shown(raw, event, _watch(submission, staff=False)))
    assert staff_frame["batch"][0]["message"] == "expected 42, got 41"
    assert student_frame["batch"][0]["message"] == ""
    assert student_frame["batch"][0]["stdout"] is None
    assert student_frame["result"]["stderr"] is None


def test_viewers_of_one_audience_share_the_frame_and_another_test_set_gets_its_own() -> None:
    submission = m.Submission(id=uuid.uuid4(), language="python3", files={}, attempt=1)
    event = _event(submission.id)
    raw = encode_event(event)
    first = _shown(raw, event, _watch(submission, staff=False))
    assert _shown(raw, event, _watch(submission, staff=False)) is first  # made once, reused
    # A viewer whose manifest comes from another test set (a rejudge against new tests) gets its own frame.
    other = _watch(submission, staff=False, digest="d2")
    other.tests = [{"visibility": "visible"}, {"visibility": "visible"}]
    assert json.loads(_shown(raw, event, other))["batch"][0]["message"] == "expected 42, got 41"
