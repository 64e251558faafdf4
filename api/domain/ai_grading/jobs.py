"""The AI grading job on the ``api-tasks`` worker: one answer after another, each with the question, rubric and
hand-graded worked examples; the model's answer validated (one repair), checked for leaks, stored as a proposal
with model, prompt version, tokens and cost. Progress (``done`` of ``total``) is committed after every answer;
staff may cancel (the job stops before the next answer). The course's token budget and rate limit hold between
answers. An answer the endpoint fails on is recorded with the reason and left for a human; after
:data:`MAX_FAILURES_IN_A_ROW` such answers in a row the job stops (the endpoint is down)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final
from uuid import UUID

import msgspec
from arq import func
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import models as m
from api.domain.ai_grading.answers import answer_text, hand_graded, problem_of, worked_examples
from api.domain.ai_grading.client import AiClient, AiError, Provider, Structured
from api.domain.ai_grading.config import availability, record_usage, wait_for_rate
from api.domain.ai_grading.leaks import Secret, find_leak, hidden_material
from api.domain.ai_grading.prompts import PROMPT_VERSION, RubricLine, grading_messages, line_count, validator
from api.domain.ai_grading.schemas import GradeOutput
from api.domain.ai_grading.views import run_view
from api.domain.courses.access import CourseAccess, resolve_access
from api.domain.grading.answers import AnswerService
from api.domain.live.events import emit, user_live_channel
from api.lib.timeutil import utcnow
from api.settings import Settings

__all__ = ["GRADE_WITH_AI", "MAX_FAILURES_IN_A_ROW", "ai_grading_functions", "grade_with_ai", "run_job_id"]

logger = logging.getLogger("verdict.ai")
GRADE_WITH_AI: Final = "grade_with_ai"
MAX_FAILURES_IN_A_ROW: Final = 3
STALE_AFTER: Final = timedelta(minutes=15)  # a run with no progress this long was lost; another may start


def run_job_id(run_id: UUID | str) -> str:
    return f"ai-grading:{run_id}"


@dataclass(frozen=True)
class Work:
    attempt_id: UUID
    question: m.AssessmentQuestion


async def _access(session: AsyncSession, run: m.AiGradingRun) -> CourseAccess | None:
    actor = await session.get(m.User, run.requested_by_id) if run.requested_by_id else None
    access = await resolve_access(session, actor, run.course_id) if actor is not None else None
    return access if access is not None and access.is_staff else None


async def _rubric(session: AsyncSession, question_id: UUID) -> list[m.RubricItem]:
    return list(
        await session.scalars(
            select(m.RubricItem)
            .where(m.RubricItem.question_id == question_id)
            .order_by(m.RubricItem.position, m.RubricItem.created_at)
        )
    )


async def plan(session: AsyncSession, access: CourseAccess, run: m.AiGradingRun) -> list[Work]:
    """The answers the run grades: for ``grade``, those waiting for a grader with no open or accepted proposal;
    for ``calibrate``, the hand-graded ones. Only questions with a rubric."""
    queue = await AnswerService(session).queue(access, run.assessment_id, question_id=run.question_id)
    questions: dict[UUID, m.AssessmentQuestion] = {}
    for entry in queue:
        if entry.question_id not in questions:
            question = await session.get(m.AssessmentQuestion, entry.question_id)
            if question is not None and await _rubric(session, question.id):
                questions[question.id] = question
    taken = set(
        (
            await session.execute(
                select(m.AiProposal.attempt_id, m.AiProposal.question_id).where(
                    m.AiProposal.course_id == run.course_id, m.AiProposal.status.in_(("proposed", "accepted"))
                )
            )
        ).tuples()
    )
    work: list[Work] = []
    if run.purpose == "calibrate":
        for question in questions.values():
            work.extend(Work(row.attempt_id, question) for row in await hand_graded(session, question.id))
        return work
    for entry in queue:
        question = questions.get(entry.question_id)
        if question is None or not entry.needs_grading or (entry.attempt_id, entry.question_id) in taken:
            continue
        work.append(Work(entry.attempt_id, question))
    return work


async def assessment_secrets(session: AsyncSession, assessment_id: UUID) -> list[Secret]:
    """The hidden material of every problem of the assessment: an essay about a problem must not quote it either."""
    questions = await session.scalars(
        select(m.AssessmentQuestion).where(m.AssessmentQuestion.assessment_id == assessment_id)
    )
    problems = {p for q in questions if (p := problem_of(q)) is not None}
    secrets: list[Secret] = []
    for problem_id in sorted(problems):
        secrets.extend(await hidden_material(session, problem_id))
    return secrets


async def _commit(session: AsyncSession, run: m.AiGradingRun) -> None:
    """Commit the run's progress; the one who started it gets it live (``ai_run`` on their ``user:`` channel)."""
    if run.requested_by_id is not None:
        await session.flush()
        await session.refresh(run)
        await emit(session, user_live_channel(run.requested_by_id), "ai_run", msgspec.to_builtins(run_view(run)))
    await session.commit()


