"""grading: rubric items, answer grades (overall comment, override), rubric applications, line comments,
grade releases and regrade requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 21:42:13.344868
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grade_release",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("assessment_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("released_by_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("released_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_grade_release_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["user_account.id"],
            name=op.f("fk_grade_release_released_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_release")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_grade_release_assessment_id")),
    )
    op.create_table(
        "answer_grade",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("attempt_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("question_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("overall_comment", sa.Text(), nullable=False),
        sa.Column("override_percent", sa.Float(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("override_by_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("override_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("graded_by_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("graded_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["assessment_attempt.id"],
            name=op.f("fk_answer_grade_attempt_id_assessment_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["graded_by_id"],
            ["user_account.id"],
            name=op.f("fk_answer_grade_graded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["override_by_id"],
            ["user_account.id"],
            name=op.f("fk_answer_grade_override_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["assessment_question.id"],
            name=op.f("fk_answer_grade_question_id_assessment_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_grade")),
        sa.UniqueConstraint("attempt_id", "question_id", name=op.f("uq_answer_grade_attempt_id")),
    )
    with op.batch_alter_table("answer_grade", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_grade_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_grade_question_id"), ["question_id"], unique=False)

    op.create_table(
        "rubric_item",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("question_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["assessment_question.id"],
            name=op.f("fk_rubric_item_question_id_assessment_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_item")),
    )
    with op.batch_alter_table("rubric_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rubric_item_question_id"), ["question_id"], unique=False)

    op.create_table(
        "line_comment",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("grade_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("submission_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_line_comment_author_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"], ["answer_grade.id"], name=op.f("fk_line_comment_grade_id_answer_grade"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_line_comment_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_comment")),
    )
    with op.batch_alter_table("line_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_comment_grade_id"), ["grade_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_line_comment_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "regrade_request",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("grade_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("student_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("score_before", sa.Float(), nullable=True),
        sa.Column("score_after", sa.Float(), nullable=True),
        sa.Column("resolver_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("resolved_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grade_id"], ["answer_grade.id"], name=op.f("fk_regrade_request_grade_id_answer_grade"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolver_id"],
            ["user_account.id"],
            name=op.f("fk_regrade_request_resolver_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["user_account.id"],
            name=op.f("fk_regrade_request_student_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrade_request")),
    )
    with op.batch_alter_table("regrade_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regrade_request_grade_id"), ["grade_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_regrade_request_student_id"), ["student_id"], unique=False)

    op.create_table(
        "rubric_application",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("grade_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("item_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("applied_by_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_by_id"],
            ["user_account.id"],
            name=op.f("fk_rubric_application_applied_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["answer_grade.id"],
            name=op.f("fk_rubric_application_grade_id_answer_grade"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["rubric_item.id"], name=op.f("fk_rubric_application_item_id_rubric_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_application")),
        sa.UniqueConstraint("grade_id", "item_id", name=op.f("uq_rubric_application_grade_id")),
    )
    with op.batch_alter_table("rubric_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rubric_application_grade_id"), ["grade_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rubric_application_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    for table in (
        "rubric_application",
        "regrade_request",
        "line_comment",
        "rubric_item",
        "answer_grade",
        "grade_release",
    ):
        op.drop_table(table)
