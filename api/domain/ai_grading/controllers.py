"""HTTP endpoints of AI grading, under a course: staff read whether AI is available, run AI grading and
calibration, and accept, edit or reject proposals; instructors read the course's usage and set hints per
assessment; admins set the course's endpoint, key, model, budget and rate limit; students ask for hints."""

from __future__ import annotations

from typing import Annotated, Any, Final
from uuid import UUID

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import ServerSentEvent
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_admin
from api.domain.ai_grading import schemas
from api.domain.ai_grading.hints import HintService, stream_hint
from api.domain.ai_grading.services import AiGradingService
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["AI_CONTROLLERS", "AiGradingController", "HintController"]

_MEMBER: Final = requires_course_role(*ANY_MEMBER)
_STAFF: Final = requires_course_role(*STAFF)
_INSTRUCTOR: Final = requires_course_role(m.CourseRole.INSTRUCTOR)


def provide_ai(db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]) -> AiGradingService:
    return AiGradingService(db_session, settings)


def provide_hints(db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]) -> HintService:
    return HintService(db_session, settings)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


_DEPENDENCIES: Final = {
    "ai": Provide(provide_ai, sync_to_thread=False),
    "hints": Provide(provide_hints, sync_to_thread=False),
    "course_access": Provide(provide_course_access, sync_to_thread=False),
}


class AiGradingController(Controller):
    path = "/api/courses/{course_id:uuid}/ai"
    tags = ["ai-grading"]
    dependencies = _DEPENDENCIES
    guards = [_STAFF]

    @get("/status", operation_id="GetAiStatus")
    async def status(
        self, course_access: NamedDependency[CourseAccess], ai: NamedDependency[AiGradingService]
    ) -> schemas.AiStatus:
        """Whether AI grading is available in the course and, if not, why; the model and the budget used."""
        return await ai.status(course_access)

    @get("/config", operation_id="GetCourseAiSettings", guards=[requires_admin])
    async def get_config(
        self, course_access: NamedDependency[CourseAccess], ai: NamedDependency[AiGradingService]
    ) -> schemas.CourseAiSettings:
        return await ai.course_settings(course_access)

    @put("/config", operation_id="SetCourseAiSettings", guards=[requires_admin])
    async def set_config(
        self,
        data: JSONBody[schemas.CourseAiSettingsUpdate],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
    ) -> schemas.CourseAiSettings:
        """Admins: the course's own endpoint (with its own key), model, on/off, token budget, rate, prices."""
        return await ai.set_course_settings(course_access, data)

    @get("/usage", operation_id="GetCourseAiUsage", guards=[_INSTRUCTOR])
    async def usage(
        self, course_access: NamedDependency[CourseAccess], ai: NamedDependency[AiGradingService]
    ) -> schemas.Usage:
        """Tokens and cost the course used, by purpose (grading, calibration, hints), against its budget."""
        return await ai.usage(course_access)

    @post("/assessments/{assessment_id:uuid}/runs", operation_id="StartAiGrading", status_code=HTTP_202_ACCEPTED)
    async def start(
        self,
        assessment_id: FromPath[UUID],
        data: JSONBody[schemas.RunCreate],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
        judge_queue: NamedDependency[JudgeQueue],
    ) -> schemas.Run:
        """Grade the answers waiting for a grader (one question, or every question with a rubric) on the worker."""
        return await ai.start_run(course_access, assessment_id, data.question_id, judge_queue)

    @get("/assessments/{assessment_id:uuid}/runs", operation_id="ListAiGradingRuns")
    async def runs(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
    ) -> list[schemas.Run]:
        return await ai.runs(course_access, assessment_id)

    @get("/runs/{run_id:uuid}", operation_id="GetAiGradingRun")
    async def run(
        self,
        run_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
    ) -> schemas.Run:
        """A run's progress (``done`` of ``total``) and outcome."""
        return await ai.run(course_access, run_id)

    @post("/runs/{run_id:uuid}/cancel", operation_id="CancelAiGradingRun", status_code=HTTP_200_OK)
    async def cancel(
        self,
        run_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
    ) -> schemas.Run:
        return await ai.cancel(course_access, run_id)

    @get("/proposals", operation_id="ListAiProposals")
    async def proposals(
        self,
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
        attempt_id: Annotated[UUID | None, QueryParameter(name="attemptId")] = None,
        question_id: Annotated[UUID | None, QueryParameter(name="questionId")] = None,
        run_id: Annotated[UUID | None, QueryParameter(name="runId")] = None,
    ) -> list[schemas.Proposal]:
        """Proposals, newest first (withheld ones without their text)."""
        return await ai.proposals(course_access, attempt_id=attempt_id, question_id=question_id, run_id=run_id)

    @post("/proposals/{proposal_id:uuid}/accept", operation_id="AcceptAiProposal", status_code=HTTP_200_OK)
    async def accept(
        self,
        proposal_id: FromPath[UUID],
        data: JSONBody[schemas.ProposalAccept],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
    ) -> schemas.Proposal:
        """Apply the proposal as your marks, as proposed or with your ``itemIds`` and ``feedback``."""
        return await ai.accept(course_access, proposal_id, data)

    @post("/proposals/{proposal_id:uuid}/reject", operation_id="RejectAiProposal", status_code=HTTP_200_OK)
    async def reject(
        self,
        proposal_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
    ) -> schemas.Proposal:
        return await ai.reject(course_access, proposal_id)

    @get("/questions/{question_id:uuid}/calibration", operation_id="GetAiCalibration")
    async def calibration(
        self,
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
    ) -> schemas.Calibration:
        """Agreement of the AI with the hand grades of the question (per rubric item, and the points difference)."""
        return await ai.calibration(course_access, question_id)

    @post("/questions/{question_id:uuid}/calibration", operation_id="StartAiCalibration", status_code=HTTP_202_ACCEPTED)
    async def calibrate(
        self,
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        ai: NamedDependency[AiGradingService],
        judge_queue: NamedDependency[JudgeQueue],
    ) -> schemas.Run:
        """Let the AI grade the hand-graded answers of the question, to measure its agreement."""
        return await ai.start_calibration(course_access, question_id, judge_queue)

    @get("/assessments/{assessment_id:uuid}/hints", operation_id="GetHintSettings")
    async def hint_settings(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        hints: NamedDependency[HintService],
    ) -> schemas.HintSettings:
        return await hints.view(course_access, assessment_id)

    @put("/assessments/{assessment_id:uuid}/hints", operation_id="SetHintSettings", guards=[_INSTRUCTOR])
    async def set_hint_settings(
        self,
        assessment_id: FromPath[UUID],
        data: JSONBody[schemas.HintSettingsUpdate],
        course_access: NamedDependency[CourseAccess],
        hints: NamedDependency[HintService],
    ) -> schemas.HintSettings:
        """Turn student hints on or off (never in exams), with the hints per student per hour and the budget."""
        return await hints.update(course_access, assessment_id, data)


