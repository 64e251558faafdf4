"""Releasing grades and regrades. Staff release an assessment's grades; students then see their marks (rubric items,
line comments, the overall comment) once the assessment's visibility rule shows scores too. A student may ask for
a regrade of a released answer; staff resolve it with an outcome (and, optionally, a new score).

``release_grades`` and ``resolve_regrade`` are the points where a notification to the students belongs."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import delete, select

from api.db import models as m
from api.domain.assessments.rules import scores_visible
from api.domain.courses.access import CourseAccess
from api.domain.courses.audit import audit
from api.domain.grading import schemas
from api.domain.grading.answers import AnswerService, comment_view
from api.domain.grading.common import Answer
from api.domain.grading.rubric import item_view
from api.domain.grading.scores import grades_released
from api.domain.lti.ags import queue_grade_syncs
from api.domain.notifications.hooks import grades_released_notice, regrade_resolved_notice
from api.lib.exceptions import ConflictError

__all__ = ["ReleaseService"]


class ReleaseService(AnswerService):
    async def release_view(self, assessment: m.Assessment) -> schemas.Release:
        row = await self.session.scalar(select(m.GradeRelease).where(m.GradeRelease.assessment_id == assessment.id))
        return schemas.Release(
            assessment_id=assessment.id,
            released=row is not None,
            released_at=row.released_at if row else None,
            visible_to_students=row is not None and scores_visible(assessment, self.clock(), staff=False),
        )

    async def release_grades(self, access: CourseAccess, assessment_id: UUID) -> schemas.Release:
        """Release the assessment's grades (again: nothing changes). An assessment whose scores wait for the
        instructor to publish them has them published too; one that shows scores after the due time still waits
        for it."""
        assessment = await self.assessment(access, assessment_id)
        if not await grades_released(self.session, assessment.id):
            self.session.add(
                m.GradeRelease(assessment_id=assessment.id, released_by_id=access.user.id, released_at=self.clock())
            )
            if assessment.score_visibility == "on_publish":
                assessment.scores_published = True
            audit(self.session, access.course.id, access.user, "grades_released", assessment_id=assessment.id)
            await self.session.flush()
            await grades_released_notice(self.session, assessment, self.clock())
            await queue_grade_syncs(self.session, assessment, self.clock())
        return await self.release_view(assessment)

    async def withdraw_release(self, access: CourseAccess, assessment_id: UUID) -> schemas.Release:
        assessment = await self.assessment(access, assessment_id)
        await self.session.execute(delete(m.GradeRelease).where(m.GradeRelease.assessment_id == assessment.id))
        audit(self.session, access.course.id, access.user, "grades_withdrawn", assessment_id=assessment.id)
        await self.session.flush()
        return await self.release_view(assessment)

    async def _visible_to_student(self, assessment: m.Assessment) -> bool:
        return await grades_released(self.session, assessment.id) and scores_visible(
            assessment, self.clock(), staff=False
        )

    # --- the student's side ---------------------------------------------------------------------------------
    async def mine(self, access: CourseAccess, assessment_id: UUID) -> schemas.MyGrades:
        """The caller's marks on an assessment, once released and visible (before: ``released`` false, nothing)."""
        assessment, attempt = await self.attempts.mine(access, assessment_id)
        if not await self._visible_to_student(assessment):
            return schemas.MyGrades(assessment_id=assessment.id, released=False, questions=[])
        questions = await self.attempts.questions(assessment.id)
        fractions = await self.attempts.question_fractions(attempt, questions)
        grades = {
            g.question_id: g
            for g in await self.session.scalars(select(m.AnswerGrade).where(m.AnswerGrade.attempt_id == attempt.id))
        }
        out = []
        for q in questions:
            grade = grades.get(q.id)
            items: list[m.RubricItem] = []
            comments: list[m.LineComment] = []
            regrades: list[schemas.RegradeRequest] = []
            if grade is not None:
                items = list(
                    (
                        await self.session.scalars(
                            select(m.RubricItem)
                            .join(m.RubricApplication, m.RubricApplication.item_id == m.RubricItem.id)
                            .where(m.RubricApplication.grade_id == grade.id)
                            .order_by(m.RubricItem.position, m.RubricItem.created_at)
                        )
                    ).all()
                )
                comments = list(
                    (
                        await self.session.scalars(
                            select(m.LineComment)
                            .where(m.LineComment.grade_id == grade.id)
                            .order_by(m.LineComment.line, m.LineComment.created_at)
                        )
                    ).all()
                )
                regrades = await self.regrades(access, grade_id=grade.id)
            source = language = None
            if q.type == "code":
                shown = await self.session.scalar(
                    select(m.Submission)
                    .join(m.AssessmentSubmission, m.AssessmentSubmission.submission_id == m.Submission.id)
                    .where(m.AssessmentSubmission.attempt_id == attempt.id, m.AssessmentSubmission.question_id == q.id)
                    .order_by(m.Submission.created_at.desc(), m.Submission.id.desc())
                    .limit(1)
                )
                if shown is not None and shown.files:
                    source, language = next(iter(shown.files.values())), shown.language
            names = await self._names({c.author_id for c in comments if c.author_id})
            fraction = fractions[q.id]
            out.append(
                schemas.MyQuestionGrade(
                    question_id=q.id,
                    position=q.position,
                    type=q.type,
                    score=None if fraction is None else round(fraction * 100, 2),
                    rubric=[item_view(i) for i in items],
                    comments=[comment_view(c, names) for c in comments],
                    overall_comment=grade.overall_comment if grade else "",
                    override_reason=grade.override_reason if grade and grade.override_percent is not None else "",
                    source=source,
                    language=language,
                    regrades=regrades,
                )
            )
        return schemas.MyGrades(assessment_id=assessment.id, released=True, questions=out)

    async def ask_regrade(
        self, access: CourseAccess, assessment_id: UUID, question_id: UUID, data: schemas.RegradeCreate
    ) -> schemas.RegradeRequest:
        """A regrade request on one of the caller's answers: only once grades are released (409 before), one open
        request per answer at a time (409)."""
        assessment, attempt = await self.attempts.mine(access, assessment_id)
        _assessment, question = await self.question(access, question_id)
        if question.assessment_id != assessment.id:
            raise NotFoundError("no such question in this assessment")
        if not await self._visible_to_student(assessment):
            raise ConflictError("the grades of this assessment are not released yet: ask for a regrade once they are")
        answer = Answer(assessment, attempt, question)
        grade = await self.grade_of(answer, create=True)
        assert grade is not None
        already = await self.session.scalar(
            select(m.RegradeRequest.id).where(m.RegradeRequest.grade_id == grade.id, m.RegradeRequest.status == "open")
        )
        if already is not None:
            raise ConflictError("you already asked for a regrade of this answer: wait for staff to resolve it")
        request = m.RegradeRequest(
            grade_id=grade.id,
            student_id=access.user.id,
            message=data.message.strip(),
            status="open",
            score_before=await self.percent_of(answer),
        )
        self.session.add(request)
        await self.session.flush()
        return (await self.regrades(access, request_id=request.id))[0]

    # --- staff ----------------------------------------------------------------------------------------------
    async def regrades(
        self,
        access: CourseAccess,
        *,
        status: str | None = None,
        grade_id: UUID | None = None,
        request_id: UUID | None = None,
    ) -> list[schemas.RegradeRequest]:
        statement = (
            select(m.RegradeRequest, m.AnswerGrade, m.AssessmentQuestion, m.Assessment, m.User)
            .join(m.AnswerGrade, m.AnswerGrade.id == m.RegradeRequest.grade_id)
            .join(m.AssessmentQuestion, m.AssessmentQuestion.id == m.AnswerGrade.question_id)
            .join(m.Assessment, m.Assessment.id == m.AssessmentQuestion.assessment_id)
            .join(m.User, m.User.id == m.RegradeRequest.student_id)
            .where(m.Assessment.course_id == access.course.id)
            .order_by(m.RegradeRequest.created_at)
        )
        if status is not None:
            statement = statement.where(m.RegradeRequest.status == status)
        if grade_id is not None:
            statement = statement.where(m.RegradeRequest.grade_id == grade_id)
        if request_id is not None:
            statement = statement.where(m.RegradeRequest.id == request_id)
        rows = list((await self.session.execute(statement)).tuples())
        names = await self._names({r.resolver_id for r, *_ in rows if r.resolver_id})
        return [
            schemas.RegradeRequest(
                id=r.id,
                attempt_id=g.attempt_id,
                question_id=q.id,
                question_position=q.position,
                assessment_id=a.id,
                assessment_title=a.title,
                student_id=u.id,
                student_name=u.display_name,
                message=r.message,
                status="resolved" if r.status == "resolved" else "open",
                outcome=r.outcome,
                score_before=r.score_before,
                score_after=r.score_after,
                resolver_name=names.get(r.resolver_id) if r.resolver_id else None,
                created_at=r.created_at,
                resolved_at=r.resolved_at,
            )
            for r, g, q, a, u in rows
        ]

    async def resolve_regrade(
        self, access: CourseAccess, request_id: UUID, data: schemas.RegradeResolve
    ) -> schemas.RegradeRequest:
        """Resolve an open request with an outcome; with ``percent`` the answer's score is overridden (the outcome
        is the reason). The scores before and after are recorded."""
        found = await self.regrades(access, request_id=request_id)
        request = await self.session.get(m.RegradeRequest, request_id)
        if not found or request is None:
            raise NotFoundError("no such regrade request in this course")
        if request.status == "resolved":
            raise ConflictError("this regrade request is already resolved")
        answer = await self.answer(access, found[0].attempt_id, found[0].question_id)
        before = await self.percent_of(answer)
        if data.percent is not None:
            await self.override_answer(access, answer, data.percent, data.outcome, action="regrade_resolved")
        request.status = "resolved"
        request.outcome = data.outcome.strip()
        request.score_before = before
        request.score_after = await self.percent_of(answer)
        request.resolver_id = access.user.id
        request.resolved_at = self.clock()
        await self.session.flush()
        await regrade_resolved_notice(self.session, request, await self.assessment(access, found[0].assessment_id))
        return (await self.regrades(access, request_id=request.id))[0]
