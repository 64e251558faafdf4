"""The api-tasks side of code scanning: enqueue a scan once a submission is recorded, record the worker's report."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import msgspec
from arq import Retry, func
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from api.db import models as m
from api.domain.scanning.services import enqueue_scan, record_scan
from judge_worker.contracts import RECORD_SCAN_REPORT, ScanReport

__all__ = ["enqueue_scan_after_judging", "record_scan_report", "scanning_functions"]

logger = logging.getLogger("verdict.scanning")


async def enqueue_scan_after_judging(ctx: dict[str, Any], submission: m.Submission) -> None:
    """Called once a judge report is recorded. A failure here never fails the report: the scan is only missing
    (and its row, if written, stays queued)."""
    with contextlib.suppress(RedisError, OSError, OperationalError, InterfaceError):
        async with ctx["sessions"]() as session:
            if await enqueue_scan(session, ctx["redis"], submission):
                logger.info("scan of %s enqueued", submission.id)


async def record_scan_report(ctx: dict[str, Any], payload: dict[str, Any]) -> bool:
    report = msgspec.convert(payload, ScanReport)
    try:
        async with ctx["sessions"]() as session:
            row = await record_scan(session, report)
    except (OperationalError, InterfaceError, OSError) as exc:
        raise Retry(defer=min(30, 2 ** int(ctx.get("job_try", 1)))) from exc
    return row is not None


def scanning_functions() -> list[Any]:
    return [func(record_scan_report, name=RECORD_SCAN_REPORT, max_tries=20, timeout=60, keep_result=3600)]
