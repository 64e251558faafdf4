"""Code scanning on the API side: a code question's scan settings, the scan of a submission (queued on the judge
queue once the submission is judged, recorded from the worker's report) and how it is shown."""

from __future__ import annotations

import logging
from typing import Final
from uuid import UUID

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from arq.connections import ArqRedis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses.access import CourseAccess
from api.domain.scanning import schemas
from api.lib.timeutil import utcnow
from judge_worker.contracts import JUDGE_QUEUE, SCAN_SUBMISSION, ScanReport, ScanRequest, ScanRule
from judge_worker.wake import wake

__all__ = [
    "ScanService",
    "enqueue_scan",
    "fraction_of",
    "record_scan",
    "scan_job_id",
    "scan_view",
]

logger = logging.getLogger("verdict.scanning")
_MAX_FINDINGS_SHOWN: Final = 200


def scan_job_id(submission_id: UUID | str, attempt: int) -> str:
    return f"scan:{submission_id}:{attempt}"


class ScanService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def code_question(self, access: CourseAccess, assessment_id: UUID, question_id: UUID) -> m.AssessmentQuestion:
        assessment = await self.session.get(m.Assessment, assessment_id)
        if assessment is None or assessment.course_id != access.course.id:
            raise NotFoundError("no such assessment in this course")
        question = await self.session.get(m.AssessmentQuestion, question_id)
        if question is None or question.assessment_id != assessment.id or question.type != "code":
            raise NotFoundError("no such code question in this assessment")
        return question

    async def settings_of(self, question_id: UUID) -> m.QuestionScan | None:
        found: m.QuestionScan | None = await self.session.scalar(
            select(m.QuestionScan).where(m.QuestionScan.question_id == question_id)
        )
        return found

    async def get(self, access: CourseAccess, assessment_id: UUID, question_id: UUID) -> schemas.QuestionScan:
        question = await self.code_question(access, assessment_id, question_id)
        return _settings_view(question.id, await self.settings_of(question.id))

    async def put(
        self, access: CourseAccess, assessment_id: UUID, question_id: UUID, data: schemas.QuestionScanSet
    ) -> schemas.QuestionScan:
        """Set the question's scan; it applies to submissions judged from now on."""
        question = await self.code_question(access, assessment_id, question_id)
        scan = await self.settings_of(question.id)
        if scan is None:
            scan = m.QuestionScan(question_id=question.id)
            self.session.add(scan)
        scan.rules = [msgspec.to_builtins(r) for r in data.rules]
        scan.linter = data.linter
        scan.points = data.points
        await self.session.flush()
        return _settings_view(question.id, scan)

    async def delete(self, access: CourseAccess, assessment_id: UUID, question_id: UUID) -> None:
        question = await self.code_question(access, assessment_id, question_id)
        scan = await self.settings_of(question.id)
        if scan is not None:
            await self.session.delete(scan)
            await self.session.flush()


def _settings_view(question_id: UUID, scan: m.QuestionScan | None) -> schemas.QuestionScan:
    if scan is None:
        return schemas.QuestionScan(question_id=question_id, configured=False, rules=[], linter=False, points=0.0)
    return schemas.QuestionScan(
        question_id=question_id,
        configured=True,
        rules=[msgspec.convert(r, schemas.ScanRuleIn) for r in scan.rules],
        linter=scan.linter,
        points=scan.points,
    )


async def _question_of(session: AsyncSession, submission_id: UUID) -> m.AssessmentQuestion | None:
    question: m.AssessmentQuestion | None = await session.scalar(
        select(m.AssessmentQuestion)
        .join(m.AssessmentSubmission, m.AssessmentSubmission.question_id == m.AssessmentQuestion.id)
        .where(m.AssessmentSubmission.submission_id == submission_id)
    )
    return question


