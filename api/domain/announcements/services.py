"""Posting an announcement stores it, notifies every other member of the course (``announcement``) and emits it
on the course's live channel."""

from __future__ import annotations

from uuid import UUID

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.announcements.schemas import BODY_MAX, Announcement, AnnouncementCreate
from api.domain.chat.services import author_of
from api.domain.chat.text import bounded, render
from api.domain.courses.access import CourseAccess
from api.domain.live.events import course_channel, emit
from api.domain.notifications.services import notify

__all__ = ["AnnouncementService"]


class AnnouncementService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _view(self, row: m.Announcement, author: m.User | None) -> Announcement:
        return Announcement(
            id=row.id,
            course_id=row.course_id,
            title=row.title,
            body=row.body_md,
            html=render(row.body_md),
            author=author_of(author),
            created_at=row.created_at,
        )

    async def list_for(self, access: CourseAccess, limit: int = 50) -> list[Announcement]:
        rows = list(
            await self.session.scalars(
                select(m.Announcement)
                .where(m.Announcement.course_id == access.course.id)
                .order_by(m.Announcement.created_at.desc())
                .limit(limit)
            )
        )
        ids = {r.author_id for r in rows if r.author_id}
        users = {u.id: u for u in await self.session.scalars(select(m.User).where(m.User.id.in_(ids)))} if ids else {}
        return [self._view(r, users.get(r.author_id) if r.author_id else None) for r in rows]

    async def post(self, access: CourseAccess, data: AnnouncementCreate) -> Announcement:
        title = bounded(data.title, limit=200, what="title")
        body = bounded(data.body, limit=BODY_MAX, what="body", required=False)
        row = m.Announcement(course_id=access.course.id, author_id=access.user.id, title=title, body_md=body)
        self.session.add(row)
        await self.session.flush()
        view = self._view(row, access.user)
        members = await self.session.scalars(
            select(m.CourseMembership.user_id).where(
                m.CourseMembership.course_id == access.course.id, m.CourseMembership.user_id != access.user.id
            )
        )
        await notify(
            self.session,
            list(members),
            kind=m.NotificationKind.ANNOUNCEMENT,
            title=f"{access.course.title}: {title}",
            body=body[:300],
            link=f"/courses/{access.course.id}/announcements#a-{row.id}",
            course_id=access.course.id,
        )
        await emit(self.session, course_channel(access.course.id), "announcement", msgspec.to_builtins(view))
        return view

    async def delete(self, access: CourseAccess, announcement_id: UUID) -> None:
        row = await self.session.get(m.Announcement, announcement_id)
        if row is None or row.course_id != access.course.id:
            raise NotFoundError("no such announcement in this course")
        await self.session.delete(row)
        await self.session.flush()
