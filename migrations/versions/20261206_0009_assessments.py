"""assessments: quizzes, assignments and exams of a course; attempts, answers and their code submissions

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0007"
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
        "assessment",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions_md", sa.Text(), nullable=False),
        sa.Column("group_ids", _json(), nullable=False),
        sa.Column("level_ids", _json(), nullable=False),
        sa.Column("opens_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("due_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("closes_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("late_penalty_mode", sa.String(length=20), nullable=False),
        sa.Column("late_penalty_percent", sa.Float(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("score_visibility", sa.String(length=20), nullable=False),
        sa.Column("scores_published", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_assessment_course_id_course"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_course_id"), ["course_id"], unique=False)

    op.create_table(
        "assessment_attempt",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("assessment_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("started_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("deadline", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("submitted_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_attempt_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_attempt_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_attempt")),
        sa.UniqueConstraint("assessment_id", "user_id", name=op.f("uq_assessment_attempt_assessment_id")),
    )
    with op.batch_alter_table("assessment_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_attempt_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_attempt_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assessment_question",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("assessment_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("prompt_md", sa.Text(), nullable=False),
        sa.Column("config", _json(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_question_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_question")),
    )
    with op.batch_alter_table("assessment_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_question_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "assessment_answer",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("attempt_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("question_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("choices", _json(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("auto_score", sa.Float(), nullable=True),
        sa.Column("manual_score", sa.Float(), nullable=True),
        sa.Column("saved_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["assessment_attempt.id"],
            name=op.f("fk_assessment_answer_attempt_id_assessment_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["assessment_question.id"],
            name=op.f("fk_assessment_answer_question_id_assessment_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_answer")),
        sa.UniqueConstraint("attempt_id", "question_id", name=op.f("uq_assessment_answer_attempt_id")),
    )
    with op.batch_alter_table("assessment_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_answer_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_answer_question_id"), ["question_id"], unique=False)

    op.create_table(
        "assessment_submission",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("attempt_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("question_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("submission_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["assessment_attempt.id"],
            name=op.f("fk_assessment_submission_attempt_id_assessment_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["assessment_question.id"],
            name=op.f("fk_assessment_submission_question_id_assessment_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_assessment_submission_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_submission")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_assessment_submission_submission_id")),
    )
    with op.batch_alter_table("assessment_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_submission_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_submission_question_id"), ["question_id"], unique=False)
    op.create_table(
        "assessment_accommodation",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("assessment_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("extra_minutes", sa.Integer(), nullable=False),
        sa.Column("extra_percent", sa.Float(), nullable=False),
        sa.Column("opens_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("closes_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_accommodation_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_accommodation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_accommodation")),
        sa.UniqueConstraint("assessment_id", "user_id", name=op.f("uq_assessment_accommodation_assessment_id")),
    )
    with op.batch_alter_table("assessment_accommodation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_accommodation_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_accommodation_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assessment_accommodation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_accommodation_user_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_accommodation_assessment_id"))

    op.drop_table("assessment_accommodation")
    with op.batch_alter_table("assessment_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_submission_question_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_submission_attempt_id"))

    op.drop_table("assessment_submission")
    with op.batch_alter_table("assessment_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_answer_question_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_answer_attempt_id"))

    op.drop_table("assessment_answer")
    with op.batch_alter_table("assessment_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_question_assessment_id"))

    op.drop_table("assessment_question")
    with op.batch_alter_table("assessment_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_attempt_user_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_attempt_assessment_id"))

    op.drop_table("assessment_attempt")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_course_id"))

    op.drop_table("assessment")