async def enqueue_scan(session: AsyncSession, redis: ArqRedis, submission: m.Submission) -> bool:
    """After a submission to a scanned code question is judged: mark its scan queued (committed), then enqueue it
    for a judge worker. Returns whether a scan was enqueued."""
    question = await _question_of(session, submission.id)
    if question is None:
        return False
    settings = await session.scalar(select(m.QuestionScan).where(m.QuestionScan.question_id == question.id))
    if settings is None or not (settings.rules or settings.linter):
        return False
    row = await session.scalar(select(m.SubmissionScan).where(m.SubmissionScan.submission_id == submission.id))
    if row is None:
        row = m.SubmissionScan(submission_id=submission.id, question_id=question.id)
        session.add(row)
    row.status, row.rules, row.findings, row.linter_ran = "queued", [], [], False
    row.fraction, row.message, row.finished_at = None, "", None
    await session.commit()
    request = ScanRequest(
        submission_id=submission.id,
        attempt=submission.attempt,
        language=submission.language,
        files=dict(submission.files or {}),
        rules=tuple(msgspec.convert(r, ScanRule) for r in settings.rules),
        linter=settings.linter,
    )
    job = await redis.enqueue_job(
        SCAN_SUBMISSION,
        msgspec.to_builtins(request),
        _job_id=scan_job_id(submission.id, submission.attempt),
        _queue_name=JUDGE_QUEUE,
    )
    await wake(redis, JUDGE_QUEUE)
    return job is not None


def fraction_of(report: ScanReport) -> float | None:
    if not report.ok or not report.rules:
        return None
    return sum(1 for r in report.rules if r.passed) / len(report.rules)


async def record_scan(session: AsyncSession, report: ScanReport) -> m.SubmissionScan | None:
    """Write a worker's scan report (a report for an older attempt than the submission's is ignored)."""
    submission = await session.get(m.Submission, report.submission_id)
    if submission is None or report.attempt < submission.attempt:
        return None
    row = await session.scalar(select(m.SubmissionScan).where(m.SubmissionScan.submission_id == submission.id))
    if row is None:
        question = await _question_of(session, submission.id)
        if question is None:
            return None
        row = m.SubmissionScan(submission_id=submission.id, question_id=question.id)
        session.add(row)
    row.status = "done" if report.ok else "failed"
    row.rules = [msgspec.to_builtins(r) for r in report.rules]
    row.findings = [msgspec.to_builtins(f) for f in report.findings[:_MAX_FINDINGS_SHOWN]]
    row.linter_ran = report.linter_ran
    row.fraction = fraction_of(report)
    row.message = report.message
    row.finished_at = utcnow()
    await session.commit()
    return row


async def scan_view(session: AsyncSession, submission_id: UUID) -> schemas.SubmissionScan | None:
    """The scan of a submission as its owner and the graders see it (None: the question has no scan)."""
    row = await session.scalar(select(m.SubmissionScan).where(m.SubmissionScan.submission_id == submission_id))
    if row is None:
        return None
    settings = await session.scalar(select(m.QuestionScan).where(m.QuestionScan.question_id == row.question_id))
    configured = [msgspec.convert(r, schemas.ScanRuleIn) for r in (settings.rules if settings else [])]
    results = {int(r["rule"]): bool(r["passed"]) for r in row.rules}
    rules = [
        schemas.RuleResult(index=i, kind=r.kind, name=r.name, message=r.message, passed=results[i])
        for i, r in enumerate(configured)
        if i in results
    ]
    findings = [msgspec.convert(f, schemas.Finding) for f in row.findings]
    return schemas.SubmissionScan(
        submission_id=submission_id,
        status=row.status,
        rules=rules,
        findings=findings,
        linter_ran=row.linter_ran,
        fraction=row.fraction,
        points=settings.points if settings else 0.0,
        message=row.message,
        finished_at=row.finished_at,
    )


async def with_scan_points(
    session: AsyncSession, question: m.AssessmentQuestion, tries: list[m.Submission]
) -> list[float | None]:
    """The scores (out of 100) of a code question's tries with its scan's points blended in: with ``points`` p, a
    try scores ``(1 - p/100) * tests + p/100 * (share of rules passed) * 100``. A try not judged yet stays None;
    one whose scan has not come back (or failed) earns nothing for the scan part until it does."""
    scores = [s.score for s in tries]
    settings = await session.scalar(select(m.QuestionScan).where(m.QuestionScan.question_id == question.id))
    if settings is None or settings.points <= 0 or not settings.rules or not tries:
        return scores
    rows = await session.execute(
        select(m.SubmissionScan.submission_id, m.SubmissionScan.fraction).where(
            m.SubmissionScan.submission_id.in_([s.id for s in tries])
        )
    )
    fractions = dict(rows.tuples().all())
    share = settings.points / 100
    return [
        None if score is None else (1 - share) * score + share * 100 * float(fractions.get(s.id) or 0.0)
        for s, score in zip(tries, scores, strict=True)
    ]
