"""Windows, accommodations, deadlines, states and score visibility, on a controllable clock (``now`` is passed)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from api.db import models as m
from api.domain.assessments.rules import (
    attempt_deadline,
    auto_submit,
    in_audience,
    scores_visible,
    student_state,
    submitted_as_of,
    time_limit,
    window,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def exam(**values: object) -> m.Assessment:
    base: dict[str, object] = {
        "course_id": uuid.uuid4(),
        "title": "Exam",
        "kind": "exam",
        "group_ids": [],
        "level_ids": [],
        "opens_at": T0,
        "due_at": T0 + timedelta(hours=2),
        "closes_at": T0 + timedelta(hours=3),
        "time_limit_minutes": 60,
        "score_visibility": "on_publish",
        "scores_published": False,
    }
    return m.Assessment(**{**base, **values})


def extra(**values: object) -> m.AssessmentAccommodation:
    base: dict[str, object] = {"extra_minutes": 0, "extra_percent": 0.0, "opens_at": None, "closes_at": None}
    return m.AssessmentAccommodation(assessment_id=uuid.uuid4(), user_id=uuid.uuid4(), **{**base, **values})


def test_the_deadline_is_the_time_limit_from_start_but_never_past_the_close() -> None:
    a = exam()
    assert attempt_deadline(a, T0) == T0 + timedelta(minutes=60)
    assert attempt_deadline(a, T0 + timedelta(hours=2, minutes=30)) == T0 + timedelta(hours=3)
    assert attempt_deadline(exam(time_limit_minutes=None), T0) == T0 + timedelta(hours=3)
    assert attempt_deadline(exam(time_limit_minutes=None, closes_at=None), T0) is None


def test_extra_time_adds_percent_then_minutes() -> None:
    a = exam()
    assert time_limit(a, extra(extra_percent=50)) == timedelta(minutes=90)
    assert time_limit(a, extra(extra_percent=25, extra_minutes=10)) == timedelta(minutes=85)
    assert time_limit(exam(time_limit_minutes=None), extra(extra_minutes=10)) is None
    assert attempt_deadline(a, T0, extra(extra_minutes=30)) == T0 + timedelta(minutes=90)


def test_another_window_moves_opening_and_closing_for_one_student() -> None:
    a = exam()
    own = extra(opens_at=T0 + timedelta(days=1), closes_at=T0 + timedelta(days=1, hours=3))
    assert window(a, own) == (own.opens_at, own.closes_at)
    assert window(a, extra(closes_at=T0 + timedelta(days=2))) == (T0, T0 + timedelta(days=2))
    late_start = T0 + timedelta(days=1, hours=2, minutes=30)
    assert attempt_deadline(a, late_start, own) == own.closes_at
    assert student_state(a, None, T0 + timedelta(hours=4)) == "closed"
    assert student_state(a, None, T0 + timedelta(hours=4), own) == "upcoming"
    assert student_state(a, None, T0 + timedelta(days=1, hours=1), own) == "open"


def test_states_follow_the_clock() -> None:
    a = exam()
    assert student_state(a, None, T0 - timedelta(seconds=1)) == "upcoming"
    assert student_state(a, None, T0) == "open"
    attempt = m.AssessmentAttempt(started_at=T0, deadline=T0 + timedelta(minutes=60), submitted_at=None)
    assert student_state(a, attempt, T0 + timedelta(minutes=5)) == "in_progress"
    assert auto_submit(attempt, T0 + timedelta(minutes=59, seconds=59)) is False
    assert auto_submit(attempt, T0 + timedelta(minutes=61)) is True
    assert attempt.submitted_at == T0 + timedelta(minutes=60)  # as of the deadline, not of the late look
    assert auto_submit(attempt, T0 + timedelta(minutes=62)) is False
    assert student_state(a, attempt, T0 + timedelta(minutes=61)) == "submitted"


def test_submitted_as_of_reads_the_deadline_rule_without_writing() -> None:
    deadline = T0 + timedelta(minutes=60)
    assert submitted_as_of(None, deadline, deadline - timedelta(seconds=1)) is None
    assert submitted_as_of(None, deadline, deadline + timedelta(hours=3)) == deadline
    handed_in = T0 + timedelta(minutes=20)
    assert submitted_as_of(handed_in, deadline, deadline + timedelta(hours=3)) == handed_in
    assert submitted_as_of(None, None, deadline + timedelta(days=30)) is None  # no deadline: open until handed in


def test_score_visibility_rules() -> None:
    now = T0 + timedelta(hours=1)
    assert scores_visible(exam(score_visibility="immediate"), now, staff=False)
    assert not scores_visible(exam(score_visibility="after_due"), now, staff=False)
    assert scores_visible(exam(score_visibility="after_due"), T0 + timedelta(hours=2), staff=False)
    assert not scores_visible(exam(), now, staff=False)
    assert scores_visible(exam(scores_published=True), now, staff=False)
    assert scores_visible(exam(), now, staff=True)


def test_audience_by_group_or_level() -> None:
    group, level = uuid.uuid4(), uuid.uuid4()
    member = m.CourseMembership(group_id=group, level_id=None)
    assert in_audience(exam(), None)
    assert in_audience(exam(group_ids=[str(group)]), member)
    assert not in_audience(exam(group_ids=[str(uuid.uuid4())]), member)
    assert not in_audience(exam(level_ids=[str(level)]), member)
    assert in_audience(exam(level_ids=[str(level)]), m.CourseMembership(group_id=None, level_id=level))
    assert not in_audience(exam(group_ids=[str(group)]), None)
