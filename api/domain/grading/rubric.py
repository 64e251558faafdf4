"""Rubric items of a question and their use on answers. Items are shared by every answer to the question; an
answer's score reads their points each time, so an edit changes every answer the item is applied to (each change
audited). Two graders editing one item: the second edit names a version that is gone and is refused (409)."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from api.db import models as m
from api.domain.courses.access import CourseAccess
from api.domain.grading import schemas
from api.domain.grading.common import Answer, GradingBase
from api.lib.exceptions import ConflictError

__all__ = ["RubricService", "item_view"]


def item_view(item: m.RubricItem, applied_count: int = 0) -> schemas.RubricItem:
    return schemas.RubricItem(
        id=item.id,
        question_id=item.question_id,
        title=item.title,
        description=item.description,
        points=item.points,
        position=item.position,
        version=item.version,
        applied_count=applied_count,
    )


def _stale(item: m.RubricItem, seen: int) -> ConflictError:
    return ConflictError(
        f"someone else changed the rubric item {item.title!r} since you loaded it (your version {seen}, now "
        f"{item.version}): reload the rubric and make your change again"
    )


class RubricService(GradingBase):
    async def items(self, question_id: UUID) -> list[schemas.RubricItem]:
        result = await self.session.execute(
            select(m.RubricApplication.item_id, func.count())
            .join(m.RubricItem, m.RubricItem.id == m.RubricApplication.item_id)
            .where(m.RubricItem.question_id == question_id)
            .group_by(m.RubricApplication.item_id)
        )
        counts = dict(list(result.tuples()))
        rows = await self.session.scalars(
            select(m.RubricItem)
            .where(m.RubricItem.question_id == question_id)
            .order_by(m.RubricItem.position, m.RubricItem.created_at)
        )
        return [item_view(i, int(counts.get(i.id, 0))) for i in rows]

    async def list_for(self, access: CourseAccess, question_id: UUID) -> list[schemas.RubricItem]:
        await self.question(access, question_id)
        return await self.items(question_id)

    async def _item(self, access: CourseAccess, item_id: UUID) -> tuple[m.RubricItem, m.Assessment]:
        item = await self.session.get(m.RubricItem, item_id)
        if item is None:
            raise NotFoundError("no such rubric item in this course")
        assessment, _question = await self.question(access, item.question_id)
        return item, assessment

    async def create(
        self, access: CourseAccess, question_id: UUID, data: schemas.RubricItemCreate
    ) -> schemas.RubricItem:
        _assessment, question = await self.question(access, question_id)
        position = data.position
        if position is None:
            last = await self.session.scalar(
                select(func.max(m.RubricItem.position)).where(m.RubricItem.question_id == question.id)
            )
            position = int(last) + 1 if last is not None else 0
        item = m.RubricItem(
            question_id=question.id,
            title=" ".join(data.title.split()),
            description=data.description,
            points=round(data.points, 2),
            position=position,
            version=1,
        )
        self.session.add(item)
        await self.session.flush()
        return item_view(item)

    async def _affected(self, access: CourseAccess, item: m.RubricItem) -> list[Answer]:
        rows = await self.session.execute(
            select(m.AssessmentAttempt, m.AssessmentQuestion)
            .join(m.AnswerGrade, m.AnswerGrade.attempt_id == m.AssessmentAttempt.id)
            .join(m.AssessmentQuestion, m.AssessmentQuestion.id == m.AnswerGrade.question_id)
            .join(m.RubricApplication, m.RubricApplication.grade_id == m.AnswerGrade.id)
            .where(m.RubricApplication.item_id == item.id)
        )
        answers = []
        for attempt, question in rows.tuples():
            assessment = await self.session.get(m.Assessment, attempt.assessment_id)
            if assessment is not None and assessment.course_id == access.course.id:
                answers.append(Answer(assessment, attempt, question))
        return answers

    async def update(self, access: CourseAccess, item_id: UUID, data: schemas.RubricItemUpdate) -> schemas.RubricItem:
        """Edit an item if nobody has since ``data.version``; every answer it is applied to gets its new score, and
        each changed score is audited."""
        item, _assessment = await self._item(access, item_id)
        affected = await self._affected(access, item)
        before = [await self.percent_of(a) for a in affected]
        result = await self.session.execute(
            update(m.RubricItem)
            .where(m.RubricItem.id == item.id, m.RubricItem.version == data.version)
            .values(
                title=" ".join(data.title.split()),
                description=data.description,
                points=round(data.points, 2),
                position=item.position if data.position is None else data.position,
                version=m.RubricItem.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(item)
        if getattr(result, "rowcount", 0) != 1:
            raise _stale(item, data.version)
        for answer, old in zip(affected, before, strict=True):
            new = await self.percent_of(answer)
            if new != old:
                self.audit_score(
                    access, answer, "rubric_item_edited", old=old, new=new, why=f"rubric item {item.title!r} edited"
                )
        await self.session.flush()
        return item_view(item, len(affected))

    async def delete(self, access: CourseAccess, item_id: UUID, version: int) -> None:
        item, _assessment = await self._item(access, item_id)
        if item.version != version:
            raise _stale(item, version)
        affected = await self._affected(access, item)
        before = [await self.percent_of(a) for a in affected]
        await self.session.execute(delete(m.RubricApplication).where(m.RubricApplication.item_id == item.id))
        result = await self.session.execute(
            delete(m.RubricItem)
            .where(m.RubricItem.id == item.id, m.RubricItem.version == version)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            await self.session.refresh(item)
            raise _stale(item, version)
        self.session.expunge(item)
        for answer, old in zip(affected, before, strict=True):
            new = await self.percent_of(answer)
            if new != old:
                self.audit_score(
                    access, answer, "rubric_item_deleted", old=old, new=new, why=f"rubric item {item.title!r} deleted"
                )
        await self.session.flush()

    async def apply(self, access: CourseAccess, attempt_id: UUID, question_id: UUID, item_id: UUID) -> None:
        """Apply an item to an answer (applying it twice changes nothing)."""
        answer = await self.answer(access, attempt_id, question_id)
        item = await self.session.get(m.RubricItem, item_id)
        if item is None or item.question_id != answer.question.id:
            raise NotFoundError("no such rubric item for this question")
        grade = await self.grade_of(answer, create=True)
        assert grade is not None
        old = await self.percent_of(answer)
        try:
            async with self.session.begin_nested():
                self.session.add(m.RubricApplication(grade_id=grade.id, item_id=item.id, applied_by_id=access.user.id))
        except IntegrityError:
            return  # already applied
        self.touched(access, grade)
        new = await self.percent_of(answer)
        self.audit_score(access, answer, "rubric_applied", old=old, new=new, why=f"{item.title} ({item.points:+g})")
        await self.session.flush()

    async def unapply(self, access: CourseAccess, attempt_id: UUID, question_id: UUID, item_id: UUID) -> None:
        answer = await self.answer(access, attempt_id, question_id)
        grade = await self.grade_of(answer, create=False)
        item = await self.session.get(m.RubricItem, item_id)
        if grade is None or item is None:
            return
        old = await self.percent_of(answer)
        result = await self.session.execute(
            delete(m.RubricApplication).where(
                m.RubricApplication.grade_id == grade.id, m.RubricApplication.item_id == item.id
            )
        )
        if getattr(result, "rowcount", 0) == 0:
            return
        self.touched(access, grade)
        new = await self.percent_of(answer)
        self.audit_score(access, answer, "rubric_unapplied", old=old, new=new, why=f"{item.title} removed")
        await self.session.flush()
