"""problems: packages, credited authors, language multipliers; submissions: run input, attempt history

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 17:25:06.699746
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return (
        sa.JSON()
        .with_variant(postgresql.JSONB(astext_type=sa.Text()), "cockroachdb")
        .with_variant(advanced_alchemy.types.ORA_JSONB(), "oracle")
        .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    )


def upgrade() -> None:
    op.create_table(
        "problem_package",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("files", sa.LargeBinary(), nullable=False),
        sa.Column("statement_path", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_problem_package")),
    )
    op.create_table(
        "submission_attempt",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("submission_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("testset_digest", sa.String(length=64), nullable=True),
        sa.Column("verdict", sa.String(length=8), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("cpu_ms", sa.Integer(), nullable=True),
        sa.Column("memory_kib", sa.Integer(), nullable=True),
        sa.Column("compile_output", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("results", _json(), nullable=False),
        sa.Column("judged_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("rejudged_by_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rejudged_by_id"],
            ["user_account.id"],
            name=op.f("fk_submission_attempt_rejudged_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_submission_attempt_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["testset_digest"], ["test_set.digest"], name=op.f("fk_submission_attempt_testset_digest_test_set")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_attempt")),
        sa.UniqueConstraint("submission_id", "attempt", name=op.f("uq_submission_attempt_submission_id")),
    )
    op.create_index(op.f("ix_submission_attempt_submission_id"), "submission_attempt", ["submission_id"], unique=False)
    with op.batch_alter_table("problem") as batch_op:  # batch: SQLite rebuilds the table
        batch_op.add_column(sa.Column("authors", _json(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("language_multipliers", _json(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("package_digest", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_problem_package_digest_problem_package"), "problem_package", ["package_digest"], ["digest"]
        )
    with op.batch_alter_table("submission") as batch_op:
        batch_op.add_column(sa.Column("stdin", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch_op:
        batch_op.drop_column("stdin")
    with op.batch_alter_table("problem") as batch_op:
        batch_op.drop_constraint(op.f("fk_problem_package_digest_problem_package"), type_="foreignkey")
        batch_op.drop_column("package_digest")
        batch_op.drop_column("language_multipliers")
        batch_op.drop_column("authors")
    op.drop_index(op.f("ix_submission_attempt_submission_id"), table_name="submission_attempt")
    op.drop_table("submission_attempt")
    op.drop_table("problem_package")
