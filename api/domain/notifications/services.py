"""``notify``: the one way anything tells people something happened. It honours each person's preference for the
kind (not shown, shown, and whether it goes into their e-mail digest), skips what a ``dedupe_key`` says was already
sent, stores the rows and emits a ``notification`` event on each person's ``user:<id>`` live channel."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final
from uuid import UUID

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.live.events import emit, user_live_channel
from api.domain.notifications.schemas import (
    KIND_LABELS,
    NotificationItem,
    NotificationPage,
    Preference,
    PreferenceUpdate,
)
from api.lib.timeutil import utcnow

__all__ = ["NotificationService", "notify", "to_item", "unread_count"]

TITLE_MAX: Final = 200
BODY_MAX: Final = 1000


def to_item(row: m.Notification) -> NotificationItem:
    return NotificationItem(
        id=row.id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        course_id=row.course_id,
        created_at=row.created_at,
        read_at=row.read_at,
    )


async def unread_count(session: AsyncSession, user_id: UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(m.Notification)
        .where(m.Notification.user_id == user_id, m.Notification.read_at.is_(None))
    )
    return int(count or 0)


async def notify(
    session: AsyncSession,
    user_ids: Iterable[UUID],
    *,
    kind: m.NotificationKind,
    title: str,
    body: str = "",
    link: str = "",
    course_id: UUID | None = None,
    dedupe_key: str | None = None,
) -> list[m.Notification]:
    """Notify each of ``user_ids`` (in the caller's transaction; the live events go out when it commits)."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    prefs = {
        p.user_id: p
        for p in await session.scalars(
            select(m.NotificationPreference).where(
                m.NotificationPreference.user_id.in_(wanted), m.NotificationPreference.kind == kind
            )
        )
    }
    if dedupe_key is not None:
        done = set(
            await session.scalars(
                select(m.Notification.user_id).where(
                    m.Notification.user_id.in_(wanted), m.Notification.dedupe_key == dedupe_key
                )
            )
        )
        wanted = [u for u in wanted if u not in done]
    rows: list[m.Notification] = []
    now = utcnow()
    for user_id in wanted:
        pref = prefs.get(user_id)
        web = pref.web if pref else True
        mail = pref.email if pref else False
        if not web and not mail:
            continue
        row = m.Notification(
            user_id=user_id,
            kind=kind,
            title=title[:TITLE_MAX],
            body=body[:BODY_MAX],
            link=link,
            course_id=course_id,
            read_at=None if web else now,  # mail only: into the digest, not the bell
            dedupe_key=dedupe_key,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    for row in rows:
        if row.read_at is None:
            data = msgspec.to_builtins(to_item(row))
            data["unread"] = await unread_count(session, row.user_id)
            await emit(session, user_live_channel(row.user_id), "notification", data)
    return rows


class NotificationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(self, user: m.User, *, unread_only: bool, limit: int, offset: int) -> NotificationPage:
        where = [m.Notification.user_id == user.id]
        if unread_only:
            where.append(m.Notification.read_at.is_(None))
        total = int(await self.session.scalar(select(func.count()).select_from(m.Notification).where(*where)) or 0)
        rows = await self.session.scalars(
            select(m.Notification)
            .where(*where)
            .order_by(m.Notification.created_at.desc(), m.Notification.id)
            .limit(limit)
            .offset(offset)
        )
        return NotificationPage(
            items=[to_item(r) for r in rows],
            total=total,
            unread=await unread_count(self.session, user.id),
            limit=limit,
            offset=offset,
        )

    async def mark_read(self, user: m.User, notification_id: UUID | None) -> int:
        """Mark one (or, with None, every) unread notification of ``user`` read; return the unread count left."""
        stmt = (
            update(m.Notification)
            .where(m.Notification.user_id == user.id, m.Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        if notification_id is not None:
            stmt = stmt.where(m.Notification.id == notification_id)
        await self.session.execute(stmt)
        left = await unread_count(self.session, user.id)
        await emit(self.session, user_live_channel(user.id), "read", {"unread": left})
        return left

    async def preferences(self, user: m.User) -> list[Preference]:
        rows = {
            p.kind: p
            for p in await self.session.scalars(
                select(m.NotificationPreference).where(m.NotificationPreference.user_id == user.id)
            )
        }
        return [
            Preference(
                kind=kind,
                label=KIND_LABELS[kind],
                web=rows[kind].web if kind in rows else True,
                email=rows[kind].email if kind in rows else False,
            )
            for kind in m.NotificationKind
        ]

    async def set_preferences(self, user: m.User, data: list[PreferenceUpdate]) -> list[Preference]:
        existing = {
            p.kind: p
            for p in await self.session.scalars(
                select(m.NotificationPreference).where(m.NotificationPreference.user_id == user.id)
            )
        }
        for item in data:
            row = existing.get(item.kind)
            if row is None:
                row = m.NotificationPreference(user_id=user.id, kind=item.kind)
                self.session.add(row)
                existing[item.kind] = row
            row.web, row.email = item.web, item.email
        await self.session.flush()
        return await self.preferences(user)

    async def digest_due(self, since: datetime) -> dict[UUID, list[m.Notification]]:
        """Per person, the notifications of kinds they want mailed, created since ``since`` and not mailed yet."""
        rows = await self.session.scalars(
            select(m.Notification)
            .join(
                m.NotificationPreference,
                (m.NotificationPreference.user_id == m.Notification.user_id)
                & (m.NotificationPreference.kind == m.Notification.kind),
            )
            .where(
                m.NotificationPreference.email.is_(True),
                m.Notification.emailed_at.is_(None),
                m.Notification.created_at >= since,
            )
            .order_by(m.Notification.user_id, m.Notification.created_at)
        )
        grouped: dict[UUID, list[m.Notification]] = {}
        for row in rows:
            grouped.setdefault(row.user_id, []).append(row)
        return grouped
