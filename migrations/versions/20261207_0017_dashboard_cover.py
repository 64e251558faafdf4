"""dashboards: covering indexes on submissions (by time, by person and problem, by judging time) and the planner's
statistics of the UTC day and week the dashboards group by, so each aggregate is an index-only scan with a hash
aggregate (PostgreSQL), not a sort of the whole range.

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COVER = ["kind", "status", "user_id", "problem_id", "language", "verdict", "judged_at", "cpu_ms"]
_LATEST = ["id", "kind", "status"]
# The expressions of api/domain/dashboards/sqlparts.py: day_of and week_of, over created_at and judged_at.
_STATISTICS = {
    "st_submission_created_day": "((timezone('UTC', created_at))::date)",
    "st_submission_created_week": "((date_trunc('week', timezone('UTC', created_at)))::date)",
    "st_submission_judged_day": "((timezone('UTC', judged_at))::date)",
}


def upgrade() -> None:
    op.create_index("ix_submission_created_cover", "submission", ["created_at"], postgresql_include=_COVER)
    op.create_index(
        "ix_submission_user_problem_created",
        "submission",
        ["user_id", "problem_id", "created_at"],
        postgresql_include=_LATEST,
    )
    op.create_index("ix_submission_judged_cover", "submission", ["judged_at"], postgresql_include=["cpu_ms"])
    if op.get_bind().dialect.name == "postgresql":
        for name, expression in _STATISTICS.items():
            op.execute(f"CREATE STATISTICS {name} ON {expression} FROM submission")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _STATISTICS:
            op.execute(f"DROP STATISTICS IF EXISTS {name}")
    op.drop_index("ix_submission_judged_cover", table_name="submission")
    op.drop_index("ix_submission_user_problem_created", table_name="submission")
    op.drop_index("ix_submission_created_cover", table_name="submission")
