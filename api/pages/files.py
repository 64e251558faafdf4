"""The staff's files page of a course: every file with its owner, purpose and size, the totals against the course's
quota, and an upload zone for attachments (course material, or on an assessment or a problem). Data comes from the
files area; uploads go through /api/courses/<id>/files (web/static/js/upload.js)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import select

from api.db import models as m
from api.domain.courses.access import STAFF, CourseAccess, requires_course_role
from api.domain.courses.structure import CourseStructure
from api.domain.files.controllers import FileController
from api.domain.files.services import FileService
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["FilePages"]


class FilePages(Controller):
    path = "/courses/{course_id:uuid}/files"
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = FileController.dependencies
    guards = [requires_signed_in_page, requires_course_role(*STAFF)]

    @get(name="page:course-files")
    async def files(
        self, course_access: NamedDependency[CourseAccess], files_service: NamedDependency[FileService]
    ) -> Template:
        course_id = course_access.course.id
        session = files_service.session
        assessments = (
            await session.scalars(
                select(m.Assessment).where(m.Assessment.course_id == course_id).order_by(m.Assessment.title)
            )
        ).all()
        return render_page(
            "files/course_files.html.j2",
            user=course_access.user,
            nav="courses",
            title=f"Files · {course_access.course.title}",
            course=course_access.course,
            overview=await files_service.course_files(course_access),
            assessments={str(a.id): a.title for a in assessments},
            problems=await CourseStructure(session).problems(course_id, include_drafts=True),
        )
