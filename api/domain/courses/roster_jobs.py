"""Roster import as a background job on the ``api-tasks`` worker, with live progress (``n of m``), still all or
nothing.

``POST /api/courses/{id}/roster/jobs`` (the CSV as the body) keeps the file in Redis (an hour, at most
:data:`~api.domain.courses.csvio.MAX_ROSTER_BYTES`), enqueues :func:`import_roster` and answers 202 with the job's
status; ``GET /api/courses/{id}/roster/jobs/{job}`` answers the status (``queued``, ``running`` with ``done`` of
``total`` rows, ``done`` with the result, or ``failed`` with a message) for the page to poll. The job runs
:meth:`RosterImport.commit` in one transaction: a row with a problem refuses the whole file, and nothing is
written; the invitation mails go out after the commit. The preview (``/roster/preview``) stays synchronous: it
writes nothing.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Final, Literal

import msgspec
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses import schemas
from api.domain.courses.access import CourseAccess, resolve_access
from api.domain.courses.roster import RosterImport
from api.lib.exceptions import ApplicationClientError
from api.lib.mail import Mailer
from api.lib.schema import CamelizedBaseStruct
from api.queue import JudgeQueue

__all__ = ["IMPORT_ROSTER", "RosterJob", "import_roster", "read_job", "start_job"]

logger = logging.getLogger("verdict.roster")
IMPORT_ROSTER: Final = "import_roster"
JOB_TTL_S: Final = 3600
JobState = Literal["queued", "running", "done", "failed"]


class RosterJob(CamelizedBaseStruct, kw_only=True):
    id: uuid.UUID
    course_id: uuid.UUID
    actor_id: uuid.UUID
    state: JobState = "queued"
    done: int = 0  # rows written so far
    total: int = 0  # rows in the file (known once it is read)
    result: schemas.RosterCommitResult | None = None
    error: str | None = None


def _status_key(job_id: uuid.UUID) -> str:
    return f"roster:job:{job_id}"


def _data_key(job_id: uuid.UUID) -> str:
    return f"roster:job:{job_id}:data"


async def _save(redis: Redis, job: RosterJob) -> None:
    await redis.set(_status_key(job.id), msgspec.json.encode(job), ex=JOB_TTL_S)


async def read_job(redis: Redis, course_id: uuid.UUID, job_id: uuid.UUID) -> RosterJob | None:
    """The job's status, if it is a job of this course (None otherwise, or once it expired)."""
    raw = await redis.get(_status_key(job_id))
    if raw is None:
        return None
    job = msgspec.json.decode(raw, type=RosterJob)
    return job if job.course_id == course_id else None


async def start_job(redis: Redis, queue: JudgeQueue, course: m.Course, actor: m.User, data: bytes) -> RosterJob:
    if course.archived:
        raise ApplicationClientError("this course is archived: unarchive it before importing")
    job = RosterJob(id=uuid.uuid4(), course_id=course.id, actor_id=actor.id)
    await redis.set(_data_key(job.id), data, ex=JOB_TTL_S)
    await _save(redis, job)
    await queue.enqueue_task(IMPORT_ROSTER, str(job.id), job_id=f"roster:{job.id}")
    return job


async def _staff_access(session: AsyncSession, job: RosterJob) -> CourseAccess:
    """The one who started the job, if they are still staff of the course (checked again when the job runs)."""
    actor = await session.get(m.User, job.actor_id)
    access = await resolve_access(session, actor, job.course_id) if actor is not None else None
    if access is None or not access.is_staff:
        raise ApplicationClientError("you are no longer staff of this course")
    return access


async def import_roster(ctx: dict[str, Any], job_id: str) -> str:
    """The ``api-tasks`` job: import the stored CSV for the one who started it, reporting progress in Redis."""
    redis: Redis = ctx["redis"]
    key = uuid.UUID(job_id)
    raw = await redis.get(_status_key(key))
    data = await redis.get(_data_key(key))
    if raw is None or data is None:
        logger.warning("roster job %s expired before it ran", job_id)
        return "expired"
    job = msgspec.json.decode(raw, type=RosterJob)
    job.state = "running"
    await _save(redis, job)

    async def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        await _save(redis, job)

    settings = ctx["settings"]
    mailer: Mailer = ctx.get("mailer") or Mailer(settings)
    try:
        async with ctx["sessions"]() as session:
            access = await _staff_access(session, job)
            importer = RosterImport(session, mailer, settings.base_url)
            result, mails = await importer.commit(access, bytes(data), progress=progress)
            await session.commit()
    except ApplicationClientError as exc:
        job.state, job.error = "failed", exc.detail
        await _save(redis, job)
        return "failed"
    finally:
        await redis.delete(_data_key(key))
    job.state, job.result, job.done = "done", result, job.total
    await _save(redis, job)
    if mails:
        await mailer.send_many(mails)
    return "done"
