"""Each dashboard table as CSV, through the courses' formula-neutralising writer (api/domain/courses/csvio.py):
a cell a spreadsheet would run as a formula (a student's output, a name) starts with an apostrophe."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from litestar import Response

from api.domain.courses.csvio import write_csv
from api.domain.dashboards import schemas
from api.domain.dashboards.stats import BANDS

__all__ = ["ANALYTICS_TABLES", "COURSE_TABLES", "csv_response"]

Table = tuple[Sequence[str], Callable[[Any], list[Sequence[object]]]]


def _assessments(d: schemas.CourseDashboard) -> list[Sequence[object]]:
    return [
        [a.title, a.kind, a.audience, a.started, a.submitted, a.completion_percent, a.mean, a.median, *a.distribution]
        for a in d.assessments
    ]


COURSE_TABLES: Final[dict[str, Table]] = {
    "activity": (
        ("day", "submissions", "students"),
        lambda d: [[r.day, r.submissions, r.students] for r in d.activity],
    ),
    "assessments": (
        ("assessment", "kind", "audience", "started", "submitted", "completion %", "mean", "median", *BANDS),
        _assessments,
    ),
    "questions": (
        ("assessment", "question", "type", "answered", "mean %"),
        lambda d: [
            [a.title, q.position, q.type, q.answered, q.mean_percent] for a in d.assessments for q in a.questions
        ],
    ),
    "tests": (
        ("problem", "test", "runs", "failures", "fail %"),
        lambda d: [[t.problem_title, t.test, t.runs, t.failures, t.fail_percent] for t in d.tests],
    ),
    "wrong-outputs": (
        ("problem", "test", "verdict", "output", "count"),
        lambda d: [[w.problem_title, w.test, w.verdict, w.output, w.count] for w in d.wrong_outputs],
    ),
    "at-risk": (
        ("student", "email", "missed deadlines", "mean score", "last active", "reasons"),
        lambda d: [
            [s.display_name, s.email, s.missed, s.mean_score, s.last_active, "; ".join(s.reasons)] for s in d.at_risk
        ],
    ),
}

ANALYTICS_TABLES: Final[dict[str, Table]] = {
    "active-days": (("day", "active users"), lambda d: [[r.period, r.users] for r in d.active_per_day]),
    "active-weeks": (("week of", "active users"), lambda d: [[r.period, r.users] for r in d.active_per_week]),
    "languages": (("day", "language", "submissions"), lambda d: [[r.day, r.key, r.submissions] for r in d.by_language]),
    "verdicts": (("day", "verdict", "submissions"), lambda d: [[r.day, r.key, r.submissions] for r in d.by_verdict]),
    "queue-wait": (
        ("day", "judged", "p50 ms", "p90 ms"),
        lambda d: [[r.day, r.judged, r.p50_ms, r.p90_ms] for r in d.queue_wait],
    ),
    "judge": (("day", "judged", "cpu seconds"), lambda d: [[r.day, r.judged, r.cpu_seconds] for r in d.judge_use]),
    "courses": (
        ("code", "title", "students", "active students", "submissions"),
        lambda d: [[c.code, c.title, c.students, c.active_students, c.submissions] for c in d.courses],
    ),
}


def csv_response(table: Table, data: object, filename: str) -> Response[str]:
    header, rows = table
    safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
    return Response(
        write_csv(header, rows(data)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"},
    )
