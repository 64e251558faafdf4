"""Wire formats of the assessments area. JSON keys are camelCase (``opensAt``, ``timeLimitMinutes``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "Accommodation",
    "AccommodationSet",
    "Answer",
    "AnswerSave",
    "Assessment",
    "AssessmentCreate",
    "AssessmentDetail",
    "AssessmentKind",
    "Attempt",
    "CodeSubmit",
    "GradeSet",
    "LatePenaltyMode",
    "MatchMode",
    "PublishUpdate",
    "Question",
    "QuestionCreate",
    "QuestionType",
    "ResultRow",
    "ScoreVisibility",
    "StudentState",
    "SubmissionLink",
]

AssessmentKind = Literal["practice", "quiz", "assignment", "exam"]
QuestionType = Literal["code", "multiple_choice", "short_answer", "essay", "file_answer"]
HAND_GRADED = ("essay", "file_answer")  # answers a grader scores (file_answer: uploaded files, api/domain/files/)
LatePenaltyMode = Literal["none", "per_day", "fixed"]
ScoreVisibility = Literal["immediate", "after_due", "on_publish"]
MatchMode = Literal["exact", "case_insensitive", "regex", "numeric"]
StudentState = Literal["upcoming", "open", "in_progress", "submitted", "closed", "graded"]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Markdown = Annotated[str, msgspec.Meta(max_length=50_000)]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]
OptionText = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
AcceptedText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
LanguageId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9_+.-]{1,32}$")]


class AssessmentCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """An assessment's settings (creating, or replacing them all with PUT). No group and no level: the whole
    course. Times are ISO 8601 with a zone; ``timeLimitMinutes`` starts a per-student window at Start."""

    title: Title
    kind: AssessmentKind = "quiz"
    instructions_md: Markdown = ""
    group_ids: list[UUID] = msgspec.field(default_factory=list)
    level_ids: list[UUID] = msgspec.field(default_factory=list)
    opens_at: datetime | None = None
    due_at: datetime | None = None
    closes_at: datetime | None = None
    late_penalty_mode: LatePenaltyMode = "none"
    late_penalty_percent: Percent = 0.0
    time_limit_minutes: Annotated[int, msgspec.Meta(ge=1, le=10_080)] | None = None
    score_visibility: ScoreVisibility = "on_publish"


class PublishUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Publish or withdraw the assessment (students see published ones), and publish or hide its scores."""

    published: bool | None = None
    scores_published: bool | None = None


class QuestionCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """A question. ``code``: ``problemId`` (a problem of the course), optional ``languages``, ``maxAttempts``,
    ``penalties`` (percent lost by the n-th try, e.g. ``[0, 5, 10, 20]``), ``count`` (best or last) and
    ``starterCode`` (what the student's editor holds at first; the languages default to the problem's).
    ``multiple_choice``: ``options``, ``correct`` (indexes) and ``multiple``. ``short_answer``: ``accepted``,
    ``match`` and (numeric) ``tolerance``. ``essay``: a text answer graded by hand. ``file_answer``: files uploaded
    to /api/courses/<course>/files (``allowedExtensions``, e.g. ``["pdf", "py"]``; empty: any), graded by hand."""

    type: QuestionType
    prompt_md: Markdown = ""
    weight: Annotated[float, msgspec.Meta(gt=0, le=1000)] = 1.0
    position: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | None = None
    problem_id: UUID | None = None
    languages: Annotated[list[LanguageId], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    penalties: Annotated[list[Percent], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    count: Literal["best", "last"] = "best"
    starter_code: Annotated[str, msgspec.Meta(max_length=64 * 1024)] = ""  # the editor's text before any draft
    options: Annotated[list[OptionText], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    correct: Annotated[list[Annotated[int, msgspec.Meta(ge=0)]], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )
    multiple: bool = False
    accepted: Annotated[list[AcceptedText], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    match: MatchMode = "exact"
    tolerance: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    allowed_extensions: Annotated[list[Annotated[str, msgspec.Meta(max_length=16)]], msgspec.Meta(max_length=50)] = (
        msgspec.field(default_factory=list)
    )


class Question(CamelizedBaseStruct):
    """A question as its viewer may see it: students get the options but never ``correct`` or ``accepted``."""

    id: UUID
    position: int
    weight: float
    type: QuestionType
    prompt_md: str
    options: list[str] = msgspec.field(default_factory=list)
    order: list[int] | None = None  # students: the order to show the options in (shuffled per student)
    multiple: bool = False
    problem_id: UUID | None = None
    problem_slug: str | None = None
    problem_title: str | None = None
    languages: list[str] = msgspec.field(default_factory=list)
    max_attempts: int | None = None
    penalties: list[float] = msgspec.field(default_factory=list)
    count: str | None = None
    starter_code: str = ""
    match: str | None = None
    correct: list[int] | None = None  # staff only
    accepted: list[str] | None = None  # staff only
    tolerance: float | None = None  # staff only
    allowed_extensions: list[str] = msgspec.field(default_factory=list)  # file_answer: empty is any


class Assessment(CamelizedBaseStruct):
    id: UUID
    course_id: UUID
    kind: AssessmentKind
    title: str
    instructions_md: str
    group_ids: list[UUID]
    level_ids: list[UUID]
    opens_at: datetime | None
    due_at: datetime | None
    closes_at: datetime | None
    late_penalty_mode: LatePenaltyMode
    late_penalty_percent: float
    published: bool
    time_limit_minutes: int | None
    score_visibility: ScoreVisibility
    scores_published: bool
    question_count: int
    state: StudentState | None = None  # the caller's own state (students)


class AssessmentDetail(CamelizedBaseStruct):
    assessment: Assessment
    questions: list[Question]
    server_now: datetime


class AnswerSave(CamelizedBaseStruct, forbid_unknown_fields=True):
    """A multiple-choice answer (``choices``: option indexes) or a short answer (``text``)."""

    choices: Annotated[list[Annotated[int, msgspec.Meta(ge=0)]], msgspec.Meta(max_length=50)] | None = None
    text: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class CodeSubmit(CamelizedBaseStruct, forbid_unknown_fields=True):
    language: LanguageId
    source: Annotated[str, msgspec.Meta(min_length=1)]


class Answer(CamelizedBaseStruct):
    question_id: UUID
    choices: list[int]
    text: str
    saved_at: datetime
    score: float | None = None  # 0..1, when scores are visible (essays: once graded)
    waiting_for_grader: bool = False


class GradeSet(CamelizedBaseStruct, forbid_unknown_fields=True):
    """A grader's score for one answer, in percent of the question (0..100)."""

    percent: Annotated[float, msgspec.Meta(ge=0, le=100)]


class SubmissionLink(CamelizedBaseStruct):
    question_id: UUID
    submission_id: UUID
    created_at: datetime
    status: str
    verdict: str | None = None
    score: float | None = None  # out of 100, when scores are visible


class Attempt(CamelizedBaseStruct):
    """The caller's attempt. ``remainingSeconds`` is computed from the server's clock (``serverNow``)."""

    assessment_id: UUID
    started_at: datetime
    deadline: datetime | None
    submitted_at: datetime | None
    server_now: datetime
    remaining_seconds: int | None
    state: StudentState
    answers: list[Answer]
    submissions: list[SubmissionLink]
    scores_visible: bool
    score: float | None = None  # out of 100, late penalty applied
    late_penalty: float | None = None
    waiting_for_grader: int = 0  # answers not graded yet (they count 0 until they are)


class ResultRow(CamelizedBaseStruct):
    user_id: UUID
    email: str
    display_name: str
    state: StudentState
    started_at: datetime | None
    submitted_at: datetime | None
    score: float | None
    late_penalty: float | None
    waiting_for_grader: int = 0


class AccommodationSet(CamelizedBaseStruct, forbid_unknown_fields=True):
    """A student's accommodation: extra time on the time limit (percent first, then minutes) and, optionally, their
    own opening and closing times."""

    extra_minutes: Annotated[int, msgspec.Meta(ge=0, le=10_080)] = 0
    extra_percent: Annotated[float, msgspec.Meta(ge=0, le=500)] = 0.0
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class Accommodation(CamelizedBaseStruct):
    user_id: UUID
    extra_minutes: int
    extra_percent: float
    opens_at: datetime | None
    closes_at: datetime | None
