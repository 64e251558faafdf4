"""courses: courses, memberships (course roles), groups, levels, course problems, audit; course-private problems

Revision ID: 0007
Revises: 0008 (main already holds 0008 on 0006; the integrator re-chains)
Create Date: 2026-12-06 18:52:29.199433
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("term", sa.String(length=60), server_default="", nullable=False),
        sa.Column("description_md", sa.Text(), server_default="", nullable=False),
        sa.Column("archived", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("join_code", sa.String(length=32), nullable=True),
        sa.Column("join_code_expires_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("invite_token", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_course_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
        sa.UniqueConstraint("invite_token", name=op.f("uq_course_invite_token")),
        sa.UniqueConstraint("join_code", name=op.f("uq_course_join_code")),
    )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_code"), ["code"], unique=True)

    op.create_table(
        "course_audit_entry",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("actor_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column(
            "details",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "cockroachdb")
            .with_variant(advanced_alchemy.types.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_course_audit_entry_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_audit_entry_course_id_course"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_audit_entry")),
    )
    with op.batch_alter_table("course_audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_course_audit_entry_course_created", ["course_id", "created_at"], unique=False)

    op.create_table(
        "course_group",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_group_course_id_course"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_group")),
        sa.UniqueConstraint("course_id", "name", name=op.f("uq_course_group_course_id")),
    )
    with op.batch_alter_table("course_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_group_course_id"), ["course_id"], unique=False)

    op.create_table(
        "course_level",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_level_course_id_course"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_level")),
        sa.UniqueConstraint("course_id", "name", name=op.f("uq_course_level_course_id")),
    )
    with op.batch_alter_table("course_level", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_level_course_id"), ["course_id"], unique=False)

    op.create_table(
        "course_membership",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column(
            "role",
            sa.Enum("instructor", "ta", "student", name="courserole", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("group_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("level_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_membership_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["course_group.id"],
            name=op.f("fk_course_membership_group_id_course_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["course_level.id"],
            name=op.f("fk_course_membership_level_id_course_level"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_course_membership_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_membership")),
        sa.UniqueConstraint("course_id", "user_id", name=op.f("uq_course_membership_course_id")),
    )
    with op.batch_alter_table("course_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_membership_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_membership_user_id"), ["user_id"], unique=False)

    op.create_table(
        "course_problem",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("problem_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_problem_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problem.id"], name=op.f("fk_course_problem_problem_id_problem"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_problem")),
        sa.UniqueConstraint("course_id", "problem_id", name=op.f("uq_course_problem_course_id")),
    )
    with op.batch_alter_table("course_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_problem_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_problem_problem_id"), ["problem_id"], unique=False)

    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_problem_course_id"), ["course_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_problem_course_id_course"), "course", ["course_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_problem_course_id_course"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_problem_course_id"))
        batch_op.drop_column("course_id")

    with op.batch_alter_table("course_problem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_problem_problem_id"))
        batch_op.drop_index(batch_op.f("ix_course_problem_course_id"))

    op.drop_table("course_problem")
    with op.batch_alter_table("course_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_membership_user_id"))
        batch_op.drop_index(batch_op.f("ix_course_membership_course_id"))

    op.drop_table("course_membership")
    with op.batch_alter_table("course_level", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_level_course_id"))

    op.drop_table("course_level")
    with op.batch_alter_table("course_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_group_course_id"))

    op.drop_table("course_group")
    with op.batch_alter_table("course_audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_course_audit_entry_course_created")

    op.drop_table("course_audit_entry")
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_code"))

    op.drop_table("course")
