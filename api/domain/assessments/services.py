"""``AssessmentService``: the staff side of assessments (settings, questions, publishing) and what members may see.
Every call is already authorised by the route's course-role guard; what is hidden from a student is a 404."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments import schemas
from api.domain.assessments.rules import (
    InvalidInputError,
    in_audience,
    question_config,
    student_state,
    validate_window,
)
from api.domain.courses.access import CourseAccess, course_problem_ids
from api.domain.courses.audit import audit
from api.domain.notifications.hooks import assessment_published

__all__ = ["AssessmentService", "Clock", "utcnow"]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _shuffled(view: schemas.Question, user_id: UUID) -> schemas.Question:
    """The options in an order of the student's own: the same for them on every load, different between students.
    Answers still name the options by their original index."""
    if view.type != "multiple_choice" or len(view.options) < 2:
        return view
    seed = hashlib.sha256(f"{user_id}:{view.id}".encode()).digest()
    order = list(range(len(view.options)))
    random.Random(seed).shuffle(order)  # noqa: S311 - an order to show options in, not a secret
    return msgspec.structs.replace(view, order=order)


class AssessmentService:
    def __init__(self, session: AsyncSession, clock: Clock = utcnow) -> None:
        self.session = session
        self.clock = clock

    # --- reading --------------------------------------------------------------------------------------------
    async def visible(self, access: CourseAccess, assessment_id: UUID) -> m.Assessment:
        """The assessment, if the caller may see it: staff any of the course's; students published ones of their
        audience (404 otherwise, so hidden assessments are not revealed)."""
        assessment = await self.session.get(m.Assessment, assessment_id)
        if assessment is None or assessment.course_id != access.course.id:
            raise NotFoundError("no such assessment in this course")
        if not access.is_staff and not (assessment.published and in_audience(assessment, access.membership)):
            raise NotFoundError("no such assessment in this course")
        return assessment

    async def list_for(self, access: CourseAccess) -> list[schemas.Assessment]:
        rows = (
            await self.session.scalars(
                select(m.Assessment)
                .where(m.Assessment.course_id == access.course.id)
                .order_by(m.Assessment.opens_at.is_(None), m.Assessment.opens_at, m.Assessment.created_at)
            )
        ).all()
        if not access.is_staff:
            rows = [a for a in rows if a.published and in_audience(a, access.membership)]
        counts = await self._question_counts([a.id for a in rows])
        attempts = await self._attempts_of(access.user.id, [a.id for a in rows])
        extra = await self._accommodations_of(access.user.id, [a.id for a in rows])
        now = self.clock()
        return [
            self.to_schema(
                a,
                question_count=counts.get(a.id, 0),
                state=None if access.is_staff else student_state(a, attempts.get(a.id), now, extra.get(a.id)),
            )
            for a in rows
        ]

    async def _accommodations_of(self, user_id: UUID, ids: list[UUID]) -> dict[UUID, m.AssessmentAccommodation]:
        if not ids:
            return {}
        rows = await self.session.scalars(
            select(m.AssessmentAccommodation).where(
                m.AssessmentAccommodation.user_id == user_id, m.AssessmentAccommodation.assessment_id.in_(ids)
            )
        )
        return {a.assessment_id: a for a in rows}

    async def _question_counts(self, ids: list[UUID]) -> dict[UUID, int]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(m.AssessmentQuestion.assessment_id, func.count())
            .where(m.AssessmentQuestion.assessment_id.in_(ids))
            .group_by(m.AssessmentQuestion.assessment_id)
        )
        return {aid: int(n) for aid, n in rows.tuples()}

    async def _attempts_of(self, user_id: UUID, ids: list[UUID]) -> dict[UUID, m.AssessmentAttempt]:
        if not ids:
            return {}
        rows = await self.session.scalars(
            select(m.AssessmentAttempt).where(
                m.AssessmentAttempt.user_id == user_id, m.AssessmentAttempt.assessment_id.in_(ids)
            )
        )
        return {a.assessment_id: a for a in rows}

    async def questions(self, assessment_id: UUID) -> list[m.AssessmentQuestion]:
        return list(
            (
                await self.session.scalars(
                    select(m.AssessmentQuestion)
                    .where(m.AssessmentQuestion.assessment_id == assessment_id)
                    .order_by(m.AssessmentQuestion.position, m.AssessmentQuestion.created_at)
                )
            ).all()
        )

    async def detail(self, access: CourseAccess, assessment: m.Assessment) -> schemas.AssessmentDetail:
        """The assessment with its questions. Students see the questions only once it has opened."""
        now = self.clock()
        questions = await self.questions(assessment.id)
        attempt = extra = None
        if not access.is_staff:
            attempt = (await self._attempts_of(access.user.id, [assessment.id])).get(assessment.id)
            extra = (await self._accommodations_of(access.user.id, [assessment.id])).get(assessment.id)
        state = None if access.is_staff else student_state(assessment, attempt, now, extra)
        shown = questions if access.is_staff or state != "upcoming" else []
        problems = await self._problems([q for q in shown if q.type == "code"])
        views = [self.question_view(q, problems, staff=access.is_staff) for q in shown]
        if not access.is_staff:
            views = [_shuffled(v, access.user.id) for v in views]
        return schemas.AssessmentDetail(
            assessment=self.to_schema(assessment, question_count=len(questions), state=state),
            questions=views,
            server_now=now,
        )

    async def _problems(self, questions: list[m.AssessmentQuestion]) -> dict[str, m.Problem]:
        ids = [UUID(q.config["problemId"]) for q in questions if q.config.get("problemId")]
        if not ids:
            return {}
        rows = await self.session.scalars(select(m.Problem).where(m.Problem.id.in_(ids)))
        return {str(p.id): p for p in rows}

    @staticmethod
    def question_view(q: m.AssessmentQuestion, problems: dict[str, m.Problem], *, staff: bool) -> schemas.Question:
        c = q.config
        problem = problems.get(str(c.get("problemId")))
        return schemas.Question(
            id=q.id,
            position=q.position,
            weight=q.weight,
            type=q.type,  # type: ignore[arg-type]  # a QuestionType, checked when stored
            prompt_md=q.prompt_md,
            options=list(c.get("options", [])),
            multiple=bool(c.get("multiple", False)),
            problem_id=UUID(c["problemId"]) if c.get("problemId") else None,
            problem_slug=problem.slug if problem else None,
            problem_title=problem.title if problem else None,
            languages=list(c.get("languages") or (problem.languages if problem else [])),
            max_attempts=c.get("maxAttempts"),
            penalties=list(c.get("penalties", [])),
            count=c.get("count"),
            starter_code=str(c.get("starterCode", "")),
            match=c.get("match"),
            correct=list(c["correct"]) if staff and "correct" in c else None,
            accepted=list(c["accepted"]) if staff and "accepted" in c else None,
            tolerance=c.get("tolerance") if staff else None,
            allowed_extensions=list(c.get("allowedExtensions", [])),
        )

    @staticmethod
    def to_schema(
        a: m.Assessment, *, question_count: int, state: schemas.StudentState | None = None
    ) -> schemas.Assessment:
        return schemas.Assessment(
            id=a.id,
            course_id=a.course_id,
            kind=a.kind,  # type: ignore[arg-type]  # values of the Literal, checked when stored
            title=a.title,
            instructions_md=a.instructions_md,
            group_ids=[UUID(g) for g in a.group_ids],
            level_ids=[UUID(lv) for lv in a.level_ids],
            opens_at=a.opens_at,
            due_at=a.due_at,
            closes_at=a.closes_at,
            late_penalty_mode=a.late_penalty_mode,  # type: ignore[arg-type]
            late_penalty_percent=a.late_penalty_percent,
            published=a.published,
            time_limit_minutes=a.time_limit_minutes,
            score_visibility=a.score_visibility,  # type: ignore[arg-type]
            scores_published=a.scores_published,
            question_count=question_count,
            state=state,
        )

    # --- staff: settings ------------------------------------------------------------------------------------
    async def _check_audience(self, course_id: UUID, data: schemas.AssessmentCreate) -> None:
        for field, model, ids in (
            ("groupIds", m.CourseGroup, data.group_ids),
            ("levelIds", m.CourseLevel, data.level_ids),
        ):
            if not ids:
                continue
            found = set(
                await self.session.scalars(select(model.id).where(model.course_id == course_id, model.id.in_(ids)))
            )
            missing = [str(i) for i in ids if i not in found]
            if missing:
                raise InvalidInputError(
                    f"{field}: not of this course: {', '.join(missing)}",
                    errors=[{"key": field, "message": "not of this course"}],
                )

    def _apply(self, assessment: m.Assessment, data: schemas.AssessmentCreate) -> None:
        assessment.title = " ".join(data.title.split())
        assessment.kind = data.kind
        assessment.instructions_md = data.instructions_md
        assessment.group_ids = sorted({str(g) for g in data.group_ids})
        assessment.level_ids = sorted({str(lv) for lv in data.level_ids})
        assessment.opens_at = data.opens_at
        assessment.due_at = data.due_at
        assessment.closes_at = data.closes_at
        assessment.late_penalty_mode = data.late_penalty_mode
        assessment.late_penalty_percent = data.late_penalty_percent
        assessment.time_limit_minutes = data.time_limit_minutes
        assessment.score_visibility = data.score_visibility

    async def create(self, access: CourseAccess, data: schemas.AssessmentCreate) -> m.Assessment:
        validate_window(data)
        await self._check_audience(access.course.id, data)
        assessment = m.Assessment(course_id=access.course.id, title=data.title, published=False)
        self._apply(assessment, data)
        self.session.add(assessment)
        await self.session.flush()
        audit(self.session, access.course.id, access.user, "assessment_created", assessment_id=assessment.id)
        await self.session.flush()
        return assessment

    async def replace(self, access: CourseAccess, assessment_id: UUID, data: schemas.AssessmentCreate) -> m.Assessment:
        assessment = await self.visible(access, assessment_id)
        validate_window(data)
        await self._check_audience(access.course.id, data)
        self._apply(assessment, data)
        audit(self.session, access.course.id, access.user, "assessment_updated", assessment_id=assessment.id)
        await self.session.flush()
        return assessment

    async def delete(self, access: CourseAccess, assessment_id: UUID) -> None:
        assessment = await self.visible(access, assessment_id)
        audit(self.session, access.course.id, access.user, "assessment_deleted", title=assessment.title)
        await self.session.delete(assessment)
        await self.session.flush()

    async def publish(self, access: CourseAccess, assessment_id: UUID, data: schemas.PublishUpdate) -> m.Assessment:
        assessment = await self.visible(access, assessment_id)
        was = (assessment.published, assessment.scores_published)
        if data.published is not None:
            assessment.published = data.published
        if data.scores_published is not None:
            assessment.scores_published = data.scores_published
        audit(
            self.session,
            access.course.id,
            access.user,
            "assessment_published",
            assessment_id=assessment.id,
            published=assessment.published,
            scores_published=assessment.scores_published,
        )
        await self.session.flush()
        await assessment_published(self.session, assessment, was_published=was[0], scores_were_published=was[1])
        return assessment

    # --- staff: questions -----------------------------------------------------------------------------------
    async def _config(self, access: CourseAccess, data: schemas.QuestionCreate) -> dict[str, object]:
        config = question_config(data)
        if data.type == "code":
            in_course = await self.session.scalar(
                course_problem_ids(access.course.id).where(m.CourseProblem.problem_id == data.problem_id)
            )
            if in_course is None:
                raise InvalidInputError(
                    "problemId: not a problem of this course (attach it to the course first)",
                    errors=[{"key": "problemId", "message": "not a problem of this course"}],
                )
        return config

    async def _question(self, assessment: m.Assessment, question_id: UUID) -> m.AssessmentQuestion:
        question = await self.session.get(m.AssessmentQuestion, question_id)
        if question is None or question.assessment_id != assessment.id:
            raise NotFoundError("no such question in this assessment")
        return question

    async def add_question(
        self, access: CourseAccess, assessment_id: UUID, data: schemas.QuestionCreate
    ) -> m.AssessmentQuestion:
        assessment = await self.visible(access, assessment_id)
        config = await self._config(access, data)
        position = data.position
        if position is None:
            last = await self.session.scalar(
                select(func.max(m.AssessmentQuestion.position)).where(
                    m.AssessmentQuestion.assessment_id == assessment.id
                )
            )
            position = int(last) + 1 if last is not None else 0
        question = m.AssessmentQuestion(
            assessment_id=assessment.id,
            position=position,
            weight=data.weight,
            type=data.type,
            prompt_md=data.prompt_md,
            config=config,
        )
        self.session.add(question)
        await self.session.flush()
        return question

    async def replace_question(
        self, access: CourseAccess, assessment_id: UUID, question_id: UUID, data: schemas.QuestionCreate
    ) -> m.AssessmentQuestion:
        assessment = await self.visible(access, assessment_id)
        question = await self._question(assessment, question_id)
        question.config = await self._config(access, data)
        question.type = data.type
        question.weight = data.weight
        question.prompt_md = data.prompt_md
        if data.position is not None:
            question.position = data.position
        await self.session.flush()
        return question

    async def delete_question(self, access: CourseAccess, assessment_id: UUID, question_id: UUID) -> None:
        assessment = await self.visible(access, assessment_id)
        await self.session.delete(await self._question(assessment, question_id))
        await self.session.flush()
