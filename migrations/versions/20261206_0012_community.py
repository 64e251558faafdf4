"""community: notifications and preferences, stored live events, announcements, Q&A, chat

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-06 21:42:54
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_channel",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("last_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_channel")),
        sa.UniqueConstraint("name", name=op.f("uq_live_channel_name")),
    )
    op.create_table(
        "live_event",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column(
            "data",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "cockroachdb")
            .with_variant(advanced_alchemy.types.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_event")),
        sa.UniqueConstraint("channel", "event_id", name=op.f("uq_live_event_channel")),
    )
    op.create_table(
        "notification_preference",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "submission_judged",
                "grade_released",
                "new_assessment",
                "announcement",
                "deadline_soon",
                "answer_to_my_question",
                "mention",
                "regrade_resolved",
                name="notificationkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("web", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_preference_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notification_preference_user_id")),
    )
    with op.batch_alter_table("notification_preference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_preference_user_id"), ["user_id"], unique=False)

    op.create_table(
        "qa_vote",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("target_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_qa_vote_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_vote")),
        sa.UniqueConstraint("user_id", "target_id", name=op.f("uq_qa_vote_user_id")),
    )
    with op.batch_alter_table("qa_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_vote_user_id"), ["user_id"], unique=False)

    op.create_table(
        "announcement",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("author_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_announcement_author_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_announcement_course_id_course"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_course_id"), ["course_id"], unique=False)

    op.create_table(
        "chat_mute",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("until", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_chat_mute_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_chat_mute_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_mute")),
        sa.UniqueConstraint("course_id", "user_id", name=op.f("uq_chat_mute_course_id")),
    )
    with op.batch_alter_table("chat_mute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_mute_course_id"), ["course_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "submission_judged",
                "grade_released",
                "new_assessment",
                "announcement",
                "deadline_soon",
                "answer_to_my_question",
                "mention",
                "regrade_resolved",
                name="notificationkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("read_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("emailed_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_notification_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("user_id", "dedupe_key", name=op.f("uq_notification_user_id")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_notification_user_read", ["user_id", "read_at"], unique=False)

    op.create_table(
        "chat_room",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("course", "group", "direct", name="chatroomkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("group_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("open_during_exams", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_chat_room_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["course_group.id"], name=op.f("fk_chat_room_group_id_course_group"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_room")),
        sa.UniqueConstraint("course_id", "key", name=op.f("uq_chat_room_course_id")),
    )
    with op.batch_alter_table("chat_room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_room_course_id"), ["course_id"], unique=False)

    op.create_table(
        "chat_member",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("room_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("user_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("last_read_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["chat_room.id"], name=op.f("fk_chat_member_room_id_chat_room"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_chat_member_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_member")),
        sa.UniqueConstraint("room_id", "user_id", name=op.f("uq_chat_member_room_id")),
    )
    with op.batch_alter_table("chat_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_member_room_id"), ["room_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "chat_message",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("room_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("author_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("edited_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("deleted_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("deleted_by_staff", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_chat_message_author_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["chat_room.id"], name=op.f("fk_chat_message_room_id_chat_room"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_message")),
    )
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.create_index("ix_chat_message_room_created", ["room_id", "created_at"], unique=False)

    op.create_table(
        "qa_question",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("course_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("author_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("assessment_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("problem_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("submission_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("test_name", sa.String(length=200), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("accepted_answer_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_qa_question_assessment_id_assessment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_qa_question_author_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_qa_question_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"], ["problem.id"], name=op.f("fk_qa_question_problem_id_problem"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_qa_question_submission_id_submission"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_question")),
    )
    with op.batch_alter_table("qa_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_question_course_id"), ["course_id"], unique=False)

    op.create_table(
        "chat_report",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("message_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("reporter_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["chat_message.id"], name=op.f("fk_chat_report_message_id_chat_message"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["user_account.id"],
            name=op.f("fk_chat_report_reporter_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_report")),
        sa.UniqueConstraint("message_id", "reporter_id", name=op.f("uq_chat_report_message_id")),
    )
    with op.batch_alter_table("chat_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_report_message_id"), ["message_id"], unique=False)

    op.create_table(
        "qa_answer",
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("question_id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("author_id", advanced_alchemy.types.GUID(length=16), nullable=True),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("endorsed", sa.Boolean(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_qa_answer_author_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["qa_question.id"], name=op.f("fk_qa_answer_question_id_qa_question"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_answer")),
    )
    with op.batch_alter_table("qa_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_answer_question_id"), ["question_id"], unique=False)

    with op.batch_alter_table("account_token", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_accommodation", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "assessment_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_answer", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "attempt_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "question_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_attempt", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "assessment_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_question", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "assessment_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_submission", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "attempt_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "question_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "submission_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "created_by_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("course_audit_entry", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "actor_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("course_group", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course_level", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course_membership", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "group_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "level_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("course_problem", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "problem_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("judge0_submission", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "token",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "owner_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "submission_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "author_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "family_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "problem_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("submission_attempt", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "submission_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "rejudged_by_id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=True,
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.NUMERIC(precision=16),
            type_=advanced_alchemy.types.GUID(length=16),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("submission_attempt", schema=None) as batch_op:
        batch_op.alter_column(
            "rejudged_by_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "submission_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column(
            "problem_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.alter_column(
            "family_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.alter_column(
            "course_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "author_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("judge0_submission", schema=None) as batch_op:
        batch_op.alter_column(
            "submission_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "owner_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "token",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course_problem", schema=None) as batch_op:
        batch_op.alter_column(
            "problem_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course_membership", schema=None) as batch_op:
        batch_op.alter_column(
            "level_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "group_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course_level", schema=None) as batch_op:
        batch_op.alter_column(
            "course_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course_group", schema=None) as batch_op:
        batch_op.alter_column(
            "course_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course_audit_entry", schema=None) as batch_op:
        batch_op.alter_column(
            "actor_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "course_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.alter_column(
            "created_by_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_submission", schema=None) as batch_op:
        batch_op.alter_column(
            "submission_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "question_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "attempt_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_question", schema=None) as batch_op:
        batch_op.alter_column(
            "assessment_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_attempt", schema=None) as batch_op:
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "assessment_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_answer", schema=None) as batch_op:
        batch_op.alter_column(
            "question_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "attempt_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment_accommodation", schema=None) as batch_op:
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "assessment_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.alter_column(
            "course_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("account_token", schema=None) as batch_op:
        batch_op.alter_column(
            "user_id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "id",
            existing_type=advanced_alchemy.types.GUID(length=16),
            type_=sa.NUMERIC(precision=16),
            existing_nullable=False,
        )

    with op.batch_alter_table("qa_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_answer_question_id"))

    op.drop_table("qa_answer")
    with op.batch_alter_table("chat_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_report_message_id"))

    op.drop_table("chat_report")
    with op.batch_alter_table("qa_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_question_course_id"))

    op.drop_table("qa_question")
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_message_room_created")

    op.drop_table("chat_message")
    with op.batch_alter_table("chat_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_member_user_id"))
        batch_op.drop_index(batch_op.f("ix_chat_member_room_id"))

    op.drop_table("chat_member")
    with op.batch_alter_table("chat_room", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_room_course_id"))

    op.drop_table("chat_room")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_read")
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))

    op.drop_table("notification")
    with op.batch_alter_table("chat_mute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_mute_course_id"))

    op.drop_table("chat_mute")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_course_id"))

    op.drop_table("announcement")
    with op.batch_alter_table("qa_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_vote_user_id"))

    op.drop_table("qa_vote")
    with op.batch_alter_table("notification_preference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preference_user_id"))

    op.drop_table("notification_preference")
    op.drop_table("live_event")
    op.drop_table("live_channel")
