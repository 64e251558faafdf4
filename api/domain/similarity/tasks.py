"""The similarity job on the api-tasks worker: fingerprint the counted submission of every student to a code
question, compare them all, keep the most similar pairs. Progress (``done`` of ``total``) is written to the report
as it goes, for the report page to show."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Final
from uuid import UUID

from arq import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db import models as m
from api.domain.similarity.counted import counted_submissions
from api.domain.similarity.engine import Comparison, Source, compare_sources, source_text
from api.domain.similarity.services import BUILD_SIMILARITY_REPORT, SimilarityService
from api.lib.timeutil import utcnow

__all__ = ["PAIRS_KEPT", "PROGRESS_EVERY_S", "build_similarity_report", "similarity_functions"]

logger = logging.getLogger("verdict.similarity")
PAIRS_KEPT: Final = 500
PROGRESS_EVERY_S: Final = 0.25


async def build_similarity_report(ctx: dict[str, Any], report_id: str) -> int:
    """Run the report ``report_id``; returns how many pairs were kept. A retried job starts the report over."""
    sessions: async_sessionmaker[AsyncSession] = ctx["sessions"]
    async with sessions() as session:
        report = await session.get(m.SimilarityReport, UUID(report_id))
        if report is None:
            logger.info("similarity report %s is gone", report_id)
            return 0
        question = await session.get(m.AssessmentQuestion, report.question_id)
        counted = await counted_submissions(session, question) if question is not None else []
        sources: list[Source] = []
        for row in counted:
            name, text = source_text(row.submission.files or {})
            sources.append(Source(key=str(row.submission.id), name=name, text=text))
        await SimilarityService(session).clear_pairs(report.id)
        report.status = "running"
        report.done = 0
        report.total = 2 * len(sources)
        report.submissions = len(sources)
        report.message = ""
        report.finished_at = None
        await session.commit()
        boilerplate = report.boilerplate
    try:
        comparison = await _compare_with_progress(sessions, UUID(report_id), sources, boilerplate)
    except Exception as exc:
        logger.exception("similarity report %s failed", report_id)
        async with sessions() as session:
            failed = await session.get(m.SimilarityReport, UUID(report_id))
            if failed is not None:
                failed.status = "failed"
                failed.message = f"the comparison failed: {type(exc).__name__}"
                failed.finished_at = utcnow()
                await session.commit()
        raise
    async with sessions() as session:
        done = await session.get(m.SimilarityReport, UUID(report_id))
        if done is None:
            return 0
        for rank, match in enumerate(comparison.matches, start=1):
            session.add(
                m.SimilarityPair(
                    report_id=done.id,
                    rank=rank,
                    submission_a=UUID(match.a),
                    submission_b=UUID(match.b),
                    similarity_a=match.similarity_a,
                    similarity_b=match.similarity_b,
                    overlap=match.overlap,
                    slices_a=[list(s) for s in match.slices_a],
                    slices_b=[list(s) for s in match.slices_b],
                )
            )
        done.status = "done"
        done.done = done.total
        done.pairs = comparison.pairs
        done.finished_at = utcnow()
        await session.commit()
    logger.info("similarity report %s: %d sources, %d pairs kept", report_id, len(sources), len(comparison.matches))
    return len(comparison.matches)


async def _compare_with_progress(
    sessions: async_sessionmaker[AsyncSession], report_id: UUID, sources: list[Source], boilerplate: str
) -> Comparison:
    """The comparison runs in a thread; meanwhile its progress is written to the report every PROGRESS_EVERY_S."""
    latest = [0]

    def progress(done: int, _total: int) -> None:
        latest[0] = done

    work = asyncio.ensure_future(
        asyncio.to_thread(compare_sources, sources, boilerplate=boilerplate, limit=PAIRS_KEPT, progress=progress)
    )
    written = 0
    while not work.done():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(work), PROGRESS_EVERY_S)
        if latest[0] != written and not work.done():
            written = latest[0]
            started = time.monotonic()
            async with sessions() as session:
                report = await session.get(m.SimilarityReport, report_id)
                if report is not None:
                    report.done = written
                    await session.commit()
            logger.debug("similarity %s: %d done (written in %.3f s)", report_id, written, time.monotonic() - started)
    return work.result()


def similarity_functions() -> list[Any]:
    return [func(build_similarity_report, name=BUILD_SIMILARITY_REPORT, max_tries=2, timeout=600, keep_result=600)]
