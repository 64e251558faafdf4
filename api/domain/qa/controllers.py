"""``/api/courses/{course_id}/questions``: a course's questions and answers."""

from __future__ import annotations

from typing import Annotated, Any, Final
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.qa.schemas import (
    AcceptUpdate,
    AnswerCreate,
    EndorseUpdate,
    Question,
    QuestionCreate,
    QuestionDetail,
    TestGroup,
)
from api.domain.qa.services import QaService
from api.lib.ratelimit import RateLimiter, RateRule
from api.lib.schema import CamelizedBaseStruct

__all__ = ["QaController"]

_MEMBER: Final = requires_course_role(*ANY_MEMBER)
_STAFF: Final = requires_course_role(*STAFF)
QA_RATE: Final = RateRule(
    name="qa", limit=20, window_s=600, message="that is a lot of posts at once: at most 20 in 10 minutes"
)


class Votes(CamelizedBaseStruct):
    votes: int


class VoteUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    up: bool = True


def provide_qa(db_session: NamedDependency[AsyncSession]) -> QaService:
    return QaService(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


class QaController(Controller):
    path = "/api/courses/{course_id:uuid}/questions"
    tags = ["questions"]
    dependencies = {
        "qa": Provide(provide_qa, sync_to_thread=False),
        "course_access": Provide(provide_course_access, sync_to_thread=False),
    }

    @get(operation_id="ListQuestions", guards=[_MEMBER])
    async def list_questions(
        self,
        *,
        course_access: NamedDependency[CourseAccess],
        qa: NamedDependency[QaService],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        assessment_id: Annotated[UUID | None, QueryParameter(name="assessmentId")] = None,
        problem_id: Annotated[UUID | None, QueryParameter(name="problemId")] = None,
        open_only: Annotated[bool, QueryParameter(name="open")] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> list[Question]:
        """Newest first; ``q`` searches titles and bodies; filter by assessment, problem, open (no accepted answer)."""
        return await qa.search(
            course_access,
            q=q,
            assessment_id=assessment_id,
            problem_id=problem_id,
            open_only=open_only,
            limit=limit,
            offset=offset,
        )

    @post(operation_id="AskQuestion", guards=[_MEMBER], status_code=HTTP_201_CREATED)
    async def ask(
        self,
        data: JSONBody[QuestionCreate],
        course_access: NamedDependency[CourseAccess],
        qa: NamedDependency[QaService],
        rate_limiter: NamedDependency[RateLimiter],
    ) -> QuestionDetail:
        """With ``submissionId`` and ``testIndex``: about that (visible) test of one's own submission."""
        await rate_limiter.enforce(QA_RATE, str(course_access.user.id))
        return await qa.ask(course_access, data)

    @get("/by-test", operation_id="QuestionsByTest", guards=[_STAFF])
    async def by_test(
        self, course_access: NamedDependency[CourseAccess], qa: NamedDependency[QaService]
    ) -> list[TestGroup]:
        """Staff: open questions that name a test, grouped by problem and test (the most asked first)."""
        return await qa.by_test(course_access)

    @get("/{question_id:uuid}", operation_id="GetQuestion", guards=[_MEMBER])
    async def get_question(
        self, question_id: FromPath[UUID], course_access: NamedDependency[CourseAccess], qa: NamedDependency[QaService]
    ) -> QuestionDetail:
        return await qa.detail(course_access, question_id)

    @post("/{question_id:uuid}/answers", operation_id="AnswerQuestion", guards=[_MEMBER], status_code=201)
    async def answer(
        self,
        question_id: FromPath[UUID],
        data: JSONBody[AnswerCreate],
        course_access: NamedDependency[CourseAccess],
        qa: NamedDependency[QaService],
        rate_limiter: NamedDependency[RateLimiter],
    ) -> QuestionDetail:
        await rate_limiter.enforce(QA_RATE, str(course_access.user.id))
        return await qa.answer(course_access, question_id, data)

    @post("/{question_id:uuid}/accept", operation_id="AcceptAnswer", guards=[_MEMBER], status_code=HTTP_200_OK)
    async def accept(
        self,
        question_id: FromPath[UUID],
        data: JSONBody[AcceptUpdate],
        course_access: NamedDependency[CourseAccess],
        qa: NamedDependency[QaService],
    ) -> QuestionDetail:
        """The asker or staff: mark an answer accepted (``answerId`` null: none)."""
        return await qa.accept(course_access, question_id, data.answer_id)

    @post("/{target_id:uuid}/vote", operation_id="VoteQuestionOrAnswer", guards=[_MEMBER], status_code=HTTP_200_OK)
    async def vote(
        self,
        target_id: FromPath[UUID],
        data: JSONBody[VoteUpdate],
        course_access: NamedDependency[CourseAccess],
        qa: NamedDependency[QaService],
    ) -> Votes:
        """Up-vote a question or an answer (``up: false`` takes the vote back)."""
        return Votes(votes=await qa.vote(course_access, target_id, up=data.up))

    @post("/answers/{answer_id:uuid}/endorse", operation_id="EndorseAnswer", guards=[_STAFF], status_code=200)
    async def endorse(
        self,
        answer_id: FromPath[UUID],
        data: JSONBody[EndorseUpdate],
        course_access: NamedDependency[CourseAccess],
        qa: NamedDependency[QaService],
    ) -> QuestionDetail:
        return await qa.endorse(course_access, answer_id, data.endorsed)
