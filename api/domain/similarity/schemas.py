"""Wire formats of similarity reports (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.lib.schema import CamelizedBaseStruct

__all__ = ["Pair", "PairDetail", "PairSide", "Report", "ReportCreate", "ReportStatus"]

ReportStatus = Literal["queued", "running", "done", "failed"]
MAX_BOILERPLATE_CHARS = 100_000


class ReportCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Start a report. ``boilerplate``: the starter code handed to students (its fingerprints are ignored)."""

    boilerplate: Annotated[str, msgspec.Meta(max_length=MAX_BOILERPLATE_CHARS)] = ""


class Pair(CamelizedBaseStruct):
    """Two students' submissions: ``similarityA`` is how much of A is found in B (0..1), and the other way."""

    id: UUID
    rank: int
    submission_a: UUID
    submission_b: UUID
    student_a: str
    student_b: str
    similarity_a: float
    similarity_b: float
    overlap: int


class Report(CamelizedBaseStruct):
    id: UUID
    question_id: UUID
    assessment_id: UUID
    status: ReportStatus
    done: int
    total: int
    submissions: int
    pairs_compared: int
    message: str
    created_at: datetime
    finished_at: datetime | None
    pairs: list[Pair] = msgspec.field(default_factory=list)


class PairSide(CamelizedBaseStruct):
    submission_id: UUID
    student: str
    language: str
    name: str
    text: str
    similarity: float
    regions: list[list[int]]  # [start, end) character offsets into text


class PairDetail(CamelizedBaseStruct):
    id: UUID
    report_id: UUID
    rank: int
    a: PairSide
    b: PairSide
