"""Reading the course audit trail (written by :func:`api.domain.courses.audit.audit`): newest first, filtered by
kind of change (``action``) and by who made it, a page at a time, and as a CSV export whose cells cannot run as
spreadsheet formulas (:func:`api.domain.courses.csvio.write_csv`)."""

from __future__ import annotations

import json
from typing import Final
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses import schemas
from api.domain.courses.csvio import write_csv

__all__ = ["CSV_ROW_CAP", "AuditLog"]

CSV_ROW_CAP: Final = 100_000  # an export is bounded however long the trail grows


class AuditLog:
    def __init__(self, session: AsyncSession, course_id: UUID) -> None:
        self.session = session
        self.course_id = course_id

    def _filters(self, action: str | None, actor_id: UUID | None) -> list[ColumnElement[bool]]:
        filters = [m.CourseAuditEntry.course_id == self.course_id]
        if action:
            filters.append(m.CourseAuditEntry.action == action)
        if actor_id is not None:
            filters.append(m.CourseAuditEntry.actor_id == actor_id)
        return filters

    async def entries(
        self, *, action: str | None = None, actor_id: UUID | None = None, limit: int = 100, offset: int = 0
    ) -> list[schemas.AuditEntry]:
        rows = await self.session.execute(
            select(m.CourseAuditEntry, m.User.email)
            .outerjoin(m.User, m.User.id == m.CourseAuditEntry.actor_id)
            .where(*self._filters(action, actor_id))
            .order_by(m.CourseAuditEntry.created_at.desc(), m.CourseAuditEntry.id)
            .limit(limit)
            .offset(offset)
        )
        return [
            schemas.AuditEntry(at=e.created_at, actor_id=e.actor_id, actor=email, action=e.action, details=e.details)
            for e, email in rows.tuples()
        ]

    async def count(self, *, action: str | None = None, actor_id: UUID | None = None) -> int:
        total = await self.session.scalar(
            select(func.count()).select_from(m.CourseAuditEntry).where(*self._filters(action, actor_id))
        )
        return int(total or 0)

    async def kinds(self) -> list[str]:
        """The kinds of change this course's trail holds (for the filter)."""
        rows = await self.session.scalars(
            select(m.CourseAuditEntry.action)
            .where(m.CourseAuditEntry.course_id == self.course_id)
            .distinct()
            .order_by(m.CourseAuditEntry.action)
        )
        return list(rows)

    async def actors(self) -> list[tuple[UUID, str]]:
        """Who appears in this course's trail as the one who made a change: (id, e-mail)."""
        rows = await self.session.execute(
            select(m.User.id, m.User.email)
            .where(
                m.User.id.in_(
                    select(m.CourseAuditEntry.actor_id).where(
                        m.CourseAuditEntry.course_id == self.course_id, m.CourseAuditEntry.actor_id.is_not(None)
                    )
                )
            )
            .order_by(m.User.email)
        )
        return list(rows.tuples())

    async def csv(self, *, action: str | None = None, actor_id: UUID | None = None) -> str:
        entries = await self.entries(action=action, actor_id=actor_id, limit=CSV_ROW_CAP, offset=0)
        return write_csv(
            ("when", "who", "kind", "what"),
            (
                (e.at.isoformat(), e.actor or "", e.action, json.dumps(e.details, ensure_ascii=False, sort_keys=True))
                for e in entries
            ),
        )