class HintController(Controller):
    path = "/api/courses/{course_id:uuid}/hints"
    tags = ["ai-grading"]
    dependencies = _DEPENDENCIES
    guards = [_MEMBER]

    @get("/assessments/{assessment_id:uuid}", operation_id="GetMyHintAllowance")
    async def allowance(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        hints: NamedDependency[HintService],
    ) -> schemas.HintSettings:
        """Whether hints are offered in this assessment, and if not, why."""
        return await hints.view(course_access, assessment_id)

    @post(
        "/assessments/{assessment_id:uuid}/questions/{question_id:uuid}/explain",
        operation_id="ExplainFailingTest",
        status_code=HTTP_200_OK,
    )
    async def explain(
        self,
        *,
        request: Request[Any, Any, Any],
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.HintRequest],
        course_access: NamedDependency[CourseAccess],
        hints: NamedDependency[HintService],
    ) -> ServerSentEvent:
        """Explain why one of your submissions fails one visible test: server-sent events ``chunk`` (text), then
        ``done``, ``withheld`` or ``error``. 429 beyond the hints an hour; 409 where hints are off."""
        plan = await hints.prepare(course_access, assessment_id, question_id, data)
        engine = request.app.state["app_state"].engine
        return ServerSentEvent(stream_hint(plan, engine), headers={"Cache-Control": "no-store"})


AI_CONTROLLERS: Final = (AiGradingController, HintController)