async def _finish(session: AsyncSession, run: m.AiGradingRun, status: str, message: str = "") -> None:
    run.status = status
    run.message = message
    run.finished_at = utcnow()
    await _commit(session, run)


async def grade_with_ai(ctx: dict[str, Any], run_id: str) -> str:
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    settings: Settings = ctx["settings"]
    async with sessions() as session:
        run = await session.get(m.AiGradingRun, UUID(run_id))
        if run is None or run.status not in ("queued", "running"):
            return "gone"
        if run.cancel_requested:
            await _finish(session, run, "cancelled", "cancelled before it started")
            return "cancelled"
        access = await _access(session, run)
        if access is None:
            await _finish(session, run, "failed", "the one who started it is no longer staff of this course")
            return "failed"
        state = await availability(session, settings, run.course_id)
        if not state.available or state.provider is None:
            await _finish(session, run, "failed", state.reason)
            return "failed"
        work = await plan(session, access, run)
        run.status, run.total, run.done, run.model = "running", len(work), 0, state.provider.model
        await _commit(session, run)
        client = AiClient(state.provider, sleep=ctx.get("sleep", asyncio.sleep))
        try:
            return await _grade_all(ctx, session, run, work, client=client, provider=state.provider)
        except Exception as exc:
            logger.exception("AI run %s failed", run_id)
            await session.rollback()
            lost = await session.get(m.AiGradingRun, UUID(run_id))
            if lost is not None:
                await _finish(
                    session, lost, "failed", f"the run failed: {type(exc).__name__}; the rest is left for a human"
                )
            raise
        finally:
            await client.close()


async def _grade_all(
    ctx: dict[str, Any],
    session: AsyncSession,
    run: m.AiGradingRun,
    work: list[Work],
    *,
    client: AiClient,
    provider: Provider,
) -> str:
    settings: Settings = ctx["settings"]
    secrets = await assessment_secrets(session, run.assessment_id)
    graded: dict[UUID, Any] = {}
    failures = 0
    for index, item in enumerate(work):
        await session.refresh(run)
        if run.cancel_requested:
            await _finish(session, run, "cancelled", f"cancelled by staff after {index} of {len(work)} answers")
            return "cancelled"
        state = await availability(session, settings, run.course_id)
        if not state.available:
            left = len(work) - index
            await _finish(session, run, "failed", f"{state.reason}; {left} answers left for a human")
            return "failed"
        await wait_for_rate(session, run.course_id, state.requests_per_minute, sleep=client.sleep)
        question = item.question
        if question.id not in graded:
            graded[question.id] = await hand_graded(session, question.id)
        proposal = await _grade_one(
            session,
            run,
            item,
            client=client,
            provider=provider,
            secrets=secrets,
            graded=graded[question.id],
        )
        run.done = index + 1
        if proposal.status == "failed":
            run.failed += 1
            failures += 1
        else:
            failures = 0
            if proposal.status == "withheld":
                run.withheld += 1
            else:
                run.proposed += 1
        await _commit(session, run)
        if failures >= MAX_FAILURES_IN_A_ROW:
            left = len(work) - index - 1
            await _finish(
                session,
                run,
                "failed",
                f"stopped: {failures} answers in a row failed ({proposal.error}); {left} answers left for a human",
            )
            return "failed"
    await _finish(session, run, "done")
    logger.info("AI run %s: %d answers, %d withheld, %d failed", run.id, len(work), run.withheld, run.failed)
    return "done"


