"""``AttemptService``: a student takes an assessment. The server's clock is the only clock: answers after the
attempt's deadline are refused (409), an attempt past its deadline is submitted as of the deadline, and scores
are derived from the answers and the linked submissions each time they are shown (so a rejudge counts at once)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from api.db import models as m
from api.domain.assessments import schemas
from api.domain.assessments.accommodations import accommodation_of
from api.domain.assessments.rules import (
    InvalidInputError,
    attempt_deadline,
    auto_submit,
    in_audience,
    scores_visible,
    student_state,
    window,
)
from api.domain.assessments.scoring import (
    CodeTry,
    WeightedScore,
    assessment_score,
    code_fraction,
    late_penalty_percent,
    multiple_choice_fraction,
    short_answer_matches,
)
from api.domain.assessments.services import AssessmentService
from api.domain.courses.access import CourseAccess
from api.domain.grading.scores import graded_fraction, grades_released, marks_of
from api.domain.submissions.services import SubmissionService, normalise_files
from api.lib.exceptions import ConflictError
from api.lib.ratelimit import RateLimiter
from api.queue import JudgeQueue, Lane
from api.settings import Settings

__all__ = ["AttemptService"]


def _answer_score(question: m.AssessmentQuestion, answer: m.AssessmentAnswer | None) -> float | None:
    """An answer's fraction: the grader's for essays (None: not graded yet), the automatic one otherwise."""
    if answer is None:
        return None
    return answer.manual_score if question.type == "essay" else answer.auto_score


class AttemptService(AssessmentService):
    async def attempt_of(self, user_id: UUID, assessment_id: UUID, *, lock: bool = False) -> m.AssessmentAttempt | None:
        """The user's attempt (submitted first if its deadline has passed), or None. ``lock``: held until the
        transaction ends (PostgreSQL), so two writes to one attempt take turns."""
        statement = select(m.AssessmentAttempt).where(
            m.AssessmentAttempt.assessment_id == assessment_id, m.AssessmentAttempt.user_id == user_id
        )
        attempt: m.AssessmentAttempt | None = await self.session.scalar(
            statement.with_for_update() if lock else statement
        )
        if attempt is not None and auto_submit(attempt, self.clock()):
            await self.session.flush()
        return attempt

    async def mine(
        self, access: CourseAccess, assessment_id: UUID, *, lock: bool = False
    ) -> tuple[m.Assessment, m.AssessmentAttempt]:
        assessment = await self.visible(access, assessment_id)
        attempt = await self.attempt_of(access.user.id, assessment.id, lock=lock)
        if attempt is None:
            raise NotFoundError("you have not started this assessment")
        return assessment, attempt

    async def start(self, access: CourseAccess, assessment_id: UUID) -> tuple[m.Assessment, m.AssessmentAttempt]:
        """Start (or resume) the caller's attempt; the deadline is fixed now, by the server."""
        assessment = await self.visible(access, assessment_id)
        existing = await self.attempt_of(access.user.id, assessment.id)
        if existing is not None:
            return assessment, existing
        now = self.clock()
        accommodation = await accommodation_of(self.session, assessment.id, access.user.id)
        opens, closes = window(assessment, accommodation)
        if opens is not None and now < opens:
            raise ConflictError(f"this assessment opens at {opens.isoformat()}")
        if closes is not None and now >= closes:
            raise ConflictError(f"this assessment closed at {closes.isoformat()}")
        attempt = m.AssessmentAttempt(
            assessment_id=assessment.id,
            user_id=access.user.id,
            started_at=now,
            deadline=attempt_deadline(assessment, now, accommodation),
        )
        try:
            async with self.session.begin_nested():
                self.session.add(attempt)
        except IntegrityError:  # a second Start raced this one: theirs stands
            found = await self.attempt_of(access.user.id, assessment.id)
            if found is None:  # pragma: no cover - the unique constraint held a row that is gone again
                raise
            return assessment, found
        return assessment, attempt

    def _open(self, attempt: m.AssessmentAttempt) -> None:
        if attempt.submitted_at is not None:
            raise ConflictError(
                f"this attempt was submitted at {attempt.submitted_at.isoformat()}: answers are no longer accepted"
            )

    async def _question(self, assessment: m.Assessment, question_id: UUID) -> m.AssessmentQuestion:
        question = await self.session.get(m.AssessmentQuestion, question_id)
        if question is None or question.assessment_id != assessment.id:
            raise NotFoundError("no such question in this assessment")
        return question

    async def save_answer(
        self, access: CourseAccess, assessment_id: UUID, question_id: UUID, data: schemas.AnswerSave
    ) -> m.AssessmentAnswer:
        assessment, attempt = await self.mine(access, assessment_id, lock=True)
        self._open(attempt)
        question = await self._question(assessment, question_id)
        c = question.config
        if question.type == "multiple_choice":
            if data.choices is None or data.text is not None:
                raise InvalidInputError(
                    "choices: answer a multiple-choice question with option indexes",
                    errors=[{"key": "choices", "message": "required"}],
                )
            choices = sorted(set(data.choices))
            if any(i >= len(c["options"]) for i in choices):
                raise InvalidInputError(
                    f"choices: there are {len(c['options'])} options (0..{len(c['options']) - 1})",
                    errors=[{"key": "choices", "message": "out of range"}],
                )
            if not c.get("multiple") and len(choices) > 1:
                raise InvalidInputError(
                    "choices: this question takes one answer", errors=[{"key": "choices", "message": "one answer only"}]
                )
            text, score = "", multiple_choice_fraction(c["correct"], choices, multiple=bool(c.get("multiple")))
        elif question.type == "short_answer":
            if data.text is None or data.choices is not None:
                raise InvalidInputError(
                    "text: answer a short-answer question with text", errors=[{"key": "text", "message": "required"}]
                )
            choices, text = [], data.text
            matched = short_answer_matches(c["accepted"], c["match"], text, tolerance=float(c.get("tolerance", 0)))
            score = 1.0 if matched else 0.0
        elif question.type == "essay":
            if data.text is None or data.choices is not None:
                raise InvalidInputError(
                    "text: answer an essay question with text", errors=[{"key": "text", "message": "required"}]
                )
            choices, text, score = [], data.text, None
        else:
            raise InvalidInputError(
                "questionId: a code question is answered by submitting a program",
                errors=[{"key": "questionId", "message": "submit code instead"}],
            )
        answer = await self.session.scalar(
            select(m.AssessmentAnswer).where(
                m.AssessmentAnswer.attempt_id == attempt.id, m.AssessmentAnswer.question_id == question.id
            )
        )
        now = self.clock()
        if answer is None:
            answer = m.AssessmentAnswer(attempt_id=attempt.id, question_id=question.id, saved_at=now)
            self.session.add(answer)
        answer.choices, answer.text, answer.auto_score, answer.saved_at = choices, text, score, now
        await self.session.flush()
        return answer

    async def submit_code(
        self,
        access: CourseAccess,
        assessment_id: UUID,
        question_id: UUID,
        data: schemas.CodeSubmit,
        *,
        queue: JudgeQueue,
        limiter: RateLimiter,
        redis: Redis,
        settings: Settings,
    ) -> m.Submission:
        """Hand a program for a code question to the ordinary judge pipeline, linked to the attempt. Should two race
        past the attempt limit, only the first ``maxAttempts`` count (see ``score_of``)."""
        assessment, attempt = await self.mine(access, assessment_id, lock=True)
        self._open(attempt)
        question = await self._question(assessment, question_id)
        if question.type != "code":
            raise InvalidInputError(
                "questionId: only code questions take programs",
                errors=[{"key": "questionId", "message": "not a code question"}],
            )
        c = question.config
        if c.get("languages") and data.language not in c["languages"]:
            raise InvalidInputError(
                f"language: use one of {', '.join(c['languages'])}",
                errors=[{"key": "language", "message": "not allowed for this question"}],
            )
        used = await self.session.scalar(
            select(func.count())
            .select_from(m.AssessmentSubmission)
            .where(m.AssessmentSubmission.attempt_id == attempt.id, m.AssessmentSubmission.question_id == question.id)
        )
        if c.get("maxAttempts") is not None and int(used or 0) >= int(c["maxAttempts"]):
            raise ConflictError(f"you have used all {c['maxAttempts']} attempts at this question")
        problem = await self.session.get(m.Problem, UUID(c["problemId"]))
        if problem is None:
            raise NotFoundError("the problem of this question is gone")
        files = normalise_files(data.language, source=data.source, files=None, settings=settings)
        submissions = SubmissionService(session=self.session)
        submission = await submissions.submit(
            user=access.user,
            kind=m.SubmissionKind.SUBMISSION,
            problem=problem,
            language=data.language,
            files=files,
            stdin=None,
            queue=queue,
            limiter=limiter,
            redis=redis,
            settings=settings,
            lane=Lane.EXAM if assessment.kind == "exam" else None,
        )
        self.session.add(
            m.AssessmentSubmission(attempt_id=attempt.id, question_id=question.id, submission_id=submission.id)
        )
        await self.session.flush()
        return submission

    async def finish(self, access: CourseAccess, assessment_id: UUID) -> tuple[m.Assessment, m.AssessmentAttempt]:
        assessment, attempt = await self.mine(access, assessment_id, lock=True)
        self._open(attempt)
        attempt.submitted_at = self.clock()
        await self.session.flush()
        return assessment, attempt

    # --- scores ---------------------------------------------------------------------------------------------
    async def _links(self, attempt_id: UUID) -> list[tuple[m.AssessmentSubmission, m.Submission]]:
        rows = await self.session.execute(
            select(m.AssessmentSubmission, m.Submission)
            .join(m.Submission, m.Submission.id == m.AssessmentSubmission.submission_id)
            .where(m.AssessmentSubmission.attempt_id == attempt_id)
            .order_by(m.Submission.created_at, m.Submission.id)
        )
        return list(rows.tuples())

    async def question_fractions(
        self, attempt: m.AssessmentAttempt, questions: list[m.AssessmentQuestion], *, marks: bool = True
    ) -> dict[UUID, float | None]:
        """Each question's fraction (0..1) in the attempt; None: an essay answer waiting for a grader. ``marks``:
        with the grader's rubric items and overrides (api/domain/grading/scores.py)."""
        answers = {
            a.question_id: a
            for a in await self.session.scalars(
                select(m.AssessmentAnswer).where(m.AssessmentAnswer.attempt_id == attempt.id)
            )
        }
        links = await self._links(attempt.id)
        graded = await marks_of(self.session, [attempt.id]) if marks else {}
        out: dict[UUID, float | None] = {}
        for q in questions:
            base: float | None
            if q.type == "code":
                tries = [CodeTry(s.score) for link, s in links if link.question_id == q.id]
                if q.config.get("maxAttempts"):
                    tries = tries[: int(q.config["maxAttempts"])]  # racing submissions past the limit count not
                base = code_fraction(
                    tries, penalties=q.config.get("penalties", []), count=q.config.get("count", "best")
                )
            else:
                answer = answers.get(q.id)
                base = _answer_score(q, answer)
                if base is None and not (answer is not None and q.type == "essay"):
                    base = 0.0  # unanswered: nothing to wait for
            out[q.id] = graded_fraction(base, graded.get((attempt.id, q.id)))
        return out

    async def score_of(
        self,
        assessment: m.Assessment,
        attempt: m.AssessmentAttempt,
        questions: list[m.AssessmentQuestion],
        *,
        marks: bool = True,
    ) -> tuple[float, float, int]:
        """The attempt's score out of 100, the late penalty (percent) it includes, and how many answers wait for a
        grader (they count 0 until graded)."""
        fractions = await self.question_fractions(attempt, questions, marks=marks)
        parts = [WeightedScore(q.weight, fractions[q.id] or 0.0) for q in questions]
        waiting = sum(1 for q in questions if fractions[q.id] is None)
        finished = attempt.submitted_at or self.clock()
        late = late_penalty_percent(
            finished, assessment.due_at, mode=assessment.late_penalty_mode, percent=assessment.late_penalty_percent
        )
        return assessment_score(parts, late_penalty=late), late, waiting

    async def view(
        self, access: CourseAccess, assessment: m.Assessment, attempt: m.AssessmentAttempt
    ) -> schemas.Attempt:
        now = self.clock()
        visible = scores_visible(assessment, now, staff=access.is_staff)
        answers = (
            await self.session.scalars(select(m.AssessmentAnswer).where(m.AssessmentAnswer.attempt_id == attempt.id))
        ).all()
        links = await self._links(attempt.id)
        questions = await self.questions(assessment.id)
        by_id = {q.id: q for q in questions}
        score = late = None
        waiting = 0
        if visible:
            marks = access.is_staff or await grades_released(self.session, assessment.id)
            score, late, waiting = await self.score_of(assessment, attempt, questions, marks=marks)
        remaining = None
        if attempt.deadline is not None and attempt.submitted_at is None:
            remaining = max(0, int((attempt.deadline - now).total_seconds()))
        return schemas.Attempt(
            assessment_id=assessment.id,
            started_at=attempt.started_at,
            deadline=attempt.deadline,
            submitted_at=attempt.submitted_at,
            server_now=now,
            remaining_seconds=remaining,
            state=student_state(assessment, attempt, now),
            answers=[
                schemas.Answer(
                    question_id=a.question_id,
                    choices=list(a.choices),
                    text=a.text,
                    saved_at=a.saved_at,
                    score=_answer_score(by_id[a.question_id], a) if visible and a.question_id in by_id else None,
                    waiting_for_grader=a.question_id in by_id
                    and by_id[a.question_id].type == "essay"
                    and a.manual_score is None,
                )
                for a in answers
            ],
            submissions=[
                schemas.SubmissionLink(
                    question_id=link.question_id,
                    submission_id=s.id,
                    created_at=s.created_at,
                    status=s.status.value,
                    verdict=s.verdict if visible else None,
                    score=s.score if visible else None,
                )
                for link, s in links
            ],
            scores_visible=visible,
            score=score,
            late_penalty=late,
            waiting_for_grader=waiting,
        )

    async def results(self, access: CourseAccess, assessment_id: UUID) -> list[schemas.ResultRow]:
        """Every student of the assessment's audience, with their state and score (staff)."""
        assessment = await self.visible(access, assessment_id)
        questions = await self.questions(assessment.id)
        rows = await self.session.execute(
            select(m.CourseMembership, m.User)
            .join(m.User, m.User.id == m.CourseMembership.user_id)
            .where(
                m.CourseMembership.course_id == access.course.id,
                m.CourseMembership.role == m.CourseRole.STUDENT,
            )
            .order_by(m.User.display_name, m.User.email)
        )
        out: list[schemas.ResultRow] = []
        now = self.clock()
        for membership, user in rows.tuples():
            if not in_audience(assessment, membership):
                continue
            attempt = await self.attempt_of(user.id, assessment.id)
            score = late = None
            waiting = 0
            started: datetime | None = None
            if attempt is not None:
                started = attempt.started_at
                score, late, waiting = await self.score_of(assessment, attempt, questions)
            out.append(
                schemas.ResultRow(
                    user_id=user.id,
                    email=user.email,
                    display_name=user.display_name,
                    state=student_state(assessment, attempt, now),
                    started_at=started,
                    submitted_at=attempt.submitted_at if attempt else None,
                    score=score,
                    late_penalty=late,
                    waiting_for_grader=waiting,
                )
            )
        return out
