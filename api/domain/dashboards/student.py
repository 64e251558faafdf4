"""The signed-in student's own dashboard: what is due and open (exams first, time left from the server's clock),
scores over time per course (only scores the assessments' visibility rules show the student now), practice progress
by difficulty and tag, and recent submissions. Work made inside an assessment is left out of practice progress and
recent submissions: its verdicts follow the assessment's visibility, which the assessment pages apply."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Final

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.rules import in_audience, scores_visible, student_state
from api.domain.courses.access import visible_problem_clause
from api.domain.dashboards import schemas
from api.domain.dashboards.scores import scores_of

__all__ = ["student_dashboard"]

RECENT: Final = 10
_STATE_ORDER: Final = {"in_progress": 0, "open": 1, "upcoming": 2}
_DIFFICULTIES: Final = ("easy", "medium", "hard")


def _practice_submissions() -> object:
    return ~m.Submission.id.in_(select(m.AssessmentSubmission.submission_id))


async def _assessments(session: AsyncSession, user: m.User) -> list[tuple[m.Assessment, m.Course, m.CourseMembership]]:
    rows = await session.execute(
        select(m.Assessment, m.Course, m.CourseMembership)
        .join(m.Course, m.Course.id == m.Assessment.course_id)
        .join(
            m.CourseMembership,
            (m.CourseMembership.course_id == m.Course.id) & (m.CourseMembership.user_id == user.id),
        )
        .where(
            m.CourseMembership.role == m.CourseRole.STUDENT,
            m.Assessment.published.is_(True),
            m.Course.archived.is_(False),
        )
    )
    return [(a, c, ms) for a, c, ms in rows.tuples() if in_audience(a, ms)]


def _due(
    rows: list[tuple[m.Assessment, m.Course, m.CourseMembership]],
    attempts: dict[object, m.AssessmentAttempt],
    extra: dict[object, m.AssessmentAccommodation],
    now: datetime,
) -> list[schemas.DueItem]:
    items: list[schemas.DueItem] = []
    for assessment, course, _membership in rows:
        attempt = attempts.get(assessment.id)
        accommodation = extra.get(assessment.id)
        state = student_state(assessment, attempt, now, accommodation)
        if state not in _STATE_ORDER:
            continue
        if attempt is not None and attempt.deadline is not None:
            moment: datetime | None = attempt.deadline
        else:
            closes = accommodation.closes_at if accommodation and accommodation.closes_at else assessment.closes_at
            moment = assessment.due_at or closes
        left = None if moment is None else max(0, int((moment - now).total_seconds()))
        items.append(
            schemas.DueItem(
                course_id=course.id,
                course_code=course.code,
                assessment_id=assessment.id,
                title=assessment.title,
                kind=assessment.kind,
                state=state,
                due_at=moment,
                seconds_left=left,
            )
        )
    items.sort(key=lambda i: (i.kind != "exam", _STATE_ORDER[i.state], i.seconds_left is None, i.seconds_left or 0))
    return items


async def _practice(session: AsyncSession, user: m.User) -> tuple[list[schemas.PracticeRow], list[schemas.PracticeRow]]:
    problems = (
        await session.execute(
            select(m.Problem.id, m.Problem.difficulty, m.Problem.tags).where(
                m.Problem.visibility == m.ProblemVisibility.PUBLISHED, visible_problem_clause(user)
            )
        )
    ).tuples()
    mine = await session.execute(
        select(m.Submission.problem_id, func.max(case((m.Submission.verdict == "AC", 1), else_=0)))
        .where(
            m.Submission.user_id == user.id,
            m.Submission.kind == m.SubmissionKind.SUBMISSION,
            _practice_submissions(),  # type: ignore[arg-type]
        )
        .group_by(m.Submission.problem_id)
    )
    solved = {pid: bool(ac) for pid, ac in mine.tuples()}
    by_difficulty: dict[str, list[int]] = {d: [0, 0, 0] for d in _DIFFICULTIES}
    by_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pid, difficulty, tags in problems:
        counts = [int(solved.get(pid, False)), int(pid in solved), 1]
        for bucket in (by_difficulty.setdefault(difficulty, [0, 0, 0]), *(by_tag[t] for t in set(tags or []))):
            for i, n in enumerate(counts):
                bucket[i] += n

    def rows(source: dict[str, list[int]]) -> list[schemas.PracticeRow]:
        return [schemas.PracticeRow(key=k, solved=v[0], attempted=v[1], total=v[2]) for k, v in source.items()]

    return rows(by_difficulty), sorted(rows(by_tag), key=lambda r: (-r.total, r.key))


async def _recent(session: AsyncSession, user: m.User) -> list[schemas.RecentSubmission]:
    rows = await session.execute(
        select(m.Submission, m.Problem.slug, m.Problem.title)
        .join(m.Problem, m.Problem.id == m.Submission.problem_id)
        .where(
            m.Submission.user_id == user.id,
            m.Submission.kind == m.SubmissionKind.SUBMISSION,
            _practice_submissions(),  # type: ignore[arg-type]
        )
        .order_by(m.Submission.created_at.desc())
        .limit(RECENT)
    )
    return [
        schemas.RecentSubmission(
            id=s.id,
            problem_slug=slug,
            problem_title=title,
            language=s.language,
            status=s.status.value,
            verdict=s.verdict,
            score=s.score,
            created_at=s.created_at,
        )
        for s, slug, title in rows.tuples()
    ]


async def student_dashboard(session: AsyncSession, user: m.User, now: datetime) -> schemas.StudentDashboard:
    rows = await _assessments(session, user)
    ids = [a.id for a, _c, _ms in rows]
    attempts: dict[object, m.AssessmentAttempt] = {}
    extra: dict[object, m.AssessmentAccommodation] = {}
    if ids:
        for attempt in await session.scalars(
            select(m.AssessmentAttempt).where(
                m.AssessmentAttempt.user_id == user.id, m.AssessmentAttempt.assessment_id.in_(ids)
            )
        ):
            attempts[attempt.assessment_id] = attempt
        for acc in await session.scalars(
            select(m.AssessmentAccommodation).where(
                m.AssessmentAccommodation.user_id == user.id, m.AssessmentAccommodation.assessment_id.in_(ids)
            )
        ):
            extra[acc.assessment_id] = acc
    # Only assessments whose scores the student may see now are scored at all (the same rule as the review page).
    shown = [a for a, _c, _ms in rows if scores_visible(a, now, staff=False)]
    scored = await scores_of(session, shown, now=now, user_id=user.id)
    courses = {a.id: c for a, c, _ms in rows}
    titles = {a.id: a.title for a in shown}
    points = [
        schemas.ScorePoint(
            course_id=courses[aid].id,
            course_code=courses[aid].code,
            assessment_id=aid,
            title=titles[aid],
            submitted_at=s.submitted_at,
            score=s.score,
        )
        for aid, found in scored.items()
        for s in found
        if s.submitted_at is not None
    ]
    points.sort(key=lambda p: (p.course_code, p.submitted_at))
    by_difficulty, by_tag = await _practice(session, user)
    return schemas.StudentDashboard(
        server_now=now,
        due=_due(rows, attempts, extra, now),
        scores=points,
        by_difficulty=by_difficulty,
        by_tag=by_tag,
        recent=await _recent(session, user),
    )
