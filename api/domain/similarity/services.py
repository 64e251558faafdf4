"""Similarity reports of a course's code questions: staff start one (it runs on the api-tasks worker), follow its
progress, read the ranked pairs and look at one pair side by side."""

from __future__ import annotations

from datetime import timedelta
from typing import Final
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses.access import CourseAccess
from api.domain.similarity import schemas
from api.domain.similarity.engine import source_text
from api.lib.exceptions import ConflictError
from api.lib.timeutil import utcnow
from api.queue import JudgeQueue

__all__ = [
    "BUILD_SIMILARITY_REPORT",
    "PAIRS_SHOWN",
    "SimilarityService",
    "similarity_job_id",
]

BUILD_SIMILARITY_REPORT: Final = "build_similarity_report"
PAIRS_SHOWN: Final = 200
_RUNNING: Final = ("queued", "running")
# A report that shows no progress for this long was lost (its worker killed on every try): a new one may start.
STALE_AFTER: Final = timedelta(minutes=15)


def similarity_job_id(report_id: UUID | str) -> str:
    return f"similarity:{report_id}"


class SimilarityService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def code_question(
        self, access: CourseAccess, assessment_id: UUID, question_id: UUID
    ) -> tuple[m.Assessment, m.AssessmentQuestion]:
        """The course's assessment and its code question, or 404."""
        assessment = await self.session.get(m.Assessment, assessment_id)
        if assessment is None or assessment.course_id != access.course.id:
            raise NotFoundError("no such assessment in this course")
        question = await self.session.get(m.AssessmentQuestion, question_id)
        if question is None or question.assessment_id != assessment.id or question.type != "code":
            raise NotFoundError("no such code question in this assessment")
        return assessment, question

    async def start(
        self,
        access: CourseAccess,
        assessment_id: UUID,
        question_id: UUID,
        data: schemas.ReportCreate,
        queue: JudgeQueue,
    ) -> m.SimilarityReport:
        """A new report, queued on the api-tasks worker (committed first). One runs at a time per question."""
        assessment, question = await self.code_question(access, assessment_id, question_id)
        running = await self.session.scalar(
            select(m.SimilarityReport.id).where(
                m.SimilarityReport.question_id == question.id,
                m.SimilarityReport.status.in_(_RUNNING),
                m.SimilarityReport.updated_at > utcnow() - STALE_AFTER,
            )
        )
        if running is not None:
            raise ConflictError("a similarity report of this question is already running; wait for it to finish")
        report = m.SimilarityReport(
            course_id=access.course.id,
            assessment_id=assessment.id,
            question_id=question.id,
            requested_by=access.user.id,
            boilerplate=data.boilerplate,
        )
        self.session.add(report)
        await self.session.commit()
        await queue.enqueue_task(BUILD_SIMILARITY_REPORT, str(report.id), job_id=similarity_job_id(report.id))
        return report

    async def latest(self, question_id: UUID) -> m.SimilarityReport | None:
        report: m.SimilarityReport | None = await self.session.scalar(
            select(m.SimilarityReport)
            .where(m.SimilarityReport.question_id == question_id)
            .order_by(m.SimilarityReport.created_at.desc(), m.SimilarityReport.id.desc())
            .limit(1)
        )
        return report

    async def report(self, access: CourseAccess, report_id: UUID) -> m.SimilarityReport:
        report = await self.session.get(m.SimilarityReport, report_id)
        if report is None or report.course_id != access.course.id:
            raise NotFoundError("no such similarity report in this course")
        return report

    async def _names(self, user_ids: set[UUID]) -> dict[UUID, str]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(m.User.id, m.User.display_name, m.User.email).where(m.User.id.in_(user_ids))
        )
        return {uid: name or email for uid, name, email in rows.tuples()}

    async def pairs(self, report: m.SimilarityReport, limit: int = PAIRS_SHOWN) -> list[schemas.Pair]:
        rows = list(
            await self.session.scalars(
                select(m.SimilarityPair)
                .where(m.SimilarityPair.report_id == report.id)
                .order_by(m.SimilarityPair.rank)
                .limit(limit)
            )
        )
        owners = await self._owners({p.submission_a for p in rows} | {p.submission_b for p in rows})
        names = await self._names({u for u in owners.values() if u is not None})

        def student(submission_id: UUID) -> str:
            owner = owners.get(submission_id)
            return names.get(owner, "?") if owner is not None else "?"

        return [
            schemas.Pair(
                id=p.id,
                rank=p.rank,
                submission_a=p.submission_a,
                submission_b=p.submission_b,
                student_a=student(p.submission_a),
                student_b=student(p.submission_b),
                similarity_a=p.similarity_a,
                similarity_b=p.similarity_b,
                overlap=p.overlap,
            )
            for p in rows
        ]

    async def _owners(self, submission_ids: set[UUID]) -> dict[UUID, UUID | None]:
        if not submission_ids:
            return {}
        rows = await self.session.execute(
            select(m.Submission.id, m.Submission.user_id).where(m.Submission.id.in_(submission_ids))
        )
        return dict(rows.tuples().all())  # .all(): the result itself has keys() and would pass for a mapping

    async def to_schema(self, report: m.SimilarityReport, *, with_pairs: bool = True) -> schemas.Report:
        return schemas.Report(
            id=report.id,
            question_id=report.question_id,
            assessment_id=report.assessment_id,
            status=report.status,  # type: ignore[arg-type]  # one of ReportStatus, written by this package only
            done=report.done,
            total=report.total,
            submissions=report.submissions,
            pairs_compared=report.pairs,
            message=report.message,
            created_at=report.created_at,
            finished_at=report.finished_at,
            pairs=await self.pairs(report) if with_pairs and report.status == "done" else [],
        )

    async def pair_detail(self, access: CourseAccess, report_id: UUID, pair_id: UUID) -> schemas.PairDetail:
        report = await self.report(access, report_id)
        pair = await self.session.get(m.SimilarityPair, pair_id)
        if pair is None or pair.report_id != report.id:
            raise NotFoundError("no such pair in this report")
        a = await self.session.get(m.Submission, pair.submission_a)
        b = await self.session.get(m.Submission, pair.submission_b)
        if a is None or b is None:  # pragma: no cover - the pair's rows cascade with their submissions
            raise NotFoundError("a submission of this pair is gone")
        names = await self._names({u for u in (a.user_id, b.user_id) if u is not None})
        return schemas.PairDetail(
            id=pair.id,
            report_id=report.id,
            rank=pair.rank,
            a=_side(a, names, pair.similarity_a, pair.slices_a),
            b=_side(b, names, pair.similarity_b, pair.slices_b),
        )

    async def clear_pairs(self, report_id: UUID) -> None:
        await self.session.execute(delete(m.SimilarityPair).where(m.SimilarityPair.report_id == report_id))


def _side(
    submission: m.Submission, names: dict[UUID, str], similarity: float, slices: list[list[int]]
) -> schemas.PairSide:
    name, text = source_text(submission.files or {})
    return schemas.PairSide(
        submission_id=submission.id,
        student=names.get(submission.user_id, "?") if submission.user_id is not None else "?",
        language=submission.language,
        name=name,
        text=text,
        similarity=similarity,
        regions=[[int(s), int(e)] for s, e in slices],
    )
