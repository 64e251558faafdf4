"""merge wave one's three branches into one head, so wave two's migrations form one line

Revision ID: 0006
Revises: 0002, 0003, 0005
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | tuple[str, ...] | None = ("0002", "0003", "0005")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
