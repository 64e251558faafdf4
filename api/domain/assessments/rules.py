"""Rules of one assessment that need no database: windows, audience, states and score visibility (``now`` is
always the server's clock, passed in)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from api.db import models as m
from api.domain.assessments import schemas
from api.lib.exceptions import ApplicationClientError

__all__ = [
    "InvalidInputError",
    "Placement",
    "attempt_deadline",
    "auto_submit",
    "in_audience",
    "question_config",
    "scores_visible",
    "student_state",
    "submitted_as_of",
    "time_limit",
    "validate_window",
    "window",
]


class InvalidInputError(ApplicationClientError):
    """Well-formed JSON whose content breaks a rule of its type (422, naming the field)."""

    status_code = 422


def _invalid(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(f"{field}: {message}", errors=[{"key": field, "message": message}])


def validate_window(data: schemas.AssessmentCreate) -> None:
    if data.opens_at and data.due_at and data.due_at < data.opens_at:
        raise _invalid("dueAt", "the due time is before the opening time")
    if data.due_at and data.closes_at and data.closes_at < data.due_at:
        raise _invalid("closesAt", "the closing time is before the due time")
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise _invalid("closesAt", "the closing time is not after the opening time")
    for name, value in (("opensAt", data.opens_at), ("dueAt", data.due_at), ("closesAt", data.closes_at)):
        if value is not None and value.tzinfo is None:
            raise _invalid(name, "give the time with its zone, e.g. 2026-12-24T18:00:00Z")


def question_config(data: schemas.QuestionCreate) -> dict[str, Any]:
    """The stored config of a question, after the rules of its type; 422 naming the field that breaks one."""
    if data.type == "code":
        if data.problem_id is None:
            raise _invalid("problemId", "a code question needs a problem of the course")
        return {
            "problemId": str(data.problem_id),
            "languages": sorted(set(data.languages)),
            "maxAttempts": data.max_attempts,
            "penalties": list(data.penalties),
            "count": data.count,
            "starterCode": data.starter_code,
        }
    if data.type == "multiple_choice":
        if len(data.options) < 2:
            raise _invalid("options", "give at least two options")
        if not data.correct:
            raise _invalid("correct", "name the correct option(s) by index")
        if any(i >= len(data.options) for i in data.correct):
            raise _invalid("correct", f"an index is out of range (there are {len(data.options)} options)")
        if not data.multiple and len(set(data.correct)) != 1:
            raise _invalid("correct", "a single-answer question has exactly one correct option")
        return {"options": list(data.options), "correct": sorted(set(data.correct)), "multiple": data.multiple}
    if data.type == "essay":
        return {}
    if data.type == "file_answer":
        return {
            "allowedExtensions": sorted(
                {e.strip().lower().lstrip(".") for e in data.allowed_extensions if e.strip(". ")}
            )
        }
    if not data.accepted:
        raise _invalid("accepted", "give at least one accepted answer")
    for answer in data.accepted:
        if data.match == "regex":
            try:
                re.compile(answer)
            except re.error as exc:
                raise _invalid("accepted", f"{answer!r} is not a regular expression: {exc}") from exc
        if data.match == "numeric":
            try:
                float(answer.replace(",", "."))
            except ValueError as exc:
                raise _invalid("accepted", f"{answer!r} is not a number") from exc
    return {"accepted": list(data.accepted), "match": data.match, "tolerance": data.tolerance}


class Placement(Protocol):
    """Where a member sits in a course: a ``CourseMembership``, or its two columns read without the ORM."""

    @property
    def group_id(self) -> UUID | None: ...

    @property
    def level_id(self) -> UUID | None: ...


def in_audience(assessment: m.Assessment, membership: Placement | None) -> bool:
    """Whole course (no groups, no levels), or the member's group or level is named."""
    if not assessment.group_ids and not assessment.level_ids:
        return True
    if membership is None:
        return False
    return (membership.group_id is not None and str(membership.group_id) in assessment.group_ids) or (
        membership.level_id is not None and str(membership.level_id) in assessment.level_ids
    )


def window(
    assessment: m.Assessment, accommodation: m.AssessmentAccommodation | None
) -> tuple[datetime | None, datetime | None]:
    """The opening and closing times for one student: their accommodation's own window where it sets one."""
    if accommodation is None:
        return assessment.opens_at, assessment.closes_at
    return accommodation.opens_at or assessment.opens_at, accommodation.closes_at or assessment.closes_at


def time_limit(assessment: m.Assessment, accommodation: m.AssessmentAccommodation | None) -> timedelta | None:
    """The time limit with the student's extra time (percent of the limit, then minutes)."""
    if not assessment.time_limit_minutes:
        return None
    minutes = float(assessment.time_limit_minutes)
    if accommodation is not None:
        minutes = minutes * (1 + accommodation.extra_percent / 100) + accommodation.extra_minutes
    return timedelta(minutes=minutes)


def attempt_deadline(
    assessment: m.Assessment, started_at: datetime, accommodation: m.AssessmentAccommodation | None = None
) -> datetime | None:
    """The earlier of the (student's) close and the start plus the (student's) time limit (None: neither)."""
    _opens, closes = window(assessment, accommodation)
    candidates = [closes] if closes is not None else []
    limit = time_limit(assessment, accommodation)
    if limit is not None:
        candidates.append(started_at + limit)
    return min(candidates) if candidates else None


def submitted_as_of(submitted_at: datetime | None, deadline: datetime | None, now: datetime) -> datetime | None:
    """When an attempt counts as submitted: when it was, or, once its deadline has passed, at its deadline."""
    if submitted_at is None and deadline is not None and now >= deadline:
        return deadline
    return submitted_at


def auto_submit(attempt: m.AssessmentAttempt, now: datetime) -> bool:
    """Submit an attempt whose deadline has passed, as of its deadline; True if it changed."""
    if attempt.submitted_at is None and (moment := submitted_as_of(None, attempt.deadline, now)) is not None:
        attempt.submitted_at = moment
        return True
    return False


def scores_visible(assessment: m.Assessment, now: datetime, *, staff: bool) -> bool:
    if staff or assessment.score_visibility == "immediate":
        return True
    if assessment.score_visibility == "after_due":
        moment = assessment.due_at or assessment.closes_at
        return moment is None or now >= moment
    return assessment.scores_published


def student_state(
    assessment: m.Assessment,
    attempt: m.AssessmentAttempt | None,
    now: datetime,
    accommodation: m.AssessmentAccommodation | None = None,
) -> schemas.StudentState:
    if attempt is not None:
        if attempt.submitted_at is None:
            return "in_progress"
        return "graded" if scores_visible(assessment, now, staff=False) else "submitted"
    opens, closes = window(assessment, accommodation)
    if opens is not None and now < opens:
        return "upcoming"
    if closes is not None and now >= closes:
        return "closed"
    return "open"
