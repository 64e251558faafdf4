"""Judge0 jobs of the ``api-tasks`` worker: callbacks once a submission is judged, and deletion after retention.

- ``send_judge0_callback`` is enqueued by ``record_judge_report`` right after a Judge0 submission's report is
  recorded; :func:`sweep_judge0_callbacks` (a cron) catches any it missed (a submission ended as IE by the reaper,
  a worker that died between the two). Each callback is claimed in the database first, so it is sent at most once.
- :func:`delete_expired_judge0_submissions` (a cron) deletes Judge0 submissions older than
  ``JUDGE0_RETENTION_HOURS``, both their Judge0 row and the fleet submission.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Final
from uuid import UUID

import msgspec
from arq import cron, func
from arq.connections import ArqRedis
from arq.cron import CronJob
from arq.worker import Function
from sqlalchemy import select, update

from api.db import models as m
from api.domain.judge0.callbacks import deliver_callback
from api.domain.judge0.config import judge0_config
from api.domain.judge0.fields import DEFAULT_FIELDS
from api.domain.judge0.present import present
from api.domain.judge0.services import Judge0SubmissionService, Stored
from api.lib.timeutil import utcnow
from api.settings import Settings
from judge_worker.contracts import API_TASKS_QUEUE
from judge_worker.wake import wake

__all__ = [
    "SEND_JUDGE0_CALLBACK",
    "delete_expired_judge0_submissions",
    "enqueue_judge0_callback",
    "judge0_cron_jobs",
    "judge0_functions",
    "send_judge0_callback",
    "sweep_judge0_callbacks",
]

logger = logging.getLogger("verdict.judge0.tasks")

SEND_JUDGE0_CALLBACK: Final = "send_judge0_callback"
_SWEEP_GRACE: Final = timedelta(seconds=5)  # leave freshly judged ones to their own job


async def enqueue_judge0_callback(redis: ArqRedis, submission: m.Submission) -> None:
    """Called once a report is recorded: a Judge0 submission's callback goes out from a job of its own."""
    if submission.kind is not m.SubmissionKind.JUDGE0:
        return
    await redis.enqueue_job(
        SEND_JUDGE0_CALLBACK,
        str(submission.id),
        _queue_name=API_TASKS_QUEUE,
        _job_id=f"judge0-callback:{submission.id}:{submission.attempt}",
    )
    await wake(redis, API_TASKS_QUEUE)


async def _claim(ctx: dict[str, Any], submission_id: UUID) -> tuple[bytes, str] | None:
    """Mark the callback sent and return (JSON body, URL), or None when it has none, is not judged or was taken."""
    settings: Settings = ctx["settings"]
    config = judge0_config(settings)
    async with ctx["sessions"]() as session:
        row = await session.scalar(
            select(m.Judge0Submission).where(
                m.Judge0Submission.submission_id == submission_id,
                m.Judge0Submission.callback_url.is_not(None),
                m.Judge0Submission.callback_done_at.is_(None),
            )
        )
        submission = await session.get(m.Submission, submission_id)
        if row is None or submission is None or submission.status is not m.SubmissionStatus.DONE:
            return None
        claimed = await session.execute(
            update(m.Judge0Submission)
            .where(m.Judge0Submission.id == row.id, m.Judge0Submission.callback_done_at.is_(None))
            .values(callback_done_at=utcnow())
        )
        await session.commit()
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        service = Judge0SubmissionService(session, redis=ctx["redis"], config=config)
        result = await service.result(Stored(row, submission))
        body = present(row, result, fields=DEFAULT_FIELDS, base64_encoded=True)
        return msgspec.json.encode(body), row.callback_url or ""


async def send_judge0_callback(ctx: dict[str, Any], submission_id: str) -> bool:
    """``PUT`` the judged submission (Judge0's default fields, Base64) to its ``callback_url``, as Judge0 does."""
    claimed = await _claim(ctx, UUID(submission_id))
    if claimed is None:
        return False
    body, url = claimed
    config = judge0_config(ctx["settings"])
    return await deliver_callback(
        url,
        body,
        allowed=config.callback_allowed_hosts,
        tries=config.info.callbacks_max_tries,
        timeout_s=config.info.callbacks_timeout,
    )


async def sweep_judge0_callbacks(ctx: dict[str, Any]) -> int:
    """Send the callbacks of judged Judge0 submissions that no job sent (at most 100 a run)."""
    async with ctx["sessions"]() as session:
        pending = list(
            await session.scalars(
                select(m.Judge0Submission.submission_id)
                .join(m.Submission, m.Submission.id == m.Judge0Submission.submission_id)
                .where(
                    m.Judge0Submission.callback_url.is_not(None),
                    m.Judge0Submission.callback_done_at.is_(None),
                    m.Submission.status == m.SubmissionStatus.DONE,
                    m.Submission.updated_at < utcnow() - _SWEEP_GRACE,
                )
                .limit(100)
            )
        )
    sent = 0
    for submission_id in pending:
        if await send_judge0_callback(ctx, str(submission_id)):
            sent += 1
    return sent


async def delete_expired_judge0_submissions(ctx: dict[str, Any], *, older_than: timedelta | None = None) -> int:
    """Delete Judge0 submissions past their retention; returns how many."""
    settings: Settings = ctx["settings"]
    config = judge0_config(settings)
    age = older_than if older_than is not None else timedelta(hours=config.retention_hours)
    deleted = 0
    while True:
        async with ctx["sessions"]() as session:
            service = Judge0SubmissionService(session, redis=ctx["redis"], config=config)
            batch = await service.delete_expired(older_than=age)
        deleted += batch
        if batch == 0:
            break
    if deleted:
        logger.info("deleted %d Judge0 submissions older than %s", deleted, age)
    return deleted


def judge0_functions() -> list[Function]:
    return [func(send_judge0_callback, name=SEND_JUDGE0_CALLBACK, max_tries=1, timeout=120, keep_result=600)]


def judge0_cron_jobs() -> list[CronJob]:
    """The callback sweep (twice a minute) and the retention clean-up (hourly)."""
    return [
        cron(sweep_judge0_callbacks, second={5, 35}, unique=True, timeout=300, keep_result=0),
        cron(delete_expired_judge0_submissions, minute={17}, second={0}, unique=True, timeout=600, keep_result=0),
    ]
