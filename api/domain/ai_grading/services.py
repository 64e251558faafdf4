"""Staff's side of AI grading: whether AI is available, the course's settings (admins), runs (start, follow,
cancel), proposals (list, accept as proposed or edited, reject), calibration and usage.

Accepting a proposal applies its rubric items and feedback as the accepting grader's own marks (through the
grading services, audited like any mark); the student sees them only when the assessment's grades are released
(api/domain/grading/release.py). A proposal not accepted never reaches a student."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.ai_grading import schemas
from api.domain.ai_grading.answers import hand_graded
from api.domain.ai_grading.config import Availability, availability, course_setting
from api.domain.ai_grading.jobs import GRADE_WITH_AI, STALE_AFTER, run_job_id
from api.domain.ai_grading.views import proposal_view, run_view
from api.domain.assessments.services import Clock, utcnow
from api.domain.courses.access import CourseAccess
from api.domain.courses.audit import audit
from api.domain.grading.answers import AnswerService
from api.domain.grading.rubric import RubricService
from api.lib.exceptions import ApplicationClientError, ConflictError
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["AiGradingService", "proposal_view", "run_view"]


class AiGradingService(AnswerService):
    def __init__(self, session: AsyncSession, settings: Settings, clock: Clock = utcnow) -> None:
        super().__init__(session, clock)
        self.settings = settings

    # --- availability and settings ---------------------------------------------------------------------------
    async def availability(self, course_id: UUID) -> Availability:
        return await availability(self.session, self.settings, course_id)

    async def status(self, access: CourseAccess) -> schemas.AiStatus:
        state = await self.availability(access.course.id)
        return schemas.AiStatus(
            available=state.available,
            reason=state.reason,
            model=state.provider.model if state.provider else "",
            token_budget=state.token_budget,
            tokens_used=state.tokens_used,
            cost_used=state.cost_used,
        )

    async def course_settings(self, access: CourseAccess) -> schemas.CourseAiSettings:
        row = await course_setting(self.session, access.course.id)
        return schemas.CourseAiSettings(
            course_id=access.course.id,
            enabled=row.enabled if row else True,
            base_url=row.base_url if row else "",
            model=row.model if row else "",
            has_api_key=bool(row and row.api_key),
            token_budget=row.token_budget if row else None,
            requests_per_minute=row.requests_per_minute if row else 30,
            price_input_per_mtok=row.price_input_per_mtok if row else None,
            price_output_per_mtok=row.price_output_per_mtok if row else None,
        )

    async def set_course_settings(
        self, access: CourseAccess, data: schemas.CourseAiSettingsUpdate
    ) -> schemas.CourseAiSettings:
        if data.base_url and not data.base_url.startswith(("http://", "https://")):
            raise ApplicationClientError("baseUrl: give an http:// or https:// address (or nothing for the platform's)")
        row = await course_setting(self.session, access.course.id)
        if row is None:
            row = m.AiCourseSetting(course_id=access.course.id)
            self.session.add(row)
        if data.base_url != row.base_url and data.api_key is None:
            row.api_key = ""  # a key is for the endpoint it was given with
        row.enabled = data.enabled
        row.base_url = data.base_url.strip()
        row.model = data.model.strip()
        if data.api_key is not None:
            row.api_key = data.api_key.strip()
        row.token_budget = data.token_budget
        row.requests_per_minute = data.requests_per_minute
        row.price_input_per_mtok = data.price_input_per_mtok
        row.price_output_per_mtok = data.price_output_per_mtok
        audit(
            self.session,
            access.course.id,
            access.user,
            "ai_settings_changed",
            enabled=data.enabled,
            base_url=row.base_url,
            model=row.model,
            token_budget=data.token_budget,
            requests_per_minute=data.requests_per_minute,
        )
        await self.session.flush()
        return await self.course_settings(access)

    async def usage(self, access: CourseAccess) -> schemas.Usage:
        state = await self.availability(access.course.id)
        rows = await self.session.execute(
            select(
                m.AiUsage.kind,
                func.count(),
                func.coalesce(func.sum(m.AiUsage.prompt_tokens), 0),
                func.coalesce(func.sum(m.AiUsage.completion_tokens), 0),
                func.coalesce(func.sum(m.AiUsage.cost), 0.0),
            )
            .where(m.AiUsage.course_id == access.course.id)
            .group_by(m.AiUsage.kind)
            .order_by(m.AiUsage.kind)
        )
        return schemas.Usage(
            course_id=access.course.id,
            token_budget=state.token_budget,
            tokens_used=state.tokens_used,
            cost_used=state.cost_used,
            requests_per_minute=state.requests_per_minute,
            by_kind=[
                schemas.UsageRow(
                    kind=kind, calls=int(n), prompt_tokens=int(p), completion_tokens=int(c), cost=round(float(x), 6)
                )
                for kind, n, p, c, x in rows.tuples()
            ],
        )

    # --- runs ------------------------------------------------------------------------------------------------
    async def start_run(
        self,
        access: CourseAccess,
        assessment_id: UUID,
        question_id: UUID | None,
        queue: JudgeQueue,
        *,
        purpose: str = "grade",
    ) -> schemas.Run:
        """A run, committed and then queued on the api-tasks worker; one at a time per assessment (409)."""
        assessment = await self.assessment(access, assessment_id)
        state = await self.availability(access.course.id)
        if not state.available:
            raise ConflictError(f"AI grading is not available: {state.reason}")
        if question_id is not None:
            _a, question = await self.question(access, question_id)
            if question.assessment_id != assessment.id:
                raise NotFoundError("no such question in this assessment")
            if not await RubricService(self.session).items(question.id):
                raise ApplicationClientError("this question has no rubric: write its rubric items first")
        going = list(
            await self.session.scalars(
                select(m.AiGradingRun).where(
                    m.AiGradingRun.assessment_id == assessment.id, m.AiGradingRun.status.in_(("queued", "running"))
                )
            )
        )
        for lost in [r for r in going if r.updated_at <= self.clock() - STALE_AFTER]:  # its worker died on it
            lost.status, lost.finished_at = "failed", self.clock()
            lost.message = "lost: no progress for 15 minutes (the worker stopped); the rest is left for a human"
        if any(r.updated_at > self.clock() - STALE_AFTER for r in going):
            raise ConflictError("an AI grading run of this assessment is already going: wait for it or cancel it")
        run = m.AiGradingRun(
            course_id=access.course.id,
            assessment_id=assessment.id,
            question_id=question_id,
            requested_by_id=access.user.id,
            purpose=purpose,
            model=state.provider.model if state.provider else "",
        )
        self.session.add(run)
        audit(
            self.session,
            access.course.id,
            access.user,
            "ai_run_started",
            assessment_id=assessment.id,
            question_id=question_id,
            purpose=purpose,
        )
        await self.session.commit()
        await queue.enqueue_task(GRADE_WITH_AI, str(run.id), job_id=run_job_id(run.id))
        return run_view(run)

    async def _run(self, access: CourseAccess, run_id: UUID) -> m.AiGradingRun:
        run = await self.session.get(m.AiGradingRun, run_id)
        if run is None or run.course_id != access.course.id:
            raise NotFoundError("no such AI grading run in this course")
        return run

    async def run(self, access: CourseAccess, run_id: UUID) -> schemas.Run:
        return run_view(await self._run(access, run_id))

    async def runs(self, access: CourseAccess, assessment_id: UUID, limit: int = 20) -> list[schemas.Run]:
        assessment = await self.assessment(access, assessment_id)
        rows = await self.session.scalars(
            select(m.AiGradingRun)
            .where(m.AiGradingRun.assessment_id == assessment.id)
            .order_by(m.AiGradingRun.created_at.desc(), m.AiGradingRun.id.desc())
            .limit(limit)
        )
        return [run_view(r) for r in rows]

    async def cancel(self, access: CourseAccess, run_id: UUID) -> schemas.Run:
        """Ask the run to stop: a queued run ends at once, a running one before its next answer."""
        run = await self._run(access, run_id)
        if run.status in ("queued", "running"):
            run.cancel_requested = True
            if run.status == "queued":
                run.status, run.message, run.finished_at = "cancelled", "cancelled before it started", self.clock()
            audit(self.session, access.course.id, access.user, "ai_run_cancelled", run_id=run.id)
            await self.session.flush()
        return run_view(run)

    # --- proposals -------------------------------------------------------------------------------------------
    async def _items(self, question_ids: set[UUID]) -> dict[UUID, m.RubricItem]:
        if not question_ids:
            return {}
        rows = await self.session.scalars(select(m.RubricItem).where(m.RubricItem.question_id.in_(question_ids)))
        return {r.id: r for r in rows}

    async def proposals(
        self,
        access: CourseAccess,
        *,
        attempt_id: UUID | None = None,
        question_id: UUID | None = None,
        run_id: UUID | None = None,
        include_calibration: bool = False,
    ) -> list[schemas.Proposal]:
        statement = (
            select(m.AiProposal)
            .where(m.AiProposal.course_id == access.course.id)
            .order_by(m.AiProposal.created_at.desc(), m.AiProposal.id)
        )
        if attempt_id is not None:
            statement = statement.where(m.AiProposal.attempt_id == attempt_id)
        if question_id is not None:
            statement = statement.where(m.AiProposal.question_id == question_id)
        if run_id is not None:
            statement = statement.where(m.AiProposal.run_id == run_id)
        if not include_calibration:
            statement = statement.where(m.AiProposal.status != "calibration")
        rows = list(await self.session.scalars(statement))
        items = await self._items({p.question_id for p in rows})
        return [proposal_view(p, items) for p in rows]

    async def open_proposals(self, access: CourseAccess, assessment_id: UUID) -> dict[str, str]:
        """``"<attempt>:<question>"`` -> status of the assessment's proposals waiting for staff (for the queue)."""
        rows = await self.session.execute(
            select(m.AiProposal.attempt_id, m.AiProposal.question_id, m.AiProposal.status)
            .join(m.AiGradingRun, m.AiGradingRun.id == m.AiProposal.run_id)
            .where(
                m.AiProposal.course_id == access.course.id,
                m.AiGradingRun.assessment_id == assessment_id,
                m.AiProposal.status.in_(("proposed", "withheld")),
            )
        )
        return {f"{a}:{q}": status for a, q, status in rows.tuples()}

    async def _proposal(self, access: CourseAccess, proposal_id: UUID) -> m.AiProposal:
        proposal = await self.session.get(m.AiProposal, proposal_id)
        if proposal is None or proposal.course_id != access.course.id:
            raise NotFoundError("no such AI proposal in this course")
        return proposal

    def _open(self, proposal: m.AiProposal) -> None:
        if proposal.status == "withheld":
            raise ConflictError(f"this proposal was withheld ({proposal.flagged}): grade the answer by hand")
        if proposal.status != "proposed":
            raise ConflictError(f"this proposal is already {proposal.status}")

    async def accept(self, access: CourseAccess, proposal_id: UUID, data: schemas.ProposalAccept) -> schemas.Proposal:
        """Apply the proposal (or the grader's edit of it) as the grader's own marks."""
        proposal = await self._proposal(access, proposal_id)
        self._open(proposal)
        answer = await self.answer(access, proposal.attempt_id, proposal.question_id)
        items = await self._items({answer.question.id})
        chosen = [str(i) for i in data.item_ids] if data.item_ids is not None else list(proposal.item_ids)
        unknown = [i for i in chosen if UUID(i) not in items]
        if unknown:
            raise NotFoundError("no such rubric item for this question")
        feedback = (data.feedback if data.feedback is not None else proposal.feedback).strip()
        rubric = RubricService(self.session, self.clock)
        grade = await self.grade_of(answer, create=True)
        assert grade is not None
        applied = {
            str(i)
            for i in await self.session.scalars(
                select(m.RubricApplication.item_id).where(m.RubricApplication.grade_id == grade.id)
            )
        }
        for item_id in sorted(applied - set(chosen)):
            await rubric.unapply(access, answer.attempt.id, answer.question.id, UUID(item_id))
        for item_id in chosen:
            if item_id not in applied:
                await rubric.apply(access, answer.attempt.id, answer.question.id, UUID(item_id))
        await self.set_comment(access, answer.attempt.id, answer.question.id, feedback)
        edited = sorted(chosen) != sorted(proposal.item_ids) or feedback != proposal.feedback.strip()
        proposal.status = "accepted"
        proposal.final_item_ids = chosen
        proposal.final_feedback = feedback
        proposal.decided_by_id = access.user.id
        proposal.decided_at = self.clock()
        audit(
            self.session,
            access.course.id,
            access.user,
            "ai_proposal_accepted",
            proposal_id=proposal.id,
            attempt_id=answer.attempt.id,
            question_id=answer.question.id,
            edited=edited,
        )
        await self.session.flush()
        return proposal_view(proposal, items)

    async def reject(self, access: CourseAccess, proposal_id: UUID) -> schemas.Proposal:
        proposal = await self._proposal(access, proposal_id)
        if proposal.status not in ("proposed", "withheld", "failed"):
            raise ConflictError(f"this proposal is already {proposal.status}")
        proposal.status = "rejected"
        proposal.decided_by_id = access.user.id
        proposal.decided_at = self.clock()
        audit(self.session, access.course.id, access.user, "ai_proposal_rejected", proposal_id=proposal.id)
        await self.session.flush()
        return proposal_view(proposal, await self._items({proposal.question_id}))

    # --- calibration -----------------------------------------------------------------------------------------
    async def calibration(self, access: CourseAccess, question_id: UUID) -> schemas.Calibration:
        """The latest calibration of the question against the human grades as they stand now."""
        _assessment, question = await self.question(access, question_id)
        items = list((await self._items({question.id})).values())
        items.sort(key=lambda i: (i.position, i.created_at))
        graded = {g.attempt_id: g for g in await hand_graded(self.session, question.id)}
        run = await self.session.scalar(
            select(m.AiGradingRun)
            .where(m.AiGradingRun.question_id == question.id, m.AiGradingRun.purpose == "calibrate")
            .order_by(m.AiGradingRun.created_at.desc(), m.AiGradingRun.id.desc())
            .limit(1)
        )
        proposals: list[m.AiProposal] = []
        if run is not None:
            proposals = list(
                await self.session.scalars(
                    select(m.AiProposal).where(m.AiProposal.run_id == run.id, m.AiProposal.status == "calibration")
                )
            )
        points = {i.id: i.points for i in items}
        agree: dict[UUID, list[bool]] = defaultdict(list)
        diffs: list[float] = []
        for p in proposals:
            human = graded.get(p.attempt_id)
            if human is None:
                continue
            ai = {UUID(i) for i in p.item_ids}
            for item in items:
                agree[item.id].append((item.id in ai) == (item.id in human.item_ids))
            diffs.append(abs(sum(points[i] for i in ai if i in points) - sum(points.get(i, 0) for i in human.item_ids)))
        every = [v for votes in agree.values() for v in votes]
        return schemas.Calibration(
            question_id=question.id,
            hand_graded=len(graded),
            compared=len(diffs),
            agreement=round(sum(every) / len(every), 3) if every else None,
            mean_points_diff=round(sum(diffs) / len(diffs), 2) if diffs else None,
            items=[
                schemas.CalibrationItem(
                    item_id=i.id,
                    title=i.title,
                    agreement=round(sum(agree[i.id]) / len(agree[i.id]), 3) if agree[i.id] else None,
                    answers=len(agree[i.id]),
                )
                for i in items
            ],
            run=run_view(run) if run is not None else None,
        )

    async def start_calibration(self, access: CourseAccess, question_id: UUID, queue: JudgeQueue) -> schemas.Run:
        assessment, question = await self.question(access, question_id)
        if not await hand_graded(self.session, question.id):
            raise ApplicationClientError("grade a few answers of this question by hand first: they are the yardstick")
        return await self.start_run(access, assessment.id, question.id, queue, purpose="calibrate")
