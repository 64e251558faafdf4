"""Preview as a student: what a student of the course sees on the take page once they press Start, for staff
(options in a student's order, never ``correct``, ``accepted`` or ``tolerance``), with an attempt that exists
only on the page: nothing is saved, submitted or judged."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from api.db import models as m
from api.domain.assessments import schemas
from api.domain.assessments.services import _shuffled

__all__ = ["preview_attempt", "student_preview"]


def student_preview(detail: schemas.AssessmentDetail, viewer_id: UUID) -> schemas.AssessmentDetail:
    questions = [
        _shuffled(msgspec.structs.replace(q, correct=None, accepted=None, tolerance=None), viewer_id)
        for q in detail.questions
    ]
    return msgspec.structs.replace(detail, questions=questions)


def preview_attempt(assessment: m.Assessment, now: datetime) -> schemas.Attempt:
    """A just-started attempt (the full time limit left), with no answers."""
    remaining = assessment.time_limit_minutes * 60 if assessment.time_limit_minutes else None
    return schemas.Attempt(
        assessment_id=assessment.id,
        started_at=now,
        deadline=None,
        submitted_at=None,
        server_now=now,
        remaining_seconds=remaining,
        state="in_progress",
        answers=[],
        submissions=[],
        scores_visible=False,
        score=None,
        late_penalty=None,
        waiting_for_grader=0,
    )
