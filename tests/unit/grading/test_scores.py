"""Pure rules of grading: marks on top of the derived score, override bounds, and the audit record of a change."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.rules import InvalidInputError
from api.domain.courses.access import CourseAccess
from api.domain.grading.common import Answer, GradingBase, check_percent
from api.domain.grading.scores import Marks, graded_fraction, percent


@pytest.mark.parametrize(
    ("base", "marks", "expected"),
    [
        (0.6, None, 0.6),  # no marks: the derived score
        (0.6, Marks(), 0.6),
        (0.6, Marks(points=20, applied=1), 0.8),  # an item's points are percent points of the question
        (0.6, Marks(points=-70, applied=2), 0.0),  # never below 0
        (0.9, Marks(points=30, applied=1), 1.0),  # never above the question
        (None, Marks(), None),  # an essay without marks still waits for a grader
        (None, Marks(points=40, applied=1), 0.4),  # rubric items alone grade it
        (0.6, Marks(points=20, applied=1, override=35), 0.35),  # an override replaces everything
        (None, Marks(override=0), 0.0),
    ],
)
def test_marks_on_the_derived_score(base: float | None, marks: Marks | None, expected: float | None) -> None:
    assert graded_fraction(base, marks) == (None if expected is None else pytest.approx(expected))


def test_an_items_new_points_change_the_score_they_are_read_not_copied() -> None:
    before = graded_fraction(0.5, Marks(points=10, applied=1))
    after = graded_fraction(0.5, Marks(points=25, applied=1))  # the same application, the item edited
    assert (percent(before), percent(after)) == (60.0, 75.0)


@pytest.mark.parametrize("value", [-0.01, 100.01, 1e9, -100])
def test_an_override_outside_the_question_is_refused(value: float) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_percent(value)
    assert caught.value.status_code == 422
    assert "between 0 and 100" in str(caught.value.detail)


@pytest.mark.parametrize(("value", "kept"), [(0, 0), (100, 100), (33.333, 33.33)])
def test_an_override_within_the_question_is_kept(value: float, kept: float) -> None:
    assert check_percent(value) == kept


class _Recorder:
    def __init__(self) -> None:
        self.added: list[Any] = []

    def add(self, row: Any) -> None:
        self.added.append(row)


def test_a_score_change_is_audited_with_who_from_to_and_why() -> None:
    session = _Recorder()
    grader = m.User(id=uuid.uuid4(), email="ta@example.com", display_name="TA")
    course = m.Course(id=uuid.uuid4())
    access = CourseAccess(user=grader, course=course, role=m.CourseRole.TA, membership=None)
    student = uuid.uuid4()
    answer = Answer(
        m.Assessment(id=uuid.uuid4(), course_id=course.id),
        m.AssessmentAttempt(id=uuid.uuid4(), user_id=student),
        m.AssessmentQuestion(id=uuid.uuid4()),
    )
    GradingBase(cast(AsyncSession, session)).audit_score(
        access, answer, "score_overridden", old=60.0, new=80.0, why="works for n = 0"
    )
    (entry,) = session.added
    assert isinstance(entry, m.CourseAuditEntry)
    assert (entry.actor_id, entry.course_id, entry.action) == (grader.id, course.id, "score_overridden")
    assert entry.details["old"] == 60.0
    assert entry.details["new"] == 80.0
    assert entry.details["why"] == "works for n = 0"
    assert entry.details["user_id"] == str(student)
