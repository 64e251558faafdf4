"""Views of AI grading rows, shared by the services and the job (which sends the run's progress live)."""

from __future__ import annotations

from uuid import UUID

from api.db import models as m
from api.domain.ai_grading import schemas

__all__ = ["proposal_view", "run_view"]


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


def proposal_view(p: m.AiProposal, items: dict[UUID, m.RubricItem]) -> schemas.Proposal:
    withheld = p.status == "withheld"
    rationale = []
    for raw in [] if withheld else p.rationale:
        item = items.get(UUID(raw["itemId"]))
        if item is None:
            continue
        rationale.append(
            schemas.ItemRationale(
                item_id=item.id,
                title=item.title,
                points=item.points,
                applies=bool(raw.get("applies")),
                rationale=str(raw.get("rationale", "")),
                lines=[int(n) for n in raw.get("lines", [])],
            )
        )
    return schemas.Proposal(
        id=p.id,
        run_id=p.run_id,
        attempt_id=p.attempt_id,
        question_id=p.question_id,
        status=p.status,  # type: ignore[arg-type]  # one of ProposalStatus, written by this package only
        item_ids=[] if withheld else [UUID(i) for i in p.item_ids],
        rationale=rationale,
        feedback="" if withheld else p.feedback,
        points=None if withheld else p.percent,
        model=p.model,
        prompt_version=p.prompt_version,
        prompt_tokens=p.prompt_tokens,
        completion_tokens=p.completion_tokens,
        cost=p.cost,
        tries=p.tries,
        error=p.error,
        flagged=p.flagged,
        final_item_ids=[UUID(i) for i in p.final_item_ids],
        final_feedback=p.final_feedback,
        decided_at=p.decided_at,
        created_at=p.created_at,
    )
