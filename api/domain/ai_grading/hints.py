"""Student hints: "explain my failing test", for tests the student can see (samples and tests marked visible)
only, in assessments whose instructor turned hints on (never in exams), streamed as server-sent events.

Each student has :attr:`~api.db.models.AiAssessmentSetting.hints_per_hour` hints an hour (429 beyond); all hints
of the assessment share a token budget, and the course's budget holds too. A hint's usage row is written before
the stream starts (so two hints at once both count), and completed with the tokens when it ends. The stream is
checked as it goes: text that would complete a quote of hidden tests or the reference solution is not sent, and
the hint ends there with a ``withheld`` event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final
from uuid import UUID

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from litestar.response import ServerSentEventMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.db import models as m
from api.db.engine import session_factory
from api.domain.ai_grading import schemas
from api.domain.ai_grading.client import AiClient, AiError, Provider, estimate_tokens
from api.domain.ai_grading.config import RATE_WINDOW, availability, record_usage, tokens_used
from api.domain.ai_grading.jobs import assessment_secrets
from api.domain.ai_grading.leaks import Secret, find_leak
from api.domain.ai_grading.prompts import hint_messages
from api.domain.assessments.services import Clock, utcnow
from api.domain.assessments.taking import AttemptService
from api.domain.assessments.visibility import audience_for
from api.domain.courses.access import CourseAccess
from api.lib.exceptions import ConflictError, TooManyRequestsError
from api.settings import Settings
from judge_worker.contracts import TestSetData

__all__ = ["HintOffer", "HintPlan", "HintService", "HintTest", "hint_offer", "stream_hint"]

HOUR: Final = timedelta(hours=1)
MAX_TEST_CHARS: Final = 4000


@dataclass(frozen=True)
class HintPlan:
    provider: Provider
    messages: list[dict[str, str]]
    secrets: list[Secret]
    allowed: list[str]
    usage_id: UUID


class HintService:
    def __init__(self, session: AsyncSession, settings: Settings, clock: Clock = utcnow) -> None:
        self.session = session
        self.settings = settings
        self.clock = clock
        self.attempts = AttemptService(session, clock)

    async def _setting(self, assessment_id: UUID) -> m.AiAssessmentSetting | None:
        row: m.AiAssessmentSetting | None = await self.session.scalar(
            select(m.AiAssessmentSetting).where(m.AiAssessmentSetting.assessment_id == assessment_id)
        )
        return row

    async def view(self, access: CourseAccess, assessment_id: UUID) -> schemas.HintSettings:
        assessment = await self.attempts.visible(access, assessment_id)
        row = await self._setting(assessment.id)
        used, _cost = await tokens_used(self.session, access.course.id, assessment_id=assessment.id, kind="hint")
        enabled = bool(row and row.hints_enabled)
        state = await availability(self.session, self.settings, access.course.id)
        reason = ""
        if assessment.kind == "exam":
            reason = "hints are never offered in exams"
        elif not enabled:
            reason = "the instructor has not turned hints on for this assessment"
        elif not state.available:
            reason = state.reason
        elif row is not None and used >= row.hint_token_budget:
            reason = "the hints of this assessment used up their budget"
        return schemas.HintSettings(
            assessment_id=assessment.id,
            hints_enabled=enabled,
            hints_per_hour=row.hints_per_hour if row else 5,
            hint_token_budget=row.hint_token_budget if row else 50_000,
            tokens_used=used,
            allowed=not reason,
            reason=reason,
        )

    async def update(
        self, access: CourseAccess, assessment_id: UUID, data: schemas.HintSettingsUpdate
    ) -> schemas.HintSettings:
        assessment = await self.attempts.visible(access, assessment_id)
        if data.hints_enabled and assessment.kind == "exam":
            raise ConflictError("hints are never offered in exams")
        row = await self._setting(assessment.id)
        if row is None:
            row = m.AiAssessmentSetting(assessment_id=assessment.id)
            self.session.add(row)
        row.hints_enabled = data.hints_enabled
        row.hints_per_hour = data.hints_per_hour
        row.hint_token_budget = data.hint_token_budget
        await self.session.flush()
        return await self.view(access, assessment_id)

    async def prepare(
        self, access: CourseAccess, assessment_id: UUID, question_id: UUID, data: schemas.HintRequest
    ) -> HintPlan:
        """Everything checked and the usage row written (committed), or an error the student can act on."""
        view = await self.view(access, assessment_id)
        if not view.allowed:
            raise ConflictError(f"no hints here: {view.reason}")
        assessment, attempt = await self.attempts.mine(access, assessment_id)
        question = await self.session.get(m.AssessmentQuestion, question_id)
        if question is None or question.assessment_id != assessment.id or question.type != "code":
            raise NotFoundError("no such code question in this assessment")
        link = await self.session.scalar(
            select(m.AssessmentSubmission).where(
                m.AssessmentSubmission.submission_id == data.submission_id,
                m.AssessmentSubmission.attempt_id == attempt.id,
                m.AssessmentSubmission.question_id == question.id,
            )
        )
        submission = await self.session.get(m.Submission, data.submission_id) if link else None
        if submission is None or submission.user_id != access.user.id:
            raise NotFoundError("no such submission of yours for this question")
        result = next((r for r in submission.results or [] if int(r.get("index", -1)) == data.test), None)
        digest = submission.testset_digest
        problem = await self.session.get(m.Problem, submission.problem_id) if submission.problem_id else None
        digest = digest or (problem.testset_digest if problem else None)
        stored = await self.session.get(m.TestSet, digest) if digest else None
        tests = msgspec.msgpack.decode(stored.data, type=TestSetData).tests if stored else ()
        test = tests[data.test] if 0 <= data.test < len(tests) else None
        if result is None or test is None:
            raise NotFoundError("no such test in this submission's results")
        audience = await audience_for(self.session, access.user, submission)  # the one visibility decision
        if audience.results_hidden_until is not None:
            raise ConflictError(f"your results are hidden until {audience.results_hidden_until}: no hints before")
        if not (test.sample or test.visibility == "visible") or not audience.may_see(
            {"sample": test.sample, "visibility": test.visibility}
        ):
            raise ConflictError("hints explain visible tests only; this test is hidden")
        verdict = str(result.get("verdict", ""))
        if verdict == "AC":
            raise ConflictError("this test passes: nothing to explain")
        since = self.clock() - HOUR
        recent = list(
            await self.session.scalars(
                select(m.AiUsage.created_at)
                .where(
                    m.AiUsage.course_id == access.course.id,
                    m.AiUsage.user_id == access.user.id,
                    m.AiUsage.kind == "hint",
                    m.AiUsage.created_at > since,
                )
                .order_by(m.AiUsage.created_at)
            )
        )
        if len(recent) >= view.hints_per_hour:
            wait = (recent[len(recent) - view.hints_per_hour] - since).total_seconds()
            raise TooManyRequestsError(
                f"you asked for {len(recent)} hints in the last hour (at most {view.hints_per_hour}): try again later",
                retry_after_s=int(wait) + 1,
            )
        state = await availability(self.session, self.settings, access.course.id)
        assert state.provider is not None  # view.allowed said so
        course_calls = await self.session.scalar(
            select(func.count()).where(
                m.AiUsage.course_id == access.course.id, m.AiUsage.created_at > self.clock() - RATE_WINDOW
            )
        )
        if int(course_calls or 0) >= state.requests_per_minute:
            raise TooManyRequestsError("the course's AI is busy right now: try again in a minute", retry_after_s=60)
        source = next(iter(submission.files.values()), "") if submission.files else ""
        messages = hint_messages(
            question_md=question.prompt_md,
            source=str(source),
            language=submission.language,
            test_input=test.input.decode("utf-8", errors="replace")[:MAX_TEST_CHARS],
            expected=test.expected.decode("utf-8", errors="replace")[:MAX_TEST_CHARS],
            verdict=verdict,
        )
        usage = record_usage(
            self.session,
            course_id=access.course.id,
            kind="hint",
            provider=state.provider,
            prompt_tokens=estimate_tokens(str(messages)),
            completion_tokens=0,
            assessment_id=assessment.id,
            user_id=access.user.id,
        )
        secrets = await assessment_secrets(self.session, assessment.id)
        await self.session.commit()
        return HintPlan(state.provider, messages, secrets, [str(source)], usage.id)


def _event(kind: str, data: schemas.HintChunk | schemas.HintEnd) -> ServerSentEventMessage:
    return ServerSentEventMessage(event=kind, data=msgspec.json.encode(data).decode())


async def stream_hint(plan: HintPlan, engine: AsyncEngine) -> AsyncIterator[ServerSentEventMessage]:
    """The hint as ``chunk`` events, then ``done`` (or ``withheld`` / ``error``); the usage row completed."""
    client = AiClient(plan.provider)
    said = ""
    ending = "done"
    try:
        async for text in client.stream(plan.messages):
            if find_leak(said + text, plan.secrets, allowed=plan.allowed) is not None:
                ending = "withheld"
                yield _event(
                    "withheld", schemas.HintEnd(message="the rest of this hint was withheld: it quoted hidden data")
                )
                break
            said += text
            yield _event("chunk", schemas.HintChunk(text=text))
    except AiError as exc:
        ending = "error"
        yield _event("error", schemas.HintEnd(message=f"no hint now: {exc.reason}"))
    finally:
        await client.close()
        async with session_factory(engine)() as session:
            usage = await session.get(m.AiUsage, plan.usage_id)
            if usage is not None:
                usage.completion_tokens = estimate_tokens(said) if said else 0
                usage.cost = plan.provider.cost(usage.prompt_tokens, usage.completion_tokens)
                await session.commit()
    if ending == "done":
        yield _event("done", schemas.HintEnd(chars=len(said)))


@dataclass(frozen=True)
class HintTest:
    index: int
    name: str
    verdict: str


@dataclass(frozen=True)
class HintOffer:
    """What the submission page offers its owner: the hint endpoint and the failing visible tests."""

    url: str
    per_hour: int
    tests: list[HintTest]


async def hint_offer(
    session: AsyncSession, settings: Settings, viewer: m.User, submission: m.Submission, results: list[Any]
) -> HintOffer | None:
    """For the owner of an assessment submission with failing visible tests, where hints are allowed; else None."""
    if submission.user_id != viewer.id:
        return None
    failing = [
        HintTest(r.index, r.name or f"test {r.index + 1}", r.verdict)
        for r in results
        if not r.hidden and (r.sample or r.visibility == "visible") and r.verdict not in ("AC", "") and not r.skipped
    ]
    if not failing:
        return None
    link = await session.scalar(
        select(m.AssessmentSubmission).where(m.AssessmentSubmission.submission_id == submission.id)
    )
    if link is None:
        return None
    attempt = await session.get(m.AssessmentAttempt, link.attempt_id)
    assessment = await session.get(m.Assessment, attempt.assessment_id) if attempt else None
    if assessment is None or assessment.kind == "exam":
        return None
    row = await session.scalar(
        select(m.AiAssessmentSetting).where(m.AiAssessmentSetting.assessment_id == assessment.id)
    )
    if (
        row is None
        or not row.hints_enabled
        or not (await availability(session, settings, assessment.course_id)).available
    ):
        return None
    url = f"/api/courses/{assessment.course_id}/hints/assessments/{assessment.id}/questions/{link.question_id}/explain"
    return HintOffer(url=url, per_hour=row.hints_per_hour, tests=failing)
