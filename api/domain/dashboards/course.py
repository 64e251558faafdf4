"""A course's dashboard for its staff: activity per day, per assessment the score distribution, mean, median,
completion and per-question means, the per-test failure heatmap and the most common wrong outputs per test (staff
see hidden tests too), and the students at risk with the reason. Every aggregate is one SQL query over the course's
students' submissions to the course's problems within a bounded date range (or, for scores, four queries in all)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.rules import in_audience
from api.domain.courses.access import course_problem_ids
from api.domain.dashboards import schemas
from api.domain.dashboards.scores import scores_of
from api.domain.dashboards.sqlparts import DateRange, day_of, day_text, dialect_of, pairs, test_cases
from api.domain.dashboards.stats import BANDS, histogram, mean, median, percent

__all__ = ["LOW_SCORE", "WRONG_OUTPUTS_PER_TEST", "course_dashboard"]

LOW_SCORE: Final = 50.0  # a mean assessment score below this puts a student at risk
WRONG_OUTPUTS_PER_TEST: Final = 3
_OUTPUT_CHARS: Final = 200
_MAX_TESTS: Final = 2000  # heatmap cells (problem x test) kept, the most failed first


@dataclass(frozen=True, slots=True)
class _Student:
    id: UUID
    display_name: str
    email: str
    group_id: UUID | None
    level_id: UUID | None


def _students(course_id: UUID) -> Select[tuple[UUID]]:
    return select(m.CourseMembership.user_id).where(
        m.CourseMembership.course_id == course_id, m.CourseMembership.role == m.CourseRole.STUDENT
    )


def _in_course(course_id: UUID, span: DateRange) -> list[Any]:
    """The course's work: its students' graded submissions to its problems, within ``span``."""
    return [
        m.Submission.user_id.in_(_students(course_id)),
        m.Submission.problem_id.in_(course_problem_ids(course_id)),
        m.Submission.kind == m.SubmissionKind.SUBMISSION,
        m.Submission.created_at >= span.start,
        m.Submission.created_at < span.end,
    ]


async def _activity(session: AsyncSession, course_id: UUID, span: DateRange) -> list[schemas.DailyCount]:
    day = day_of(m.Submission.created_at, dialect_of(session)).label("day")
    per_person = (  # each student's count per day first: two hash aggregates, not a sort for the distinct count
        select(day, m.Submission.user_id, func.count().label("n"))
        .where(*_in_course(course_id, span))
        .group_by(day, m.Submission.user_id)
        .subquery()
    )
    rows = await session.execute(
        select(per_person.c.day, func.sum(per_person.c.n), func.count()).group_by(per_person.c.day)
    )
    found = {day_text(d): (int(n), int(u)) for d, n, u in rows.tuples()}
    return [
        schemas.DailyCount(day=d, submissions=found.get(d, (0, 0))[0], students=found.get(d, (0, 0))[1])
        for d in span.days()
    ]


async def _tests(
    session: AsyncSession, course_id: UUID, span: DateRange, titles: dict[UUID, str]
) -> tuple[list[schemas.TestFailure], list[schemas.WrongOutput]]:
    """One query over each student's latest judged submission per problem in the period (so the cost follows the
    class, not its history, and a student who fixed a test no longer counts as failing it): the tests grouped by
    problem, test, verdict and output; failure rates and the most common wrong outputs are sums over the groups.

    The latest submission of each (student, problem) pair is one backward probe of ix_submission_user_problem_created
    that stops at the first row (a third of the time of ranking every submission of the period with a window)."""
    students = _students(course_id).subquery()
    problems = course_problem_ids(course_id).subquery()
    newest = (
        select(m.Submission.id)
        .where(
            m.Submission.user_id == students.c.user_id,
            m.Submission.problem_id == problems.c.problem_id,
            m.Submission.kind == m.SubmissionKind.SUBMISSION,
            m.Submission.status == m.SubmissionStatus.DONE,
            m.Submission.created_at >= span.start,
            m.Submission.created_at < span.end,
        )
        .order_by(m.Submission.created_at.desc())
        .limit(1)
        .correlate(students, problems)
        .scalar_subquery()
    )
    dialect = dialect_of(session)
    latest = select(newest.label("id")).select_from(students).join(problems, true()).cte("latest")
    if dialect == "postgresql":  # computed first, then the few latest rows read: not the whole history unpacked
        latest = latest.prefix_with("MATERIALIZED")
    case = test_cases(m.Submission.results, dialect)
    output = func.coalesce(case.stdout, case.message, "")
    rows = await session.execute(
        select(m.Submission.problem_id, case.index, case.verdict, output, func.count())
        .select_from(latest)
        .join(m.Submission, m.Submission.id == latest.c.id)
        .join(case.source, true())
        .where(~case.skipped)
        .group_by(m.Submission.problem_id, case.index, case.verdict, output)
    )
    runs: dict[tuple[UUID, int], list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[tuple[UUID, int, str, str, int]] = []
    for pid, i, verdict, text, n in rows.tuples():
        if pid is None or i is None:
            continue
        cell = runs[pid, int(i)]
        cell[0] += int(n)
        if verdict != "AC":
            cell[1] += int(n)
            wrong.append((pid, int(i), str(verdict), str(text or ""), int(n)))
    tests = [
        schemas.TestFailure(
            problem_id=pid,
            problem_title=titles.get(pid, "?"),
            test=i + 1,
            runs=n,
            failures=f,
            fail_percent=percent(f, n),
        )
        for (pid, i), (n, f) in runs.items()
    ]
    tests.sort(key=lambda t: (-t.failures, t.problem_title, t.test))
    tests = sorted(tests[:_MAX_TESTS], key=lambda t: (t.problem_title, t.test))
    wrong.sort(key=lambda w: (-w[4], w[2], w[3]))  # ties broken the same way on every database
    kept: dict[tuple[UUID, int], int] = defaultdict(int)
    outputs: list[schemas.WrongOutput] = []
    for pid, i, verdict, text, n in wrong:
        if kept[pid, i] >= WRONG_OUTPUTS_PER_TEST:
            continue
        kept[pid, i] += 1
        outputs.append(
            schemas.WrongOutput(
                problem_id=pid,
                problem_title=titles.get(pid, "?"),
                test=i + 1,
                verdict=verdict,
                output=text[:_OUTPUT_CHARS],
                count=n,
            )
        )
    outputs.sort(key=lambda w: (w.problem_title, w.test, -w.count, w.output))
    return tests, outputs


async def course_dashboard(
    session: AsyncSession, course: m.Course, *, now: datetime, span: DateRange, inactive_days: int
) -> schemas.CourseDashboard:
    students = [  # columns, not ORM objects: a thousand members are read on every load
        _Student(*row)
        for row in (
            await session.execute(
                select(
                    m.User.id,
                    m.User.display_name,
                    m.User.email,
                    m.CourseMembership.group_id,
                    m.CourseMembership.level_id,
                )
                .join(m.User, m.User.id == m.CourseMembership.user_id)
                .where(m.CourseMembership.course_id == course.id, m.CourseMembership.role == m.CourseRole.STUDENT)
                .order_by(m.User.display_name, m.User.email)
            )
        ).tuples()
    ]
    assessments = list(
        await session.scalars(
            select(m.Assessment)
            .where(m.Assessment.course_id == course.id)
            .order_by(m.Assessment.due_at.is_(None), m.Assessment.due_at, m.Assessment.created_at)
        )
    )
    scored = await scores_of(session, assessments, now=now)
    questions: dict[UUID, list[m.AssessmentQuestion]] = defaultdict(list)
    if assessments:
        for q in await session.scalars(
            select(m.AssessmentQuestion)
            .where(m.AssessmentQuestion.assessment_id.in_([a.id for a in assessments]))
            .order_by(m.AssessmentQuestion.position, m.AssessmentQuestion.created_at)
        ):
            questions[q.assessment_id].append(q)
    stats: list[schemas.AssessmentStats] = []
    score_by_student: dict[UUID, list[float]] = defaultdict(list)
    missed: dict[UUID, int] = defaultdict(int)
    for a in assessments:
        audience = {st.id for st in students if in_audience(a, st)}
        attempts = [s for s in scored.get(a.id, []) if s.user_id in audience]
        done = [s for s in attempts if s.submitted_at is not None]
        values = [s.score for s in done]
        for s in done:
            score_by_student[s.user_id].append(s.score)
        deadline = a.due_at or a.closes_at
        if a.published and deadline is not None and deadline <= now:
            submitted = {s.user_id for s in done}
            for uid in audience - submitted:
                missed[uid] += 1
        per_question = []
        for position, q in enumerate(questions[a.id], start=1):
            given = [f.fraction for s in done for f in s.questions if f.question_id == q.id and f.fraction is not None]
            per_question.append(
                schemas.QuestionStats(
                    question_id=q.id,
                    position=position,
                    type=q.type,
                    answered=len(given),
                    mean_percent=mean([100 * g for g in given]),
                )
            )
        stats.append(
            schemas.AssessmentStats(
                assessment_id=a.id,
                title=a.title,
                kind=a.kind,
                audience=len(audience),
                started=len(attempts),
                submitted=len(done),
                completion_percent=percent(len(done), len(audience)),
                mean=mean(values),
                median=median(values),
                distribution=histogram(values),
                questions=per_question,
            )
        )
    # one index probe per student (ix_submission_user_created), not a scan of the course's whole history
    latest_at = (
        select(func.max(m.Submission.created_at))
        .where(m.Submission.user_id == m.CourseMembership.user_id)
        .correlate(m.CourseMembership)
        .scalar_subquery()
    )
    last_active = pairs(
        await session.execute(
            select(m.CourseMembership.user_id, latest_at).where(
                m.CourseMembership.course_id == course.id, m.CourseMembership.role == m.CourseRole.STUDENT
            )
        )
    )
    last_active = {uid: seen for uid, seen in last_active.items() if seen is not None}
    cutoff = now - timedelta(days=inactive_days)
    at_risk: list[schemas.AtRiskStudent] = []
    for user in students:
        reasons: list[str] = []
        if missed[user.id]:
            reasons.append(f"missed {missed[user.id]} deadline{'s' if missed[user.id] != 1 else ''}")
        avg = mean(score_by_student[user.id])
        if avg is not None and avg < LOW_SCORE:
            reasons.append(f"mean score {avg:g} (below {LOW_SCORE:g})")
        seen = last_active.get(user.id)
        if seen is None:
            reasons.append("no submissions yet")
        elif seen < cutoff:
            reasons.append(f"inactive for {(now - seen).days} days")
        if reasons:
            at_risk.append(
                schemas.AtRiskStudent(
                    user_id=user.id,
                    display_name=user.display_name,
                    email=user.email,
                    missed=missed[user.id],
                    mean_score=avg,
                    last_active=seen,
                    reasons=reasons,
                    drill_down=f"/courses/{course.id}/submissions?student={user.id}",
                )
            )
    titles = pairs(
        (
            await session.execute(
                select(m.Problem.id, m.Problem.title).where(m.Problem.id.in_(course_problem_ids(course.id)))
            )
        ).tuples()
    )
    tests, wrong = await _tests(session, course.id, span, titles)
    return schemas.CourseDashboard(
        course_id=course.id,
        first_day=span.first.isoformat(),
        last_day=span.last.isoformat(),
        inactive_days=inactive_days,
        bands=list(BANDS),
        activity=await _activity(session, course.id, span),
        assessments=stats,
        tests=tests,
        wrong_outputs=wrong,
        at_risk=at_risk,
    )
