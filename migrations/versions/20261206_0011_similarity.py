"""similarity reports and code scanning: reports and their pairs; the scan settings of code questions and the scan
of each submission

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-06 21:47:13
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return (
        sa.JSON()
        .with_variant(postgresql.JSONB(astext_type=sa.Text()), "cockroachdb")
        .with_variant(advanced_alchemy.types.ORA_JSONB(), "oracle")
        .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    )


def _guid(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, advanced_alchemy.types.GUID(length=16), nullable=nullable)


def _audit() -> list[sa.Column[Any]]:
    return [
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    ]


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "question_scan",
        _guid("id"),
        _guid("question_id"),
        sa.Column("rules", _json(), nullable=False),
        sa.Column("linter", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        *_audit(),
        _fk("question_scan", "question_id", "assessment_question"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_scan")),
    )
    with op.batch_alter_table("question_scan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_scan_question_id"), ["question_id"], unique=True)

    op.create_table(
        "similarity_report",
        _guid("id"),
        _guid("course_id"),
        _guid("assessment_id"),
        _guid("question_id"),
        _guid("requested_by", nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("boilerplate", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("finished_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        *_audit(),
        _fk("similarity_report", "assessment_id", "assessment"),
        _fk("similarity_report", "course_id", "course"),
        _fk("similarity_report", "question_id", "assessment_question"),
        _fk("similarity_report", "requested_by", "user_account", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_similarity_report")),
    )
    with op.batch_alter_table("similarity_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similarity_report_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_similarity_report_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_similarity_report_question_id"), ["question_id"], unique=False)

    op.create_table(
        "submission_scan",
        _guid("id"),
        _guid("submission_id"),
        _guid("question_id"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rules", _json(), nullable=False),
        sa.Column("findings", _json(), nullable=False),
        sa.Column("linter_ran", sa.Boolean(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("finished_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        *_audit(),
        _fk("submission_scan", "question_id", "assessment_question"),
        _fk("submission_scan", "submission_id", "submission"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_scan")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_submission_scan_submission_id")),
    )
    with op.batch_alter_table("submission_scan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_scan_question_id"), ["question_id"], unique=False)

    op.create_table(
        "similarity_pair",
        _guid("id"),
        _guid("report_id"),
        sa.Column("rank", sa.Integer(), nullable=False),
        _guid("submission_a"),
        _guid("submission_b"),
        sa.Column("similarity_a", sa.Float(), nullable=False),
        sa.Column("similarity_b", sa.Float(), nullable=False),
        sa.Column("overlap", sa.Integer(), nullable=False),
        sa.Column("slices_a", _json(), nullable=False),
        sa.Column("slices_b", _json(), nullable=False),
        *_audit(),
        _fk("similarity_pair", "report_id", "similarity_report"),
        _fk("similarity_pair", "submission_a", "submission"),
        _fk("similarity_pair", "submission_b", "submission"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_similarity_pair")),
    )
    with op.batch_alter_table("similarity_pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similarity_pair_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("similarity_pair", ["ix_similarity_pair_report_id"]),
        ("submission_scan", ["ix_submission_scan_question_id"]),
        (
            "similarity_report",
            [
                "ix_similarity_report_question_id",
                "ix_similarity_report_course_id",
                "ix_similarity_report_assessment_id",
            ],
        ),
        ("question_scan", ["ix_question_scan_question_id"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(batch_op.f(index))
        op.drop_table(table)
