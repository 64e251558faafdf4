"""Wire formats of /api/courses/<course>/files."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.domain.submissions.schemas import LanguageId
from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "CourseFiles",
    "FileBatch",
    "FileSubmission",
    "FileTotals",
    "FileUploadQuery",
    "FileView",
    "Purpose",
]

Purpose = Literal["attachment", "answer", "submission_source"]


class FileUploadQuery(msgspec.Struct, frozen=True, kw_only=True):
    """What an upload is (query parameters of the upload; the body is the file itself)."""

    name: str
    purpose: Purpose
    problem_id: UUID | None = None
    assessment_id: UUID | None = None
    question_id: UUID | None = None
    unzip: bool = False


class FileView(CamelizedBaseStruct):
    id: UUID
    course_id: UUID
    name: str
    size: int
    sha256: str
    content_type: str
    purpose: str
    owner_id: UUID | None
    owner_name: str | None = None
    problem_id: UUID | None = None
    assessment_id: UUID | None = None
    question_id: UUID | None = None
    created_at: datetime | None = None
    download_url: str = ""


class FileBatch(CamelizedBaseStruct):
    """The files one upload made: one, or every file of an unpacked zip."""

    files: list[FileView]


class FileTotals(CamelizedBaseStruct):
    count: int
    bytes: int
    attachment_bytes: int
    answer_bytes: int
    submission_source_bytes: int
    quota_bytes: int


class CourseFiles(CamelizedBaseStruct):
    files: list[FileView]
    totals: FileTotals


class FileSubmission(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Submit uploaded sources (``fileIds``, your own ``submission_source`` files) as one program for a code question
    of an assessment; ``main`` names the entry file when the language's rule cannot find it."""

    language: LanguageId
    file_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=200)]
    assessment_id: UUID
    question_id: UUID