async def _grade_one(
    session: AsyncSession,
    run: m.AiGradingRun,
    item: Work,
    *,
    client: AiClient,
    provider: Provider,
    secrets: list[Secret],
    graded: list[Any],
) -> m.AiProposal:
    question = item.question
    assessment = await session.get(m.Assessment, run.assessment_id)
    rubric = await _rubric(session, question.id)
    answer = await answer_text(session, item.attempt_id, question)
    examples = await worked_examples(session, question, [r.id for r in rubric], graded, excluding=item.attempt_id)
    # Another student's answer that holds hidden data (a hard-coded expected output) is never an example.
    examples = [e for e in examples if find_leak(e.answer.text, secrets) is None]
    staff_text = "\n".join([question.prompt_md, *(f"{r.title}\n{r.description}" for r in rubric)])
    messages = grading_messages(
        question_md=question.prompt_md,
        rubric=[RubricLine(r.title, r.points, r.description) for r in rubric],
        answer=answer,
        examples=examples,
    )
    proposal = m.AiProposal(
        run_id=run.id,
        course_id=run.course_id,
        attempt_id=item.attempt_id,
        question_id=question.id,
        model=provider.model,
        prompt_version=PROMPT_VERSION,
    )
    session.add(proposal)
    try:
        result = await _ask(
            client, messages, staff_text, secrets, validate=validator(len(rubric), line_count(answer.text))
        )
    except AiError as exc:
        proposal.status, proposal.error, proposal.tries = "failed", exc.reason, exc.tries
        proposal.prompt_tokens, proposal.completion_tokens = exc.prompt_tokens, exc.completion_tokens
    else:
        output = result.value
        proposal.tries = result.tries
        proposal.prompt_tokens, proposal.completion_tokens = result.prompt_tokens, result.completion_tokens
        applied = [rubric[d.item - 1] for d in output.items if d.applies]
        proposal.item_ids = [str(r.id) for r in applied]
        proposal.rationale = [
            {"itemId": str(rubric[d.item - 1].id), "applies": d.applies, "rationale": d.rationale, "lines": d.lines}
            for d in sorted(output.items, key=lambda d: d.item)
        ]
        proposal.feedback = output.feedback
        proposal.percent = round(sum(r.points for r in applied), 2)
        shown = "\n".join([output.feedback, *(d.rationale for d in output.items)])
        leak = find_leak(shown, secrets, allowed=[answer.text])
        if leak is not None:
            proposal.status = "withheld"
            proposal.flagged = f"quoted {leak.label}"
            logger.warning("AI proposal for attempt %s withheld: it quoted %s", item.attempt_id, leak.label)
        else:
            proposal.status = "calibration" if run.purpose == "calibrate" else "proposed"
    proposal.cost = provider.cost(proposal.prompt_tokens, proposal.completion_tokens)
    if proposal.prompt_tokens or proposal.completion_tokens:
        record_usage(
            session,
            course_id=run.course_id,
            kind=run.purpose,
            provider=provider,
            prompt_tokens=proposal.prompt_tokens,
            completion_tokens=proposal.completion_tokens,
            assessment_id=assessment.id if assessment else None,
        )
    await session.flush()
    return proposal


async def _ask(
    client: AiClient,
    messages: list[dict[str, str]],
    staff_text: str,
    secrets: list[Secret],
    *,
    validate: Callable[[GradeOutput], None],
) -> Structured[GradeOutput]:
    quoted = find_leak(staff_text, secrets)
    if quoted is not None:  # the prompt would carry hidden data: nothing is sent
        raise AiError(f"not sent: the question or its rubric quotes {quoted.label}; grade it by hand")
    return await client.structured(messages, GradeOutput, validate=validate)


def ai_grading_functions() -> list[Any]:
    return [func(grade_with_ai, name=GRADE_WITH_AI, max_tries=1, timeout=6 * 3600, keep_result=3600)]
