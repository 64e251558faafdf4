"""LTI 1.3 (#21): platform registrations, tool keys, user/context/resource links, AGS line items, grade-sync log

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-07 07:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit() -> list[sa.Column[object]]:
    return [
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    ]


def _id() -> sa.Column[object]:
    return sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False)


def _guid(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, advanced_alchemy.types.GUID(length=16), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "lti_platform",
        _id(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=1000), nullable=False),
        sa.Column("auth_token_url", sa.String(length=1000), nullable=False),
        sa.Column("key_set_url", sa.String(length=1000), nullable=False),
        sa.Column(
            "deployment_ids",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=Text()), "cockroachdb")
            .with_variant(advanced_alchemy.types.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *_audit(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_platform")),
        sa.UniqueConstraint("issuer", "client_id", name=op.f("uq_lti_platform_issuer")),
    )
    with op.batch_alter_table("lti_platform", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_platform_issuer"), ["issuer"], unique=False)

    op.create_table(
        "lti_tool_key",
        _id(),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("retired_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_tool_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_lti_tool_key_kid")),
    )

    op.create_table(
        "lti_user_link",
        _id(),
        _guid("platform_id"),
        sa.Column("subject", sa.String(length=255), nullable=False),
        _guid("user_id"),
        *_audit(),
        _fk("lti_user_link", "platform_id", "lti_platform", "CASCADE"),
        _fk("lti_user_link", "user_id", "user_account", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_user_link")),
        sa.UniqueConstraint("platform_id", "subject", name=op.f("uq_lti_user_link_platform_id")),
    )
    with op.batch_alter_table("lti_user_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_user_link_user_id"), ["user_id"], unique=False)

    op.create_table(
        "lti_context_link",
        _id(),
        _guid("platform_id"),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        _guid("course_id"),
        sa.Column("nrps_url", sa.String(length=1000), nullable=True),
        sa.Column("ags_lineitems_url", sa.String(length=1000), nullable=True),
        *_audit(),
        _fk("lti_context_link", "course_id", "course", "CASCADE"),
        _fk("lti_context_link", "platform_id", "lti_platform", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_context_link")),
        sa.UniqueConstraint("platform_id", "deployment_id", "context_id", name=op.f("uq_lti_context_link_platform_id")),
    )
    with op.batch_alter_table("lti_context_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_context_link_course_id"), ["course_id"], unique=False)

    op.create_table(
        "lti_resource_link",
        _id(),
        _guid("platform_id"),
        sa.Column("resource_link_id", sa.String(length=255), nullable=False),
        _guid("context_link_id"),
        _guid("assessment_id", nullable=True),
        *_audit(),
        _fk("lti_resource_link", "assessment_id", "assessment", "SET NULL"),
        _fk("lti_resource_link", "context_link_id", "lti_context_link", "CASCADE"),
        _fk("lti_resource_link", "platform_id", "lti_platform", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_resource_link")),
        sa.UniqueConstraint("platform_id", "resource_link_id", name=op.f("uq_lti_resource_link_platform_id")),
    )
    with op.batch_alter_table("lti_resource_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_resource_link_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lti_resource_link_context_link_id"), ["context_link_id"], unique=False)

    op.create_table(
        "lti_line_item",
        _id(),
        _guid("resource_link_id"),
        _guid("assessment_id"),
        sa.Column("line_item_url", sa.String(length=1000), nullable=False),
        *_audit(),
        _fk("lti_line_item", "assessment_id", "assessment", "CASCADE"),
        _fk("lti_line_item", "resource_link_id", "lti_resource_link", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_line_item")),
        sa.UniqueConstraint("resource_link_id", "assessment_id", name=op.f("uq_lti_line_item_resource_link_id")),
    )
    with op.batch_alter_table("lti_line_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_line_item_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "lti_grade_sync",
        _id(),
        _guid("user_id"),
        _guid("assessment_id"),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="ltigradesyncstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_retry_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        *_audit(),
        _fk("lti_grade_sync", "assessment_id", "assessment", "CASCADE"),
        _fk("lti_grade_sync", "user_id", "user_account", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_grade_sync")),
        sa.UniqueConstraint("user_id", "assessment_id", name=op.f("uq_lti_grade_sync_user_id")),
    )
    with op.batch_alter_table("lti_grade_sync", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_grade_sync_assessment_id"), ["assessment_id"], unique=False)


def downgrade() -> None:
    for table in (
        "lti_grade_sync",
        "lti_line_item",
        "lti_resource_link",
        "lti_context_link",
        "lti_user_link",
        "lti_tool_key",
        "lti_platform",
    ):
        op.drop_table(table)
