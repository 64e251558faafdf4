"""Wire formats of grading. Scores are percent: of the question for answers, out of 100 for assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "AnswerRef",
    "CommentSet",
    "GradeDetail",
    "Gradebook",
    "GradebookAssessment",
    "GradebookRow",
    "ImportPreview",
    "ImportRow",
    "LineComment",
    "LineCommentCreate",
    "MyGrades",
    "MyQuestionGrade",
    "OverrideSet",
    "QueueEntry",
    "RegradeCreate",
    "RegradeRequest",
    "RegradeResolve",
    "Release",
    "RubricItem",
    "RubricItemCreate",
    "RubricItemUpdate",
]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]


class RubricItemCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    title: Title
    points: float
    description: LongText = ""
    position: int | None = None


class RubricItemUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """An edit of an item: ``version`` is the one the editor saw; someone else's edit since then is a 409."""

    version: int
    title: Title
    points: float
    description: LongText = ""
    position: int | None = None


class RubricItem(CamelizedBaseStruct):
    id: UUID
    question_id: UUID
    title: str
    description: str
    points: float
    position: int
    version: int
    applied_count: int = 0


class LineCommentCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    line: int
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    submission_id: UUID | None = None


class LineComment(CamelizedBaseStruct):
    id: UUID
    line: int
    text: str
    author_name: str | None
    created_at: datetime
    submission_id: UUID | None


class CommentSet(CamelizedBaseStruct, forbid_unknown_fields=True):
    text: LongText


class OverrideSet(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Replace the answer's score (percent of the question, 0..100) with a reason, which is required."""

    percent: float
    reason: Annotated[str, msgspec.Meta(max_length=2000)]


class AnswerRef(CamelizedBaseStruct):
    attempt_id: UUID
    question_id: UUID


class QueueEntry(CamelizedBaseStruct):
    attempt_id: UUID
    question_id: UUID
    question_position: int
    question_type: str
    user_id: UUID
    display_name: str
    email: str
    needs_grading: bool
    score: float | None  # percent of the question, with the marks


class GradeDetail(CamelizedBaseStruct):
    """One answer as a grader sees it: what the student handed in, its derived and current score, the marks."""

    attempt_id: UUID
    assessment_id: UUID
    question_id: UUID
    question_position: int
    question_type: str
    prompt_md: str
    user_id: UUID
    display_name: str
    email: str
    text: str  # essay / short answer text
    language: str | None
    source: str | None
    file_name: str | None
    submission_id: UUID | None
    submission_ids: list[UUID]
    verdict: str | None
    test_count: int
    base_score: float | None  # percent, derived (tests, choices, essay grade)
    score: float | None  # percent, with the marks
    rubric: list[RubricItem]
    applied: list[UUID]
    comments: list[LineComment]
    overall_comment: str
    override_percent: float | None
    override_reason: str
    graded_at: datetime | None
    released: bool
    previous: AnswerRef | None = None
    next: AnswerRef | None = None
    open_regrades: int = 0


class Release(CamelizedBaseStruct):
    assessment_id: UUID
    released: bool
    released_at: datetime | None
    visible_to_students: bool  # released and the assessment's visibility rule allows it now


class GradebookAssessment(CamelizedBaseStruct):
    id: UUID
    title: str
    kind: str
    released: bool
    questions: list[UUID] = msgspec.field(default_factory=list)  # when expanded


class GradebookRow(CamelizedBaseStruct):
    user_id: UUID
    email: str
    display_name: str
    group: str | None
    level: str | None
    scores: dict[str, float | None]  # assessment id → out of 100 (None: not started)
    questions: dict[str, float | None] = msgspec.field(default_factory=dict)  # question id → percent (expanded)
    total: float | None = None  # mean of the started assessments' scores


class Gradebook(CamelizedBaseStruct):
    assessments: list[GradebookAssessment]
    rows: list[GradebookRow]


class ImportRow(CamelizedBaseStruct):
    line: int
    email: str
    changes: list[dict[str, object]]  # {"question": n, "from": x, "to": y}
    problems: list[str]


class ImportPreview(CamelizedBaseStruct):
    rows: list[ImportRow]
    changes: int
    problems: int
    committed: bool = False


class RegradeCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    message: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class RegradeResolve(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Resolve a request: the outcome is told to the student; ``percent`` (optional) overrides the answer's score."""

    outcome: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    percent: float | None = None


class RegradeRequest(CamelizedBaseStruct):
    id: UUID
    attempt_id: UUID
    question_id: UUID
    question_position: int
    assessment_id: UUID
    assessment_title: str
    student_id: UUID
    student_name: str
    message: str
    status: Literal["open", "resolved"]
    outcome: str
    score_before: float | None
    score_after: float | None
    resolver_name: str | None
    created_at: datetime
    resolved_at: datetime | None


class MyQuestionGrade(CamelizedBaseStruct):
    question_id: UUID
    position: int
    type: str
    score: float | None
    rubric: list[RubricItem]  # the applied items
    comments: list[LineComment]
    overall_comment: str
    override_reason: str
    source: str | None
    language: str | None
    regrades: list[RegradeRequest]


class MyGrades(CamelizedBaseStruct):
    assessment_id: UUID
    released: bool
    questions: list[MyQuestionGrade]
