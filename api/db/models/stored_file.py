from __future__ import annotations

import enum
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["FilePurpose", "StoredFile"]


class FilePurpose(enum.StrEnum):
    ATTACHMENT = "attachment"  # staff hand it out: starter code, data (on a problem or an assessment)
    ANSWER = "answer"  # a student's answer to a file-answer question, graded by hand
    SUBMISSION_SOURCE = "submission_source"  # one source file of a multi-file program, before it is submitted


def _values(enum_type: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enum_type]


class StoredFile(UUIDAuditBase):
    """One uploaded file of a course: what it is here, its contents in the storage back end under ``storage_key``.

    An attachment names the problem or the assessment it belongs to (neither: course material); an answer names the
    assessment and question it answers."""

    __tablename__ = "stored_file"
    __table_args__ = (
        Index("ix_stored_file_course_owner", "course_id", "owner_id"),
        Index("ix_stored_file_assessment_question", "assessment_id", "question_id"),
    )

    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    purpose: Mapped[FilePurpose] = mapped_column(
        Enum(FilePurpose, native_enum=False, length=20, values_callable=_values)
    )
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(200), default="application/octet-stream")
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    problem_id: Mapped[UUID | None] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[UUID | None] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    question_id: Mapped[UUID | None] = mapped_column(ForeignKey("assessment_question.id", ondelete="CASCADE"))
