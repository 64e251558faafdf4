"""The course audit trail: who changed what in a course, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m

__all__ = ["audit"]


def audit(session: AsyncSession, course_id: UUID, actor: m.User | None, action: str, **details: Any) -> None:
    session.add(
        m.CourseAuditEntry(
            course_id=course_id, actor_id=actor.id if actor else None, action=action, details=_plain(details)
        )
    )


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, UUID) else v) for k, v in details.items()}
