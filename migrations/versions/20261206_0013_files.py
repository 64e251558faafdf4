"""files: uploaded files of a course (attachments, file answers, sources of multi-file programs)

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("owner_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column(
            "purpose",
            sa.Enum("attachment", "answer", "submission_source", name="filepurpose", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("problem_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("assessment_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("question_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_stored_file_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_stored_file_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_stored_file_owner_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problem.id"], name=op.f("fk_stored_file_problem_id_problem"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["assessment_question.id"],
            name=op.f("fk_stored_file_question_id_assessment_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_stored_file_storage_key")),
    )
    op.create_index("ix_stored_file_assessment_question", "stored_file", ["assessment_id", "question_id"], unique=False)
    op.create_index("ix_stored_file_course_owner", "stored_file", ["course_id", "owner_id"], unique=False)
    op.create_index(op.f("ix_stored_file_course_id"), "stored_file", ["course_id"], unique=False)
    op.create_index(op.f("ix_stored_file_owner_id"), "stored_file", ["owner_id"], unique=False)
    op.create_index(op.f("ix_stored_file_problem_id"), "stored_file", ["problem_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_stored_file_problem_id"), table_name="stored_file")
    op.drop_index(op.f("ix_stored_file_owner_id"), table_name="stored_file")
    op.drop_index(op.f("ix_stored_file_course_id"), table_name="stored_file")
    op.drop_index("ix_stored_file_course_owner", table_name="stored_file")
    op.drop_index("ix_stored_file_assessment_question", table_name="stored_file")
    op.drop_table("stored_file")
