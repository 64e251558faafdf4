"""HTTP endpoints of assessments, under a course: staff build and publish them; members take them."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments import accommodations, schemas
from api.domain.assessments.grading import grade_answer
from api.domain.assessments.taking import AttemptService
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role
from api.lib.ratelimit import RateLimiter
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["ASSESSMENTS_DEPENDENCIES", "AssessmentController"]

_MEMBER: Final = requires_course_role(*ANY_MEMBER)
_STAFF: Final = requires_course_role(*STAFF)
_INSTRUCTOR: Final = requires_course_role(m.CourseRole.INSTRUCTOR)
_ONE: Final = "/{assessment_id:uuid}"


def provide_assessments(db_session: NamedDependency[AsyncSession]) -> AttemptService:
    return AttemptService(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


ASSESSMENTS_DEPENDENCIES: Final = {
    "assessments": Provide(provide_assessments, sync_to_thread=False),
    "course_access": Provide(provide_course_access, sync_to_thread=False),
}


class AssessmentController(Controller):
    path = "/api/courses/{course_id:uuid}/assessments"
    tags = ["assessments"]
    dependencies = ASSESSMENTS_DEPENDENCIES

    @get("", operation_id="ListAssessments", guards=[_MEMBER])
    async def list_assessments(
        self, course_access: NamedDependency[CourseAccess], assessments: NamedDependency[AttemptService]
    ) -> list[schemas.Assessment]:
        """Staff: every assessment of the course. Students: the published ones of their audience, with their state."""
        return await assessments.list_for(course_access)

    @post("", operation_id="CreateAssessment", guards=[_INSTRUCTOR], status_code=HTTP_201_CREATED)
    async def create_assessment(
        self,
        data: JSONBody[schemas.AssessmentCreate],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.AssessmentDetail:
        """A new assessment, as a draft (students see it once it is published)."""
        assessment = await assessments.create(course_access, data)
        return await assessments.detail(course_access, assessment)

    @get(_ONE, operation_id="GetAssessment", guards=[_MEMBER])
    async def get_assessment(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.AssessmentDetail:
        """The assessment and its questions (students: without the answers, and no questions before it opens)."""
        return await assessments.detail(course_access, await assessments.visible(course_access, assessment_id))

    @put(_ONE, operation_id="UpdateAssessment", guards=[_INSTRUCTOR])
    async def update_assessment(
        self,
        assessment_id: FromPath[UUID],
        data: JSONBody[schemas.AssessmentCreate],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.AssessmentDetail:
        """Replace the assessment's settings (all of them)."""
        assessment = await assessments.replace(course_access, assessment_id, data)
        return await assessments.detail(course_access, assessment)

    @delete(_ONE, operation_id="DeleteAssessment", guards=[_INSTRUCTOR], status_code=HTTP_204_NO_CONTENT)
    async def delete_assessment(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> None:
        await assessments.delete(course_access, assessment_id)

    @post(_ONE + "/publish", operation_id="PublishAssessment", guards=[_INSTRUCTOR], status_code=HTTP_200_OK)
    async def publish_assessment(
        self,
        assessment_id: FromPath[UUID],
        data: JSONBody[schemas.PublishUpdate],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.AssessmentDetail:
        """Publish or withdraw the assessment, and publish or hide its scores."""
        assessment = await assessments.publish(course_access, assessment_id, data)
        return await assessments.detail(course_access, assessment)

    @post(_ONE + "/questions", operation_id="AddAssessmentQuestion", guards=[_INSTRUCTOR], status_code=201)
    async def add_question(
        self,
        assessment_id: FromPath[UUID],
        data: JSONBody[schemas.QuestionCreate],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.AssessmentDetail:
        """Add a question (at the end unless ``position`` is given); answers the assessment with its questions."""
        await assessments.add_question(course_access, assessment_id, data)
        return await assessments.detail(course_access, await assessments.visible(course_access, assessment_id))

    @put(_ONE + "/questions/{question_id:uuid}", operation_id="UpdateAssessmentQuestion", guards=[_INSTRUCTOR])
    async def update_question(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.QuestionCreate],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.AssessmentDetail:
        await assessments.replace_question(course_access, assessment_id, question_id, data)
        return await assessments.detail(course_access, await assessments.visible(course_access, assessment_id))

    @delete(
        _ONE + "/questions/{question_id:uuid}",
        operation_id="DeleteAssessmentQuestion",
        guards=[_INSTRUCTOR],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_question(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> None:
        await assessments.delete_question(course_access, assessment_id, question_id)

    # --- taking ---------------------------------------------------------------------------------------------
    @post(_ONE + "/attempt", operation_id="StartAssessmentAttempt", guards=[_MEMBER], status_code=HTTP_200_OK)
    async def start_attempt(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.Attempt:
        """Start the caller's attempt (or resume it: starting twice changes nothing). The server fixes the deadline."""
        assessment, attempt = await assessments.start(course_access, assessment_id)
        return await assessments.view(course_access, assessment, attempt)

    @get(_ONE + "/attempt", operation_id="GetAssessmentAttempt", guards=[_MEMBER])
    async def get_attempt(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.Attempt:
        """The caller's attempt: saved answers, submissions, the time left by the server's clock, and the score once
        the assessment's rule shows it."""
        assessment, attempt = await assessments.mine(course_access, assessment_id)
        return await assessments.view(course_access, assessment, attempt)

    @put(_ONE + "/attempt/answers/{question_id:uuid}", operation_id="SaveAssessmentAnswer", guards=[_MEMBER])
    async def save_answer(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.AnswerSave],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.Attempt:
        """Save one answer (again and again as the student types); refused with 409 once the attempt is over."""
        await assessments.save_answer(course_access, assessment_id, question_id, data)
        assessment, attempt = await assessments.mine(course_access, assessment_id)
        return await assessments.view(course_access, assessment, attempt)

    @post(
        _ONE + "/attempt/questions/{question_id:uuid}/submissions",
        operation_id="SubmitAssessmentCode",
        guards=[_MEMBER],
        status_code=HTTP_201_CREATED,
    )
    async def submit_code(
        self,
        *,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.CodeSubmit],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
        judge_queue: NamedDependency[JudgeQueue],
        rate_limiter: NamedDependency[RateLimiter],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
    ) -> schemas.SubmissionLink:
        """Submit a program for a code question; it is judged like any submission (watch /ws/submissions/<id>)."""
        submission = await assessments.submit_code(
            course_access,
            assessment_id,
            question_id,
            data,
            queue=judge_queue,
            limiter=rate_limiter,
            redis=redis,
            settings=settings,
        )
        return schemas.SubmissionLink(
            question_id=question_id,
            submission_id=submission.id,
            created_at=submission.created_at,
            status=submission.status.value,
        )

    @post(_ONE + "/attempt/submit", operation_id="SubmitAssessmentAttempt", guards=[_MEMBER], status_code=200)
    async def finish_attempt(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.Attempt:
        """Hand the attempt in; nothing can be changed afterwards."""
        assessment, attempt = await assessments.finish(course_access, assessment_id)
        return await assessments.view(course_access, assessment, attempt)

    @get(_ONE + "/results", operation_id="ListAssessmentResults", guards=[_STAFF])
    async def results(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> list[schemas.ResultRow]:
        """Every student of the audience: state and score out of 100 (late penalty applied)."""
        return await assessments.results(course_access, assessment_id)

    # --- accommodations -------------------------------------------------------------------------------------
    @get(_ONE + "/accommodations", operation_id="ListAssessmentAccommodations", guards=[_STAFF])
    async def list_accommodations(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> list[schemas.Accommodation]:
        assessment = await assessments.visible(course_access, assessment_id)
        return await accommodations.list_accommodations(assessments.session, assessment)

    @put(_ONE + "/accommodations/{user_id:uuid}", operation_id="SetAssessmentAccommodation", guards=[_INSTRUCTOR])
    async def set_accommodation(
        self,
        assessment_id: FromPath[UUID],
        user_id: FromPath[UUID],
        data: JSONBody[schemas.AccommodationSet],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.Accommodation:
        """Extra time and/or another window for one student; an attempt in progress gets its new deadline at once."""
        assessment = await assessments.visible(course_access, assessment_id)
        row = await accommodations.set_accommodation(assessments.session, course_access, assessment, user_id, data)
        return accommodations.accommodation_view(row)

    @delete(
        _ONE + "/accommodations/{user_id:uuid}",
        operation_id="DeleteAssessmentAccommodation",
        guards=[_INSTRUCTOR],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_accommodation(
        self,
        assessment_id: FromPath[UUID],
        user_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> None:
        assessment = await assessments.visible(course_access, assessment_id)
        await accommodations.delete_accommodation(assessments.session, course_access, assessment, user_id)

    @post(
        _ONE + "/accommodations/{user_id:uuid}/reopen",
        operation_id="ReopenAssessmentAttempt",
        guards=[_INSTRUCTOR],
        status_code=HTTP_200_OK,
    )
    async def reopen_attempt(
        self,
        assessment_id: FromPath[UUID],
        user_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.Attempt:
        """Reopen a student's handed-in attempt: answers stay, the time limit runs again from now (never past their
        close: give another window first if it has passed)."""
        assessment = await assessments.visible(course_access, assessment_id)
        attempt = await accommodations.reopen(
            assessments.session, course_access, assessment, user_id, assessments.clock()
        )
        return await assessments.view(course_access, assessment, attempt)

    @put(
        _ONE + "/results/{user_id:uuid}/answers/{question_id:uuid}",
        operation_id="GradeAssessmentAnswer",
        guards=[_STAFF],
    )
    async def grade(
        self,
        *,
        assessment_id: FromPath[UUID],
        user_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.GradeSet],
        course_access: NamedDependency[CourseAccess],
        assessments: NamedDependency[AttemptService],
    ) -> schemas.Attempt:
        """Score an essay answer by hand (percent of the question); kept in the course's audit trail."""
        assessment = await assessments.visible(course_access, assessment_id)
        await grade_answer(
            assessments.session,
            course_access,
            assessment,
            user_id=user_id,
            question_id=question_id,
            percent=data.percent,
        )
        attempt = await assessments.attempt_of(user_id, assessment.id)
        if attempt is None:  # pragma: no cover - grade_answer found an answer of this attempt
            raise NotFoundError("this student has not started this assessment")
        return await assessments.view(course_access, assessment, attempt)
