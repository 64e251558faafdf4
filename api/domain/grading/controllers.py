"""HTTP endpoints of grading, under a course: staff (instructors and TAs) grade, keep the gradebook, release grades
and resolve regrades; students read their own released grades and ask for regrades."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role
from api.domain.courses.csvio import MAX_ROSTER_BYTES
from api.domain.grading import schemas
from api.domain.grading.gradebook import GradebookService, ImportFormatError
from api.domain.grading.release import ReleaseService
from api.domain.grading.rubric import RubricService

__all__ = ["GRADING_CONTROLLERS", "GradebookController", "GradesController", "GradingController"]

_MEMBER: Final = requires_course_role(*ANY_MEMBER)
_STAFF: Final = requires_course_role(*STAFF)
_ANSWER: Final = "/answers/{attempt_id:uuid}/{question_id:uuid}"
_CSV_DOC: Final = "the CSV file as the body (text/csv): columns email, Q1, Q2, ... (percent) and optionally reason"


def provide_grading(db_session: NamedDependency[AsyncSession]) -> ReleaseService:
    return ReleaseService(db_session)


def provide_rubric(db_session: NamedDependency[AsyncSession]) -> RubricService:
    return RubricService(db_session)


def provide_gradebook(db_session: NamedDependency[AsyncSession]) -> GradebookService:
    return GradebookService(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


_DEPENDENCIES: Final = {
    "grading": Provide(provide_grading, sync_to_thread=False),
    "rubric": Provide(provide_rubric, sync_to_thread=False),
    "gradebook": Provide(provide_gradebook, sync_to_thread=False),
    "course_access": Provide(provide_course_access, sync_to_thread=False),
}


async def _csv_body(request: Request[Any, Any, Any]) -> bytes:
    data = await request.body()
    if not data.strip() or data.strip() == b"{}":
        raise ImportFormatError(f"send {_CSV_DOC}", errors=[{"key": "file", "message": "empty"}])
    return data


class GradingController(Controller):
    path = "/api/courses/{course_id:uuid}/grading"
    tags = ["grading"]
    dependencies = _DEPENDENCIES
    guards = [_STAFF]

    @get("/assessments/{assessment_id:uuid}/queue", operation_id="ListGradingQueue")
    async def queue(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
        question_id: Annotated[UUID | None, QueryParameter(name="questionId")] = None,
        pending: Annotated[bool, QueryParameter()] = False,
    ) -> list[schemas.QueueEntry]:
        """Handed-in code and essay answers, by question then student (``pending``: only those not graded yet)."""
        return await grading.queue(course_access, assessment_id, question_id=question_id, pending=pending)

    @get("/questions/{question_id:uuid}/rubric", operation_id="ListRubricItems")
    async def list_rubric(
        self,
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        rubric: NamedDependency[RubricService],
    ) -> list[schemas.RubricItem]:
        return await rubric.list_for(course_access, question_id)

    @post("/questions/{question_id:uuid}/rubric", operation_id="CreateRubricItem", status_code=HTTP_201_CREATED)
    async def create_rubric_item(
        self,
        question_id: FromPath[UUID],
        data: JSONBody[schemas.RubricItemCreate],
        course_access: NamedDependency[CourseAccess],
        rubric: NamedDependency[RubricService],
    ) -> schemas.RubricItem:
        """A rubric item of the question: points (percent of the question) added when it is applied, or taken away
        when negative."""
        return await rubric.create(course_access, question_id, data)

    @put("/rubric/{item_id:uuid}", operation_id="UpdateRubricItem")
    async def update_rubric_item(
        self,
        item_id: FromPath[UUID],
        data: JSONBody[schemas.RubricItemUpdate],
        course_access: NamedDependency[CourseAccess],
        rubric: NamedDependency[RubricService],
    ) -> schemas.RubricItem:
        """Edit an item; send the ``version`` you loaded: if someone else changed it since, 409 and nothing changes.
        Every answer the item is applied to gets its new score."""
        return await rubric.update(course_access, item_id, data)

    @delete("/rubric/{item_id:uuid}", operation_id="DeleteRubricItem", status_code=HTTP_204_NO_CONTENT)
    async def delete_rubric_item(
        self,
        item_id: FromPath[UUID],
        version: Annotated[int, QueryParameter()],
        course_access: NamedDependency[CourseAccess],
        rubric: NamedDependency[RubricService],
    ) -> None:
        await rubric.delete(course_access, item_id, version)

    @get(_ANSWER, operation_id="GetGradedAnswer")
    async def answer(
        self,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.GradeDetail:
        """One answer as a grader sees it, with the rubric, the marks and the previous and next answers."""
        return await grading.detail(course_access, attempt_id, question_id)

    @put(_ANSWER + "/rubric/{item_id:uuid}", operation_id="ApplyRubricItem")
    async def apply(
        self,
        *,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        item_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        rubric: NamedDependency[RubricService],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.GradeDetail:
        await rubric.apply(course_access, attempt_id, question_id, item_id)
        return await grading.detail(course_access, attempt_id, question_id)

    @delete(_ANSWER + "/rubric/{item_id:uuid}", operation_id="UnapplyRubricItem", status_code=HTTP_200_OK)
    async def unapply(
        self,
        *,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        item_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        rubric: NamedDependency[RubricService],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.GradeDetail:
        await rubric.unapply(course_access, attempt_id, question_id, item_id)
        return await grading.detail(course_access, attempt_id, question_id)

    @post(_ANSWER + "/comments", operation_id="AddLineComment", status_code=HTTP_201_CREATED)
    async def add_comment(
        self,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.LineCommentCreate],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.LineComment:
        """A comment on one line (from 1) of the code answer's source."""
        return await grading.add_comment(course_access, attempt_id, question_id, data)

    @delete("/comments/{comment_id:uuid}", operation_id="DeleteLineComment", status_code=HTTP_204_NO_CONTENT)
    async def delete_comment(
        self,
        comment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> None:
        await grading.delete_comment(course_access, comment_id)

    @put(_ANSWER + "/comment", operation_id="SetOverallComment")
    async def set_comment(
        self,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.CommentSet],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.GradeDetail:
        await grading.set_comment(course_access, attempt_id, question_id, data.text)
        return await grading.detail(course_access, attempt_id, question_id)

    @put(_ANSWER + "/override", operation_id="OverrideAnswerScore")
    async def override(
        self,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.OverrideSet],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.GradeDetail:
        """Replace the answer's score (percent of the question, 0..100: 422 outside) with a reason (required)."""
        await grading.override(course_access, attempt_id, question_id, data.percent, data.reason)
        return await grading.detail(course_access, attempt_id, question_id)

    @delete(_ANSWER + "/override", operation_id="ClearAnswerOverride", status_code=HTTP_200_OK)
    async def clear_override(
        self,
        attempt_id: FromPath[UUID],
        question_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.GradeDetail:
        await grading.override(course_access, attempt_id, question_id, None, "")
        return await grading.detail(course_access, attempt_id, question_id)

    @get("/assessments/{assessment_id:uuid}/release", operation_id="GetGradeRelease")
    async def get_release(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.Release:
        return await grading.release_view(await grading.assessment(course_access, assessment_id))

    @post("/assessments/{assessment_id:uuid}/release", operation_id="ReleaseGrades", status_code=HTTP_200_OK)
    async def release(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.Release:
        """Release the assessment's grades to its students (shown once its score visibility rule allows)."""
        return await grading.release_grades(course_access, assessment_id)

    @delete("/assessments/{assessment_id:uuid}/release", operation_id="WithdrawGrades", status_code=HTTP_200_OK)
    async def withdraw(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.Release:
        return await grading.withdraw_release(course_access, assessment_id)

    @get("/regrades", operation_id="ListRegradeRequests")
    async def regrades(
        self,
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
        status: Annotated[Literal["open", "resolved"] | None, QueryParameter()] = None,
    ) -> list[schemas.RegradeRequest]:
        return await grading.regrades(course_access, status=status)

    @post("/regrades/{request_id:uuid}/resolve", operation_id="ResolveRegradeRequest", status_code=HTTP_200_OK)
    async def resolve(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[schemas.RegradeResolve],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.RegradeRequest:
        """Resolve a request with an outcome the student reads; ``percent`` overrides the answer's score."""
        return await grading.resolve_regrade(course_access, request_id, data)


class GradebookController(Controller):
    path = "/api/courses/{course_id:uuid}"
    tags = ["grading"]
    dependencies = _DEPENDENCIES
    guards = [_STAFF]

    @get("/gradebook", operation_id="GetGradebook")
    async def gradebook_json(
        self,
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
        group_id: Annotated[UUID | None, QueryParameter(name="groupId")] = None,
        level_id: Annotated[UUID | None, QueryParameter(name="levelId")] = None,
        expand: Annotated[UUID | None, QueryParameter()] = None,
    ) -> schemas.Gradebook:
        """Students by assessments (out of 100), totals; ``expand``: one assessment's questions (percent)."""
        return await gradebook.gradebook(course_access, group_id=group_id, level_id=level_id, expand=expand)

    @get("/gradebook.csv", operation_id="ExportGradebook", media_type="text/csv")
    async def gradebook_csv(
        self,
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
        group_id: Annotated[UUID | None, QueryParameter(name="groupId")] = None,
        level_id: Annotated[UUID | None, QueryParameter(name="levelId")] = None,
        expand: Annotated[UUID | None, QueryParameter()] = None,
    ) -> Response[str]:
        """The gradebook as CSV; cells a spreadsheet would run as formulas start with an apostrophe."""
        text = await gradebook.gradebook_csv(course_access, group_id=group_id, level_id=level_id, expand=expand)
        filename = f"{course_access.course.code}-gradebook.csv".replace('"', "")
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    @post(
        "/gradebook/assessments/{assessment_id:uuid}/import/preview",
        operation_id="PreviewScoreImport",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_ROSTER_BYTES + 1024,
        description=_CSV_DOC,
    )
    async def preview_import(
        self,
        assessment_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
    ) -> schemas.ImportPreview:
        """What importing these scores would change, row by row, with each row's problems. Nothing is written."""
        return await gradebook.import_scores(course_access, assessment_id, await _csv_body(request), commit=False)

    @post(
        "/gradebook/assessments/{assessment_id:uuid}/import",
        operation_id="ImportScores",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_ROSTER_BYTES + 1024,
        description=_CSV_DOC,
    )
    async def import_scores(
        self,
        assessment_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        course_access: NamedDependency[CourseAccess],
        gradebook: NamedDependency[GradebookService],
    ) -> schemas.ImportPreview:
        """Import the scores as overrides with the row's reason: all rows, or none when any has a problem (422)."""
        return await gradebook.import_scores(course_access, assessment_id, await _csv_body(request), commit=True)


class GradesController(Controller):
    path = "/api/courses/{course_id:uuid}/grades"
    tags = ["grading"]
    dependencies = _DEPENDENCIES
    guards = [_MEMBER]

    @get("/assessments/{assessment_id:uuid}", operation_id="GetMyGrades")
    async def mine(
        self,
        assessment_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.MyGrades:
        """The caller's marks (rubric items, line comments, comments) once the grades are released and visible."""
        return await grading.mine(course_access, assessment_id)

    @post(
        "/assessments/{assessment_id:uuid}/questions/{question_id:uuid}/regrade",
        operation_id="AskForRegrade",
        status_code=HTTP_201_CREATED,
    )
    async def ask_regrade(
        self,
        assessment_id: FromPath[UUID],
        question_id: FromPath[UUID],
        data: JSONBody[schemas.RegradeCreate],
        course_access: NamedDependency[CourseAccess],
        grading: NamedDependency[ReleaseService],
    ) -> schemas.RegradeRequest:
        """Ask staff to look at one of your answers again (once grades are released; 409 before)."""
        return await grading.ask_regrade(course_access, assessment_id, question_id, data)


GRADING_CONTROLLERS: Final = (GradingController, GradebookController, GradesController)
