"""Wire formats of AI grading, and the schema the model's answer must follow (:class:`GradeOutput`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "AiStatus",
    "Calibration",
    "CalibrationItem",
    "CourseAiSettings",
    "CourseAiSettingsUpdate",
    "GradeOutput",
    "HintChunk",
    "HintEnd",
    "HintRequest",
    "HintSettings",
    "HintSettingsUpdate",
    "ItemDecision",
    "ItemRationale",
    "Proposal",
    "ProposalAccept",
    "Run",
    "RunCreate",
    "Usage",
    "UsageRow",
]

RunStatus = Literal["queued", "running", "done", "cancelled", "failed"]
ProposalStatus = Literal["proposed", "accepted", "rejected", "withheld", "failed", "calibration"]


# --- the model's answer --------------------------------------------------------------------------------------------
class ItemDecision(msgspec.Struct, kw_only=True):
    """One rubric item, by its number in the prompt's list (from 1): does it apply, why, on which lines."""

    item: int
    applies: bool
    rationale: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    lines: list[int] = []


class GradeOutput(msgspec.Struct, kw_only=True):
    items: list[ItemDecision]
    feedback: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


# --- HTTP ----------------------------------------------------------------------------------------------------------
class AiStatus(CamelizedBaseStruct):
    """Whether AI is available in the course, and if not, why (shown on the grading pages)."""

    available: bool
    reason: str
    model: str
    token_budget: int | None
    tokens_used: int
    cost_used: float


class CourseAiSettings(CamelizedBaseStruct):
    """A course's AI settings as admins see them (the key itself is never sent back)."""

    course_id: UUID
    enabled: bool
    base_url: str
    model: str
    has_api_key: bool
    token_budget: int | None
    requests_per_minute: int
    price_input_per_mtok: float | None
    price_output_per_mtok: float | None


class CourseAiSettingsUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Empty ``baseUrl``/``model``: the platform's; ``apiKey`` None: keep the stored one ("" clears it)."""

    enabled: bool = True
    base_url: Annotated[str, msgspec.Meta(max_length=500)] = ""
    model: Annotated[str, msgspec.Meta(max_length=200)] = ""
    api_key: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    token_budget: Annotated[int, msgspec.Meta(ge=0)] | None = None
    requests_per_minute: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 30
    price_input_per_mtok: Annotated[float, msgspec.Meta(ge=0)] | None = None
    price_output_per_mtok: Annotated[float, msgspec.Meta(ge=0)] | None = None


class RunCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """A grading run over one question (``questionId``) or every question with a rubric (None)."""

    question_id: UUID | None = None


class Run(CamelizedBaseStruct):
    id: UUID
    assessment_id: UUID
    question_id: UUID | None
    purpose: Literal["grade", "calibrate"]
    status: RunStatus
    done: int
    total: int
    proposed: int
    withheld: int
    failed: int
    cancel_requested: bool
    model: str
    message: str
    created_at: datetime
    finished_at: datetime | None


class ItemRationale(CamelizedBaseStruct):
    item_id: UUID
    title: str
    points: float
    applies: bool
    rationale: str
    lines: list[int]


class Proposal(CamelizedBaseStruct):
    """An AI proposal as staff see it. ``feedback`` and ``rationale`` of a withheld proposal are never sent."""

    id: UUID
    run_id: UUID
    attempt_id: UUID
    question_id: UUID
    status: ProposalStatus
    item_ids: list[UUID]
    rationale: list[ItemRationale]
    feedback: str
    points: float | None
    model: str
    prompt_version: str
    prompt_tokens: int
    completion_tokens: int
    cost: float
    tries: int
    error: str
    flagged: str
    final_item_ids: list[UUID]
    final_feedback: str
    decided_at: datetime | None
    created_at: datetime


class ProposalAccept(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Accept as proposed, or edited: the rubric items to apply and the feedback the student will read."""

    item_ids: list[UUID] | None = None
    feedback: Annotated[str, msgspec.Meta(max_length=20_000)] | None = None


class CalibrationItem(CamelizedBaseStruct):
    item_id: UUID
    title: str
    agreement: float | None  # share of calibration answers where AI and human agree on the item (0..1)
    answers: int


class Calibration(CamelizedBaseStruct):
    """How well the AI matched the human grades on the hand-graded answers of a question."""

    question_id: UUID
    hand_graded: int
    compared: int
    agreement: float | None  # over all items and answers
    mean_points_diff: float | None  # mean |AI points - human points|, percent of the question
    items: list[CalibrationItem]
    run: Run | None


class HintSettings(CamelizedBaseStruct):
    assessment_id: UUID
    hints_enabled: bool
    hints_per_hour: int
    hint_token_budget: int
    tokens_used: int
    allowed: bool  # false in exams whatever the setting says
    reason: str


class HintSettingsUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    hints_enabled: bool
    hints_per_hour: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5
    hint_token_budget: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] = 50_000


class HintRequest(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Explain why one of my submissions fails one visible test (``test`` is the test's index in its results)."""

    submission_id: UUID
    test: Annotated[int, msgspec.Meta(ge=0)]


class HintChunk(CamelizedBaseStruct):
    """A ``chunk`` event of a streamed hint: the next piece of its text."""

    text: str


class HintEnd(CamelizedBaseStruct):
    """The last event of a hint: ``done`` (``chars`` sent), ``withheld`` or ``error`` (``message`` says why)."""

    message: str = ""
    chars: int = 0


class UsageRow(CamelizedBaseStruct):
    kind: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost: float


class Usage(CamelizedBaseStruct):
    course_id: UUID
    token_budget: int | None
    tokens_used: int
    cost_used: float
    requests_per_minute: int
    by_kind: list[UsageRow]
