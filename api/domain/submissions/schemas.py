"""Wire formats of the submissions area. JSON keys are camelCase (``problemId``, ``cpuMs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from api.db.models import SubmissionKind, SubmissionStatus
from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "AttemptSummary",
    "CaseView",
    "RunCreate",
    "Submission",
    "SubmissionCreate",
    "SubmissionPage",
    "SubmissionSummary",
]

LanguageId = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
FileName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
SourceText = Annotated[str, msgspec.Meta(max_length=16 * 1024 * 1024)]  # the real cap is a setting
ProblemSlug = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class SubmissionCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Editor text: ``source`` (one file) or ``files`` (name -> text, for multi-file programs).
    Name the problem by ``problemId`` or ``problemSlug``."""

    language: LanguageId
    problem_id: UUID | None = None
    problem_slug: ProblemSlug | None = None
    source: SourceText | None = None
    files: dict[FileName, SourceText] | None = None


class RunCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Run on custom input: the program runs once on ``stdin``, nothing is scored. The problem (optional) gives the
    limits and the allowed languages."""

    language: LanguageId
    stdin: SourceText = ""
    problem_id: UUID | None = None
    problem_slug: ProblemSlug | None = None
    source: SourceText | None = None
    files: dict[FileName, SourceText] | None = None


class CaseView(CamelizedBaseStruct):
    """One test's result. ``hidden``: the viewer may see the verdict but not the test's data or the program's
    output on it (``input``, ``expected``, ``stdout``, ``stderr``, ``message`` are then null). ``stdoutTruncated``
    / ``stderrTruncated``: the program wrote more than the judge keeps (4 KiB per stream), ``stdout`` is a prefix."""

    index: int
    verdict: str
    name: str | None = None
    group: str | None = None
    visibility: str = "visible"
    sample: bool = False
    hidden: bool = False
    skipped: bool = False
    cpu_ms: int = 0
    wall_ms: int = 0
    memory_kib: int = 0
    points: float = 0.0
    max_points: float = 0.0
    exit_code: int | None = None
    signal: int | None = None
    message: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    input: str | None = None
    expected: str | None = None


class AttemptSummary(CamelizedBaseStruct):
    """An earlier judging, kept when the submission was rejudged."""

    attempt: int
    verdict: str | None
    score: float | None
    cpu_ms: int | None
    memory_kib: int | None
    testset_digest: str | None
    judged_at: datetime | None
    rejudged_at: datetime


class SubmissionSummary(CamelizedBaseStruct):
    id: UUID
    user_id: UUID | None
    problem_id: UUID | None
    kind: SubmissionKind
    language: str
    status: SubmissionStatus
    attempt: int
    verdict: str | None
    score: float | None
    cpu_ms: int | None
    memory_kib: int | None
    created_at: datetime
    judged_at: datetime | None


class Submission(CamelizedBaseStruct):
    id: UUID
    user_id: UUID | None
    problem_id: UUID | None
    kind: SubmissionKind
    language: str
    files: dict[str, str]
    status: SubmissionStatus
    attempt: int
    verdict: str | None
    score: float | None  # null for runs: a Run is never scored
    cpu_ms: int | None
    memory_kib: int | None
    compile_output: str
    message: str
    results: list[CaseView]
    testset_digest: str | None
    created_at: datetime
    judged_at: datetime | None
    websocket: str  # connect here for live results
    stdin: str | None = None  # a Run's input
    attempts: list[AttemptSummary] = []


class SubmissionPage(CamelizedBaseStruct):
    items: list[SubmissionSummary]
    total: int
    limit: int
    offset: int
