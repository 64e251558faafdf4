"""Grading one answer: the queue of answers that need a grader, what a grader sees of an answer, line comments,
the overall comment and the override of the derived score (with a reason; every change audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import select

from api.db import models as m
from api.domain.assessments.rules import InvalidInputError
from api.domain.courses.access import CourseAccess
from api.domain.grading import schemas
from api.domain.grading.common import Answer, GradingBase, check_percent
from api.domain.grading.rubric import RubricService
from api.domain.grading.scores import grades_released

__all__ = ["GRADED_TYPES", "AnswerService", "comment_view"]

GRADED_TYPES: Final = ("code", "essay")  # the queue holds what a person must look at; any answer may be overridden


def comment_view(c: m.LineComment, names: dict[UUID, str]) -> schemas.LineComment:
    return schemas.LineComment(
        id=c.id,
        line=c.line,
        text=c.text,
        author_name=names.get(c.author_id) if c.author_id else None,
        created_at=c.created_at,
        submission_id=c.submission_id,
    )


def _done(attempt: m.AssessmentAttempt, now: datetime) -> bool:
    return attempt.submitted_at is not None or (attempt.deadline is not None and now >= attempt.deadline)


class AnswerService(GradingBase):
    async def queue(
        self, access: CourseAccess, assessment_id: UUID, *, question_id: UUID | None = None, pending: bool = False
    ) -> list[schemas.QueueEntry]:
        """Handed-in answers to code and essay questions, by question and then by student; ``pending``: only those
        no grader has marked yet."""
        assessment = await self.assessment(access, assessment_id)
        questions = [q for q in await self.attempts.questions(assessment.id) if q.type in GRADED_TYPES]
        if question_id is not None:
            questions = [q for q in questions if q.id == question_id]
        now = self.clock()
        rows = await self.session.execute(
            select(m.AssessmentAttempt, m.User)
            .join(m.User, m.User.id == m.AssessmentAttempt.user_id)
            .where(m.AssessmentAttempt.assessment_id == assessment.id)
            .order_by(m.User.display_name, m.User.email)
        )
        people = [(a, u) for a, u in rows.tuples() if _done(a, now)]
        ids = [a.id for a, _u in people]
        answered: set[tuple[UUID, UUID]] = set()
        if ids:
            answered |= set(
                (
                    await self.session.execute(
                        select(m.AssessmentAnswer.attempt_id, m.AssessmentAnswer.question_id).where(
                            m.AssessmentAnswer.attempt_id.in_(ids)
                        )
                    )
                ).tuples()
            )
            answered |= set(
                (
                    await self.session.execute(
                        select(m.AssessmentSubmission.attempt_id, m.AssessmentSubmission.question_id).where(
                            m.AssessmentSubmission.attempt_id.in_(ids)
                        )
                    )
                ).tuples()
            )
        graded = {
            (g.attempt_id, g.question_id): g
            for g in await self.session.scalars(select(m.AnswerGrade).where(m.AnswerGrade.attempt_id.in_(ids)))
        }
        out: list[schemas.QueueEntry] = []
        for question in questions:
            for attempt, user in people:
                if (attempt.id, question.id) not in answered:
                    continue
                grade = graded.get((attempt.id, question.id))
                needs = grade is None or grade.graded_at is None
                if pending and not needs:
                    continue
                out.append(
                    schemas.QueueEntry(
                        attempt_id=attempt.id,
                        question_id=question.id,
                        question_position=question.position,
                        question_type=question.type,
                        user_id=user.id,
                        display_name=user.display_name,
                        email=user.email,
                        needs_grading=needs,
                        score=await self.percent_of(Answer(assessment, attempt, question)),
                    )
                )
        return out

    async def detail(self, access: CourseAccess, attempt_id: UUID, question_id: UUID) -> schemas.GradeDetail:
        answer = await self.answer(access, attempt_id, question_id)
        a, q = answer.attempt, answer.question
        user = await self.session.get(m.User, a.user_id)
        grade = await self.grade_of(answer, create=False)
        saved = await self.session.scalar(
            select(m.AssessmentAnswer).where(
                m.AssessmentAnswer.attempt_id == a.id, m.AssessmentAnswer.question_id == q.id
            )
        )
        submissions = list(
            (
                await self.session.scalars(
                    select(m.Submission)
                    .join(m.AssessmentSubmission, m.AssessmentSubmission.submission_id == m.Submission.id)
                    .where(m.AssessmentSubmission.attempt_id == a.id, m.AssessmentSubmission.question_id == q.id)
                    .order_by(m.Submission.created_at, m.Submission.id)
                )
            ).all()
        )
        shown = submissions[-1] if submissions else None
        file_name, source = next(iter(shown.files.items())) if shown and shown.files else (None, None)
        comments: list[m.LineComment] = []
        applied: list[UUID] = []
        if grade is not None:
            comments = list(
                (
                    await self.session.scalars(
                        select(m.LineComment)
                        .where(m.LineComment.grade_id == grade.id)
                        .order_by(m.LineComment.line, m.LineComment.created_at)
                    )
                ).all()
            )
            applied = list(
                await self.session.scalars(
                    select(m.RubricApplication.item_id).where(m.RubricApplication.grade_id == grade.id)
                )
            )
        names = await self._names({c.author_id for c in comments if c.author_id})
        queue = await self.queue(access, answer.assessment.id)
        keys = [(e.attempt_id, e.question_id) for e in queue]
        here = keys.index((a.id, q.id)) if (a.id, q.id) in keys else None
        previous = next_ = None
        if here is not None:
            if here > 0:
                previous = schemas.AnswerRef(attempt_id=keys[here - 1][0], question_id=keys[here - 1][1])
            if here + 1 < len(keys):
                next_ = schemas.AnswerRef(attempt_id=keys[here + 1][0], question_id=keys[here + 1][1])
        open_regrades = 0
        if grade is not None:
            open_regrades = len(
                (
                    await self.session.scalars(
                        select(m.RegradeRequest.id).where(
                            m.RegradeRequest.grade_id == grade.id, m.RegradeRequest.status == "open"
                        )
                    )
                ).all()
            )
        return schemas.GradeDetail(
            attempt_id=a.id,
            assessment_id=answer.assessment.id,
            question_id=q.id,
            question_position=q.position,
            question_type=q.type,
            prompt_md=q.prompt_md,
            user_id=a.user_id,
            display_name=user.display_name if user else "",
            email=user.email if user else "",
            text=saved.text if saved else "",
            language=shown.language if shown else None,
            source=source,
            file_name=file_name,
            submission_id=shown.id if shown else None,
            submission_ids=[s.id for s in submissions],
            verdict=shown.verdict if shown else None,
            test_count=len(shown.results) if shown else 0,
            base_score=await self.base_percent_of(answer),
            score=await self.percent_of(answer),
            rubric=await RubricService(self.session, self.clock).items(q.id),
            applied=applied,
            comments=[comment_view(c, names) for c in comments],
            overall_comment=grade.overall_comment if grade else "",
            override_percent=grade.override_percent if grade else None,
            override_reason=grade.override_reason if grade else "",
            graded_at=grade.graded_at if grade else None,
            released=await grades_released(self.session, answer.assessment.id),
            previous=previous,
            next=next_,
            open_regrades=open_regrades,
        )

    async def _names(self, ids: set[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(m.User.id, m.User.display_name).where(m.User.id.in_(ids)))
        return dict(list(rows.tuples()))

    async def add_comment(
        self, access: CourseAccess, attempt_id: UUID, question_id: UUID, data: schemas.LineCommentCreate
    ) -> schemas.LineComment:
        answer = await self.answer(access, attempt_id, question_id)
        if data.line < 1:
            raise InvalidInputError("line: lines are counted from 1", errors=[{"key": "line", "message": "from 1"}])
        if data.submission_id is not None:
            link = await self.session.scalar(
                select(m.AssessmentSubmission).where(
                    m.AssessmentSubmission.submission_id == data.submission_id,
                    m.AssessmentSubmission.attempt_id == answer.attempt.id,
                    m.AssessmentSubmission.question_id == answer.question.id,
                )
            )
            if link is None:
                raise NotFoundError("that submission is not part of this answer")
        grade = await self.grade_of(answer, create=True)
        assert grade is not None
        comment = m.LineComment(
            grade_id=grade.id,
            submission_id=data.submission_id,
            line=data.line,
            text=data.text.strip(),
            author_id=access.user.id,
        )
        self.session.add(comment)
        self.touched(access, grade)
        await self.session.flush()
        return comment_view(comment, {access.user.id: access.user.display_name})

    async def delete_comment(self, access: CourseAccess, comment_id: UUID) -> None:
        comment = await self.session.get(m.LineComment, comment_id)
        grade = await self.session.get(m.AnswerGrade, comment.grade_id) if comment else None
        if comment is None or grade is None:
            raise NotFoundError("no such comment in this course")
        await self.answer(access, grade.attempt_id, grade.question_id)  # the course's, or 404
        await self.session.delete(comment)
        await self.session.flush()

    async def set_comment(self, access: CourseAccess, attempt_id: UUID, question_id: UUID, text: str) -> None:
        answer = await self.answer(access, attempt_id, question_id)
        grade = await self.grade_of(answer, create=True)
        assert grade is not None
        grade.overall_comment = text.strip()
        self.touched(access, grade)
        await self.session.flush()

    async def override(
        self,
        access: CourseAccess,
        attempt_id: UUID,
        question_id: UUID,
        value: float | None,
        reason: str,
        *,
        action: str = "score_overridden",
    ) -> float | None:
        """Set (or, with None, clear) the override; the reason is required to set one. Answers the new score."""
        answer = await self.answer(access, attempt_id, question_id)
        return await self.override_answer(access, answer, value, reason, action=action)

    async def override_answer(
        self, access: CourseAccess, answer: Answer, value: float | None, reason: str, *, action: str
    ) -> float | None:
        if value is not None:
            value = check_percent(value)
            if not reason.strip():
                raise InvalidInputError(
                    "reason: say why the score is overridden", errors=[{"key": "reason", "message": "required"}]
                )
        if value is None:
            existing = await self.grade_of(answer, create=False)
            if existing is None or existing.override_percent is None:
                return await self.percent_of(answer)  # nothing to remove: no change, nothing to audit
        grade = await self.grade_of(answer, create=True)
        assert grade is not None
        old = await self.percent_of(answer)
        grade.override_percent = value
        grade.override_reason = reason.strip() if value is not None else ""
        grade.override_by_id = access.user.id if value is not None else None
        grade.override_at = self.clock() if value is not None else None
        self.touched(access, grade)
        await self.session.flush()
        new = await self.percent_of(answer)
        self.audit_score(
            access,
            answer,
            action if value is not None else "override_cleared",
            old=old,
            new=new,
            why=reason.strip() or "override removed",
        )
        await self.session.flush()
        return new
