"""dashboards: an index on each person's submissions by time (the course dashboard's last activity per student)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 22:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_submission_user_created", "submission", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_submission_user_created", table_name="submission")
