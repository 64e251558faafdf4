"""The dashboards' wire shapes (camelCase JSON): one Struct per chart or table."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "ActiveUsers",
    "AnalyticsDashboard",
    "AssessmentStats",
    "AtRiskStudent",
    "CourseDashboard",
    "CourseUsage",
    "DailyCount",
    "DueItem",
    "JudgeUse",
    "PracticeRow",
    "QuestionStats",
    "QueueWait",
    "RecentSubmission",
    "ScorePoint",
    "StudentDashboard",
    "SubmissionsByKey",
    "TestFailure",
    "WrongOutput",
]


class DailyCount(CamelizedBaseStruct):
    day: str  # YYYY-MM-DD (UTC)
    submissions: int
    students: int = 0  # distinct submitters that day


# --- the student's own dashboard ----------------------------------------------------------------------------------
class DueItem(CamelizedBaseStruct):
    course_id: UUID
    course_code: str
    assessment_id: UUID
    title: str
    kind: str
    state: str  # open, in_progress, upcoming
    due_at: datetime | None  # the time that matters: the attempt's deadline, else the due time, else the close
    seconds_left: int | None  # from the server's clock


class ScorePoint(CamelizedBaseStruct):
    course_id: UUID
    course_code: str
    assessment_id: UUID
    title: str
    submitted_at: datetime
    score: float  # only scores visible to the student now are listed


class PracticeRow(CamelizedBaseStruct):
    key: str  # a difficulty or a tag
    solved: int
    attempted: int
    total: int


class RecentSubmission(CamelizedBaseStruct):
    id: UUID
    problem_slug: str
    problem_title: str
    language: str
    status: str
    verdict: str | None
    score: float | None
    created_at: datetime


class StudentDashboard(CamelizedBaseStruct):
    server_now: datetime
    due: list[DueItem]
    scores: list[ScorePoint]
    by_difficulty: list[PracticeRow]
    by_tag: list[PracticeRow]
    recent: list[RecentSubmission]


# --- a course's dashboard for its staff ---------------------------------------------------------------------------
class QuestionStats(CamelizedBaseStruct):
    question_id: UUID
    position: int
    type: str
    answered: int
    mean_percent: float | None


class AssessmentStats(CamelizedBaseStruct):
    assessment_id: UUID
    title: str
    kind: str
    audience: int
    started: int
    submitted: int
    completion_percent: float | None
    mean: float | None
    median: float | None
    distribution: list[int]  # counts per band of ten (see ``bands``)
    questions: list[QuestionStats]


class TestFailure(CamelizedBaseStruct):
    problem_id: UUID
    problem_title: str
    test: int  # 1-based, as people count
    runs: int
    failures: int
    fail_percent: float | None


class WrongOutput(CamelizedBaseStruct):
    problem_id: UUID
    problem_title: str
    test: int
    verdict: str
    output: str  # the program's output (visible tests) or the checker's message; "" when none was kept
    count: int


class AtRiskStudent(CamelizedBaseStruct):
    user_id: UUID
    display_name: str
    email: str
    missed: int
    mean_score: float | None
    last_active: datetime | None
    reasons: list[str]
    drill_down: str  # the per-student page


class CourseDashboard(CamelizedBaseStruct):
    course_id: UUID
    first_day: str
    last_day: str
    inactive_days: int
    bands: list[str]
    activity: list[DailyCount]
    assessments: list[AssessmentStats]
    tests: list[TestFailure]
    wrong_outputs: list[WrongOutput]
    at_risk: list[AtRiskStudent]


# --- admin analytics ----------------------------------------------------------------------------------------------
class ActiveUsers(CamelizedBaseStruct):
    period: str  # a day, or the Monday that starts a week
    users: int


class SubmissionsByKey(CamelizedBaseStruct):
    day: str
    key: str  # a language or a verdict
    submissions: int


class QueueWait(CamelizedBaseStruct):
    day: str
    judged: int
    p50_ms: float | None
    p90_ms: float | None


class JudgeUse(CamelizedBaseStruct):
    day: str
    judged: int
    cpu_seconds: float  # CPU time the judged programs reported


class CourseUsage(CamelizedBaseStruct):
    course_id: UUID
    code: str
    title: str
    students: int
    active_students: int
    submissions: int


class AnalyticsDashboard(CamelizedBaseStruct):
    first_day: str
    last_day: str
    active_per_day: list[ActiveUsers]
    active_per_week: list[ActiveUsers]
    by_language: list[SubmissionsByKey]
    by_verdict: list[SubmissionsByKey]
    queue_wait: list[QueueWait]
    judge_use: list[JudgeUse]
    slots: int  # the judge fleet now (worker heartbeats)
    busy: int
    courses: list[CourseUsage]
