"""Uploaded sources submitted together as one program for an assessment's code question."""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis
from sqlalchemy import select

from api.db import models as m
from api.domain.assessments.schemas import CodeSubmit
from api.domain.assessments.taking import AttemptService
from api.domain.courses.access import CourseAccess
from api.domain.files.schemas import FileSubmission
from api.domain.files.services import FileService
from api.domain.submissions.services import decode_upload
from api.lib.exceptions import ApplicationClientError
from api.lib.ratelimit import RateLimiter
from api.queue import JudgeQueue
from api.settings import Settings

__all__ = ["submit_uploaded_program", "uploaded_sources"]


async def uploaded_sources(files: FileService, access: CourseAccess, file_ids: list[UUID]) -> dict[str, str]:
    """{name: text} of the caller's own uploaded sources, in this course; a file that is not theirs is not found."""
    wanted = list(dict.fromkeys(file_ids))
    rows = (
        await files.session.scalars(
            select(m.StoredFile).where(
                m.StoredFile.id.in_(wanted),
                m.StoredFile.course_id == access.course.id,
                m.StoredFile.owner_id == access.user.id,
                m.StoredFile.purpose == m.FilePurpose.SUBMISSION_SOURCE,
            )
        )
    ).all()
    if len(rows) != len(wanted):
        raise ApplicationClientError("fileIds: some of the files are not your uploaded sources in this course")
    program: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r.name):
        if row.name in program:
            raise ApplicationClientError(f"two of the files are named {row.name}: keep one")
        program[row.name] = decode_upload(row.name, await files.read(row))
    return program


async def submit_uploaded_program(
    files: FileService,
    access: CourseAccess,
    data: FileSubmission,
    *,
    queue: JudgeQueue,
    limiter: RateLimiter,
    redis: Redis,
    settings: Settings,
) -> m.Submission:
    program = await uploaded_sources(files, access, data.file_ids)
    attempts = AttemptService(files.session)
    return await attempts.submit_code(
        access,
        data.assessment_id,
        data.question_id,
        CodeSubmit(language=data.language, source=next(iter(program.values()))),
        queue=queue,
        limiter=limiter,
        redis=redis,
        settings=settings,
        program=program,
    )
