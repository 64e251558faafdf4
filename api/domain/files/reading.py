"""Who may have which file of a course, the lists of files, and the staff's overview with totals."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.services import AssessmentService
from api.domain.assessments.taking import AttemptService
from api.domain.courses.access import CourseAccess
from api.domain.files.schemas import CourseFiles, FileTotals, FileView
from api.domain.files.storage import Storage
from api.lib.exceptions import ConflictError, PermissionDeniedError
from api.settings import Settings

__all__ = ["FileReader", "to_view"]


class FileReader:
    def __init__(self, session: AsyncSession, storage: Storage, settings: Settings) -> None:
        self.session = session
        self.storage = storage
        self.settings = settings

    # --- reading ------------------------------------------------------------------------------------------------
    async def _problem_in_course(self, course_id: UUID, problem_id: UUID) -> bool:
        found = await self.session.scalar(
            select(m.CourseProblem.id)
            .join(m.Problem, m.Problem.id == m.CourseProblem.problem_id)
            .where(
                m.CourseProblem.course_id == course_id,
                m.CourseProblem.problem_id == problem_id,
                m.Problem.visibility == m.ProblemVisibility.PUBLISHED,
            )
        )
        return found is not None

    async def for_download(self, access: CourseAccess, file_id: UUID) -> m.StoredFile:
        """The file if the caller may have it: staff any of the course's; a student their own files and the
        attachments of what they can see (a published assessment of their audience, a published problem of the
        course, course material). 404 otherwise: a file one may not have is not revealed."""
        row = await self.session.get(m.StoredFile, file_id)
        if row is None or row.course_id != access.course.id:
            raise NotFoundError("no such file in this course")
        if access.is_staff or row.owner_id == access.user.id:
            return row
        if row.purpose is m.FilePurpose.ATTACHMENT:
            if row.assessment_id is not None:
                await AssessmentService(self.session).visible(access, row.assessment_id)
                return row
            if row.problem_id is None or await self._problem_in_course(access.course.id, row.problem_id):
                return row
        raise NotFoundError("no such file in this course")

    async def delete(self, access: CourseAccess, file_id: UUID) -> None:
        row = await self.for_download(access, file_id)
        if not access.is_staff and row.owner_id != access.user.id:
            raise PermissionDeniedError("only the file's owner or the course's staff may delete it")
        if not access.is_staff and row.assessment_id is not None and row.purpose is not m.FilePurpose.ATTACHMENT:
            attempt = await AttemptService(self.session).attempt_of(access.user.id, row.assessment_id)
            if attempt is not None and attempt.submitted_at is not None:
                raise ConflictError("the attempt is submitted: its files can no longer be changed")
        await self.session.delete(row)
        await self.session.flush()
        await self.storage.delete(row.storage_key)

    async def listed(
        self,
        access: CourseAccess,
        *,
        purpose: m.FilePurpose | None = None,
        problem_id: UUID | None = None,
        assessment_id: UUID | None = None,
        question_id: UUID | None = None,
        mine: bool = False,
    ) -> list[m.StoredFile]:
        """Files of the course the caller may have, newest first, filtered."""
        statement = select(m.StoredFile).where(m.StoredFile.course_id == access.course.id)
        if purpose is not None:
            statement = statement.where(m.StoredFile.purpose == purpose)
        if problem_id is not None:
            statement = statement.where(m.StoredFile.problem_id == problem_id)
        if assessment_id is not None:
            statement = statement.where(m.StoredFile.assessment_id == assessment_id)
        if question_id is not None:
            statement = statement.where(m.StoredFile.question_id == question_id)
        if mine or not access.is_staff:
            if not mine and purpose is m.FilePurpose.ATTACHMENT:
                pass  # attachments: filtered one by one below
            else:
                statement = statement.where(m.StoredFile.owner_id == access.user.id)
        rows = list((await self.session.scalars(statement.order_by(m.StoredFile.created_at.desc()))).all())
        if access.is_staff or mine:
            return rows
        allowed: list[m.StoredFile] = []
        for row in rows:
            try:
                allowed.append(await self.for_download(access, row.id))
            except NotFoundError:
                continue
        return allowed

    async def course_files(self, access: CourseAccess) -> CourseFiles:
        """The staff's view: every file of the course with its size, and the totals."""
        rows = await self.listed(access)
        owners = {
            u.id: u.display_name
            for u in await self.session.scalars(
                select(m.User).where(m.User.id.in_({r.owner_id for r in rows if r.owner_id is not None}))
            )
        }
        by_purpose = {p: sum(r.size for r in rows if r.purpose is p) for p in m.FilePurpose}
        return CourseFiles(
            files=[to_view(r, owners.get(r.owner_id) if r.owner_id else None) for r in rows],
            totals=FileTotals(
                count=len(rows),
                bytes=sum(r.size for r in rows),
                attachment_bytes=by_purpose[m.FilePurpose.ATTACHMENT],
                answer_bytes=by_purpose[m.FilePurpose.ANSWER],
                submission_source_bytes=by_purpose[m.FilePurpose.SUBMISSION_SOURCE],
                quota_bytes=self.settings.files_course_quota_bytes,
            ),
        )

    async def read(self, row: m.StoredFile) -> bytes:
        return b"".join([chunk async for chunk in self.storage.stream(row.storage_key)])


def to_view(row: m.StoredFile, owner_name: str | None = None) -> FileView:
    return FileView(
        id=row.id,
        course_id=row.course_id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
        content_type=row.content_type,
        purpose=row.purpose.value,
        owner_id=row.owner_id,
        owner_name=owner_name,
        problem_id=row.problem_id,
        assessment_id=row.assessment_id,
        question_id=row.question_id,
        created_at=row.created_at,
        download_url=f"/api/courses/{row.course_id}/files/{row.id}",
    )
