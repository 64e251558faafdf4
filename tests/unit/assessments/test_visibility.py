"""The one visibility decision, with a controllable clock: an assessment's score rule hides results from its
students (not its staff), and per-test ``after_due_date`` / ``after_published`` resolve against the assessment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.db import models as m
from api.domain.assessments.visibility import assessment_audience, hidden_rule

DUE = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
BEFORE, AFTER = DUE - timedelta(minutes=1), DUE + timedelta(seconds=1)
AFTER_DUE_TEST = {"visibility": "after_due_date"}
AFTER_PUBLISHED_TEST = {"visibility": "after_published"}
HIDDEN_TEST = {"visibility": "hidden"}


def _assessment(visibility: str, *, published: bool = False, due: datetime | None = DUE) -> m.Assessment:
    return m.Assessment(title="Exam", score_visibility=visibility, scores_published=published, due_at=due)


@pytest.mark.parametrize(
    ("visibility", "published", "now", "hidden"),
    [
        ("immediate", False, BEFORE, False),
        ("after_due", False, BEFORE, True),
        ("after_due", False, AFTER, False),
        ("on_publish", False, AFTER, True),
        ("on_publish", True, BEFORE, False),
    ],
)
def test_a_student_sees_results_only_when_the_assessment_s_rule_allows(
    visibility: str, published: bool, now: datetime, hidden: bool
) -> None:
    audience = assessment_audience(_assessment(visibility, published=published), now, staff=False)
    assert (audience.results_hidden_until is not None) is hidden
    assert (
        assessment_audience(_assessment(visibility, published=published), now, staff=True).results_hidden_until is None
    )


def test_the_rule_says_when_results_come() -> None:
    assert hidden_rule(_assessment("after_due")) == f"the due time ({DUE.isoformat()})"
    assert hidden_rule(_assessment("on_publish")) == "the instructor publishes the scores"
    closes = DUE + timedelta(days=1)
    no_due = m.Assessment(title="x", score_visibility="after_due", due_at=None, closes_at=closes)
    assert hidden_rule(no_due) == f"the due time ({closes.isoformat()})"


def test_per_test_visibility_resolves_against_the_assessment() -> None:
    before = assessment_audience(_assessment("immediate"), BEFORE, staff=False)
    assert not before.may_see(AFTER_DUE_TEST)
    assert not before.may_see(AFTER_PUBLISHED_TEST)
    after = assessment_audience(_assessment("immediate"), AFTER, staff=False)
    assert after.may_see(AFTER_DUE_TEST)
    assert not after.may_see(AFTER_PUBLISHED_TEST)
    published = assessment_audience(_assessment("immediate", published=True), BEFORE, staff=False)
    assert published.may_see(AFTER_PUBLISHED_TEST)
    assert not published.may_see(AFTER_DUE_TEST)
    assert not published.may_see(HIDDEN_TEST)
    staff = assessment_audience(_assessment("on_publish"), BEFORE, staff=True)
    assert staff.may_see(HIDDEN_TEST)
