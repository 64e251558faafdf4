"""Views of AI grading rows, shared by the services and the job (which sends the run's progress live)."""

from __future__ import annotations

from api.db import models as m
from api.domain.ai_grading import schemas

__all__ = ["run_view"]


def run_view(run: m.AiGradingRun) -> schemas.Run:
    return schemas.Run(
        id=run.id,
        assessment_id=run.assessment_id,
        question_id=run.question_id,
        purpose="calibrate" if run.purpose == "calibrate" else "grade",
        status=run.status,  # type: ignore[arg-type]  # one of RunStatus, written by this package only
        done=run.done,
        total=run.total,
        proposed=run.proposed,
        withheld=run.withheld,
        failed=run.failed,
        cancel_requested=run.cancel_requested,
        model=run.model,
        message=run.message,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )
