"""``QaService``: a course's questions and answers.

Who sees what: staff see every question and every author; students see the questions that are not private, and
their own private ones; an anonymous post shows its author only to staff and to the author. A question asked from
a submission names one of its tests, which must be a test the student may see (the visibility rules of the
submission views); hidden tests are refused and never named."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.chat.schemas import Author
from api.domain.chat.services import author_of
from api.domain.chat.text import bounded, mentioned, render
from api.domain.courses.access import STAFF, CourseAccess, course_problem_ids
from api.domain.notifications.services import notify
from api.domain.problems.services import testset_manifest
from api.domain.qa.schemas import Answer, AnswerCreate, Question, QuestionCreate, QuestionDetail, TestGroup
from api.domain.submissions.views import Audience, case_views
from api.lib.exceptions import ApplicationClientError, PermissionDeniedError

__all__ = ["QaService", "course_to_ask"]

TITLE_MAX: Final = 200
BODY_MAX: Final = 10_000


class QaService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _users(self, ids: set[UUID | None]) -> dict[UUID, m.User]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        return {u.id: u for u in await self.session.scalars(select(m.User).where(m.User.id.in_(wanted)))}

    async def _staff_ids(self, course_id: UUID) -> set[UUID]:
        return set(
            await self.session.scalars(
                select(m.CourseMembership.user_id).where(
                    m.CourseMembership.course_id == course_id, m.CourseMembership.role.in_(STAFF)
                )
            )
        )

    def _visible_clause(self, access: CourseAccess) -> list[object]:
        where: list[object] = [m.QaQuestion.course_id == access.course.id]
        if not access.is_staff:
            where.append(or_(m.QaQuestion.private.is_(False), m.QaQuestion.author_id == access.user.id))
        return where

    async def _voted(self, user_id: UUID, ids: Sequence[UUID]) -> set[UUID]:
        if not ids:
            return set()
        return set(
            await self.session.scalars(
                select(m.QaVote.target_id).where(m.QaVote.user_id == user_id, m.QaVote.target_id.in_(ids))
            )
        )

    def _author(
        self, access: CourseAccess, author_id: UUID | None, anonymous: bool, users: dict[UUID, m.User]
    ) -> Author | None:
        if anonymous and not access.is_staff and author_id != access.user.id:
            return None
        return author_of(users.get(author_id)) if author_id else None

    async def _views(self, access: CourseAccess, rows: Sequence[m.QaQuestion]) -> list[Question]:
        ids = [r.id for r in rows]
        counts: dict[UUID, int] = {}
        if ids:
            counts = {
                qid: int(n)
                for qid, n in await self.session.execute(
                    select(m.QaAnswer.question_id, func.count())
                    .where(m.QaAnswer.question_id.in_(ids))
                    .group_by(m.QaAnswer.question_id)
                )
            }
        users = await self._users({r.author_id for r in rows})
        voted = await self._voted(access.user.id, ids)
        return [self._view(access, r, users, counts.get(r.id, 0), r.id in voted) for r in rows]

    def _view(
        self, access: CourseAccess, row: m.QaQuestion, users: dict[UUID, m.User], answers: int, voted: bool
    ) -> Question:
        return Question(
            id=row.id,
            course_id=row.course_id,
            title=row.title,
            author=self._author(access, row.author_id, row.anonymous, users),
            anonymous=row.anonymous,
            private=row.private,
            mine=row.author_id == access.user.id,
            assessment_id=row.assessment_id,
            problem_id=row.problem_id,
            submission_id=row.submission_id if (access.is_staff or row.author_id == access.user.id) else None,
            test_name=row.test_name,
            answers=answers,
            accepted_answer_id=row.accepted_answer_id,
            votes=row.votes,
            voted=voted,
            created_at=row.created_at,
        )

    async def search(
        self,
        access: CourseAccess,
        *,
        q: str = "",
        assessment_id: UUID | None = None,
        problem_id: UUID | None = None,
        open_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Question]:
        where = self._visible_clause(access)
        if q.strip():
            pattern = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                or_(m.QaQuestion.title.ilike(pattern, escape="\\"), m.QaQuestion.body_md.ilike(pattern, escape="\\"))
            )
        if assessment_id is not None:
            where.append(m.QaQuestion.assessment_id == assessment_id)
        if problem_id is not None:
            where.append(m.QaQuestion.problem_id == problem_id)
        if open_only:
            where.append(m.QaQuestion.accepted_answer_id.is_(None))
        rows = list(
            await self.session.scalars(
                select(m.QaQuestion)
                .where(*where)  # type: ignore[arg-type]
                .order_by(m.QaQuestion.created_at.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        return await self._views(access, rows)

    async def _test_of(self, access: CourseAccess, submission_id: UUID, index: int | None) -> tuple[m.Submission, str]:
        submission = await self.session.get(m.Submission, submission_id)
        if submission is None or submission.user_id != access.user.id:
            raise ApplicationClientError("submissionId: not a submission of yours")
        if index is None:
            return submission, ""
        testset = await self.session.get(m.TestSet, submission.testset_digest) if submission.testset_digest else None
        tests = testset_manifest(testset)["tests"]
        cases = case_views(submission.results, tests, Audience(staff=False))
        case = next((c for c in cases if c.index == index), None)
        if case is None:
            raise ApplicationClientError("testIndex: the submission has no such test result")
        if case.hidden:
            raise ApplicationClientError("testIndex: that test is hidden; ask without naming it")
        return submission, case.name or f"test {index + 1}"

    async def ask(self, access: CourseAccess, data: QuestionCreate) -> QuestionDetail:
        title = bounded(data.title, limit=TITLE_MAX, what="title")
        body = bounded(data.body, limit=BODY_MAX, what="body", required=False)
        problem_id, test_name = data.problem_id, None
        if data.submission_id is not None:
            submission, test_name = await self._test_of(access, data.submission_id, data.test_index)
            problem_id = problem_id or submission.problem_id
            test_name = test_name or None
        if problem_id is not None:
            attached = await self.session.scalar(
                course_problem_ids(access.course.id).where(m.CourseProblem.problem_id == problem_id)
            )
            if attached is None:
                raise ApplicationClientError("problemId: not a problem of this course")
        if data.assessment_id is not None:
            assessment = await self.session.get(m.Assessment, data.assessment_id)
            if assessment is None or assessment.course_id != access.course.id:
                raise ApplicationClientError("assessmentId: not an assessment of this course")
        row = m.QaQuestion(
            course_id=access.course.id,
            author_id=access.user.id,
            title=title,
            body_md=body,
            assessment_id=data.assessment_id,
            problem_id=problem_id,
            submission_id=data.submission_id,
            test_name=test_name,
            anonymous=data.anonymous,
            private=data.private,
        )
        self.session.add(row)
        await self.session.flush()
        return await self.detail(access, row.id)

    async def _question(self, access: CourseAccess, question_id: UUID) -> m.QaQuestion:
        row = await self.session.scalar(
            select(m.QaQuestion).where(m.QaQuestion.id == question_id, *self._visible_clause(access))  # type: ignore[arg-type]
        )
        if row is None:
            raise NotFoundError("no such question in this course")
        return row

    async def detail(self, access: CourseAccess, question_id: UUID) -> QuestionDetail:
        row = await self._question(access, question_id)
        answers = list(
            await self.session.scalars(
                select(m.QaAnswer).where(m.QaAnswer.question_id == row.id).order_by(m.QaAnswer.created_at)
            )
        )
        users = await self._users({row.author_id} | {a.author_id for a in answers})
        voted = await self._voted(access.user.id, [row.id, *[a.id for a in answers]])
        staff = await self._staff_ids(access.course.id)
        base = self._view(access, row, users, len(answers), row.id in voted)
        answer_views = [
            Answer(
                id=a.id,
                author=self._author(access, a.author_id, a.anonymous, users),
                anonymous=a.anonymous,
                mine=a.author_id == access.user.id,
                body=a.body_md,
                html=render(a.body_md),
                endorsed=a.endorsed,
                accepted=a.id == row.accepted_answer_id,
                votes=a.votes,
                voted=a.id in voted,
                by_staff=a.author_id in staff,
                created_at=a.created_at,
            )
            for a in answers
        ]
        answer_views.sort(key=lambda a: (not a.accepted, not a.endorsed, -a.votes, a.created_at))
        fields = {f: getattr(base, f) for f in base.__struct_fields__}
        return QuestionDetail(**fields, body=row.body_md, html=render(row.body_md), answer_list=answer_views)

    async def answer(self, access: CourseAccess, question_id: UUID, data: AnswerCreate) -> QuestionDetail:
        row = await self._question(access, question_id)
        body = bounded(data.body, limit=BODY_MAX, what="body")
        answer = m.QaAnswer(question_id=row.id, author_id=access.user.id, body_md=body, anonymous=data.anonymous)
        self.session.add(answer)
        await self.session.flush()
        link = f"/courses/{access.course.id}/questions/{row.id}"
        if row.author_id is not None and row.author_id != access.user.id:
            who = "Someone" if data.anonymous and not access.is_staff else access.user.display_name
            await notify(
                self.session,
                [row.author_id],
                kind=m.NotificationKind.ANSWER_TO_MY_QUESTION,
                title=f"{who} answered your question “{row.title[:80]}”",
                body=body[:300],
                link=link,
                course_id=access.course.id,
            )
        await self._mentions(access, row, body, link)
        return await self.detail(access, row.id)

    async def _mentions(self, access: CourseAccess, row: m.QaQuestion, body: str, link: str) -> None:
        if "@" not in body:
            return
        query = (
            select(m.User)
            .join(m.CourseMembership, m.CourseMembership.user_id == m.User.id)
            .where(m.CourseMembership.course_id == access.course.id, m.User.id != access.user.id)
        )
        if row.private:  # only staff and the asker may read it
            query = query.where(or_(m.CourseMembership.role.in_(STAFF), m.User.id == row.author_id))
        ids = [i for i in mentioned(body, list(await self.session.scalars(query))) if i != row.author_id]
        if ids:
            await notify(
                self.session,
                ids,
                kind=m.NotificationKind.MENTION,
                title=f"{access.user.display_name} mentioned you in “{row.title[:80]}”",
                body=body[:300],
                link=link,
                course_id=access.course.id,
            )

    async def accept(self, access: CourseAccess, question_id: UUID, answer_id: UUID | None) -> QuestionDetail:
        row = await self._question(access, question_id)
        if row.author_id != access.user.id and not access.is_staff:
            raise PermissionDeniedError("only the asker or the course's staff may accept an answer")
        if answer_id is not None:
            answer = await self.session.get(m.QaAnswer, answer_id)
            if answer is None or answer.question_id != row.id:
                raise ApplicationClientError("answerId: not an answer to this question")
        row.accepted_answer_id = answer_id
        await self.session.flush()
        return await self.detail(access, row.id)

    async def vote(self, access: CourseAccess, target_id: UUID, *, up: bool) -> int:
        """Up-vote (or take back the vote on) a question or an answer the caller can see; returns the new count."""
        target: m.QaQuestion | m.QaAnswer | None = await self.session.get(m.QaAnswer, target_id)
        if isinstance(target, m.QaAnswer):
            await self._question(access, target.question_id)
        else:
            target = await self._question(access, target_id)
        if target.author_id == access.user.id:
            raise ApplicationClientError("you cannot vote on your own post")
        existing = await self.session.scalar(
            select(m.QaVote).where(m.QaVote.user_id == access.user.id, m.QaVote.target_id == target_id)
        )
        if up and existing is None:
            self.session.add(m.QaVote(user_id=access.user.id, target_id=target_id))
            target.votes += 1
        elif not up and existing is not None:
            await self.session.execute(delete(m.QaVote).where(m.QaVote.id == existing.id))
            target.votes = max(0, target.votes - 1)
        await self.session.flush()
        return target.votes

    async def endorse(self, access: CourseAccess, answer_id: UUID, endorsed: bool) -> QuestionDetail:
        answer = await self.session.get(m.QaAnswer, answer_id)
        if answer is None:
            raise NotFoundError("no such answer")
        row = await self._question(access, answer.question_id)
        answer.endorsed = endorsed
        await self.session.flush()
        return await self.detail(access, row.id)

    async def by_test(self, access: CourseAccess) -> list[TestGroup]:
        """Staff: the open questions that name a test, grouped by problem and test."""
        rows = list(
            await self.session.scalars(
                select(m.QaQuestion)
                .where(
                    m.QaQuestion.course_id == access.course.id,
                    m.QaQuestion.test_name.is_not(None),
                    m.QaQuestion.accepted_answer_id.is_(None),
                )
                .order_by(m.QaQuestion.problem_id, m.QaQuestion.test_name, m.QaQuestion.created_at)
            )
        )
        views = {v.id: v for v in await self._views(access, rows)}
        groups: dict[tuple[UUID | None, str], list[Question]] = {}
        for row in rows:
            groups.setdefault((row.problem_id, row.test_name or ""), []).append(views[row.id])
        ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
        return [TestGroup(problem_id=p, test_name=t, questions=qs) for (p, t), qs in ordered]


async def course_to_ask(session: AsyncSession, user: m.User, submission: m.Submission) -> UUID | None:
    """A course of the submission's author with its problem, where "Ask about this" opens a question (None: none,
    or the viewer is not the author)."""
    if submission.user_id != user.id or submission.problem_id is None:
        return None
    found: UUID | None = await session.scalar(
        select(m.CourseMembership.course_id)
        .join(
            m.CourseProblem,
            (m.CourseProblem.course_id == m.CourseMembership.course_id)
            & (m.CourseProblem.problem_id == submission.problem_id),
        )
        .where(m.CourseMembership.user_id == user.id)
        .limit(1)
    )
    return found
