"""``ChatService``: rooms, messages, read marks and moderation of one course's chat. Every change is stored, then
emitted on the room's live channel (``room:<id>``): ``message``, ``message_edited``, ``message_deleted``,
``room_updated``."""

from __future__ import annotations

from datetime import timedelta
from typing import Final
from uuid import UUID

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.chat.access import RoomAccess, ensure_may_write, may_read
from api.domain.chat.schemas import (
    MESSAGE_MAX,
    Author,
    Message,
    MessagePage,
    MuteCreate,
    Report,
    Room,
    RoomCreate,
    RoomUpdate,
)
from api.domain.chat.text import bounded, mention_handle, mentioned, render
from api.domain.courses.access import CourseAccess
from api.domain.live.events import emit, room_channel
from api.domain.notifications.services import notify
from api.lib.exceptions import ApplicationClientError, PermissionDeniedError
from api.lib.ratelimit import RateRule
from api.lib.timeutil import utcnow

__all__ = ["CHAT_RATE", "ChatService", "author_of"]

CHAT_RATE: Final = RateRule(
    name="chat", limit=12, window_s=20, message="slow down: at most 12 messages in 20 seconds; try again shortly"
)
DEFAULT_ROOM: Final = "General"


def author_of(user: m.User | None) -> Author | None:
    return Author(id=user.id, name=user.display_name, handle=mention_handle(user)) if user else None


class ChatService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- rooms --------------------------------------------------------------------------------------------------
    async def _users(self, ids: set[UUID]) -> dict[UUID, m.User]:
        if not ids:
            return {}
        return {u.id: u for u in await self.session.scalars(select(m.User).where(m.User.id.in_(ids)))}

    async def _ensure_default(self, course_id: UUID) -> None:
        key = f"course:{DEFAULT_ROOM.lower()}"
        found = await self.session.scalar(
            select(m.ChatRoom.id).where(m.ChatRoom.course_id == course_id, m.ChatRoom.key == key)
        )
        if found is None:
            self.session.add(m.ChatRoom(course_id=course_id, kind=m.ChatRoomKind.COURSE, name=DEFAULT_ROOM, key=key))
            await self.session.flush()

    async def rooms(self, access: CourseAccess) -> list[Room]:
        await self._ensure_default(access.course.id)
        rows = list(
            await self.session.scalars(
                select(m.ChatRoom).where(m.ChatRoom.course_id == access.course.id).order_by(m.ChatRoom.created_at)
            )
        )
        visible = [r for r in rows if await may_read(self.session, access, r)]
        return [await self._room_view(r, access.user) for r in visible]

    async def _room_view(self, room: m.ChatRoom, user: m.User) -> Room:
        mark = await self.session.scalar(
            select(m.ChatMember).where(m.ChatMember.room_id == room.id, m.ChatMember.user_id == user.id)
        )
        unread_q = (
            select(func.count())
            .select_from(m.ChatMessage)
            .where(
                m.ChatMessage.room_id == room.id,
                m.ChatMessage.deleted_at.is_(None),
                (m.ChatMessage.author_id != user.id) | m.ChatMessage.author_id.is_(None),
            )
        )
        if mark is not None and mark.last_read_at is not None:
            unread_q = unread_q.where(m.ChatMessage.created_at > mark.last_read_at)
        people: list[Author] = []
        if room.kind is m.ChatRoomKind.DIRECT:
            ids = set(await self.session.scalars(select(m.ChatMember.user_id).where(m.ChatMember.room_id == room.id)))
            people = [a for a in (author_of(u) for u in (await self._users(ids)).values()) if a]
        return Room(
            id=room.id,
            kind=room.kind,
            name=room.name,
            group_id=room.group_id,
            locked=room.locked,
            open_during_exams=room.open_during_exams,
            unread=int(await self.session.scalar(unread_q) or 0),
            channel=room_channel(room.id),
            people=people,
        )

    async def create_room(self, access: CourseAccess, data: RoomCreate) -> Room:
        name = bounded(data.name, limit=100, what="name")
        if data.kind == "group":
            group = await self.session.get(m.CourseGroup, data.group_id) if data.group_id else None
            if group is None or group.course_id != access.course.id:
                raise ApplicationClientError("a group room needs a groupId of one of this course's groups")
            key = f"group:{group.id}"
        else:
            key = f"course:{name.lower()}"
        exists = await self.session.scalar(
            select(m.ChatRoom.id).where(m.ChatRoom.course_id == access.course.id, m.ChatRoom.key == key)
        )
        if exists is not None:
            raise ApplicationClientError("this course already has that room")
        room = m.ChatRoom(
            course_id=access.course.id,
            kind=m.ChatRoomKind(data.kind),
            name=name,
            key=key,
            group_id=data.group_id if data.kind == "group" else None,
            open_during_exams=data.open_during_exams,
        )
        self.session.add(room)
        await self.session.flush()
        return await self._room_view(room, access.user)

    async def direct(self, access: CourseAccess, other_id: UUID) -> Room:
        if other_id == access.user.id:
            raise ApplicationClientError("a direct room needs someone else")
        other = await self.session.scalar(
            select(m.CourseMembership).where(
                m.CourseMembership.course_id == access.course.id, m.CourseMembership.user_id == other_id
            )
        )
        if other is None:
            raise ApplicationClientError("direct messages are between members of the course")
        low, high = sorted((str(access.user.id), str(other_id)))
        key = f"dm:{low}:{high}"
        room = await self.session.scalar(
            select(m.ChatRoom).where(m.ChatRoom.course_id == access.course.id, m.ChatRoom.key == key)
        )
        if room is None:
            room = m.ChatRoom(course_id=access.course.id, kind=m.ChatRoomKind.DIRECT, name="Direct", key=key[:100])
            self.session.add(room)
            await self.session.flush()
            self.session.add_all([m.ChatMember(room_id=room.id, user_id=u) for u in (access.user.id, other_id)])
            await self.session.flush()
        return await self._room_view(room, access.user)

    async def room_in(self, access: CourseAccess, room_id: UUID) -> RoomAccess:
        room = await self.session.get(m.ChatRoom, room_id)
        if room is None or room.course_id != access.course.id or not await may_read(self.session, access, room):
            raise NotFoundError("no such room in this course")
        return RoomAccess(room=room, access=access)

    async def update_room(self, where: RoomAccess, data: RoomUpdate) -> Room:
        room = where.room
        if data.locked is not None:
            room.locked = data.locked
        if data.open_during_exams is not None:
            room.open_during_exams = data.open_during_exams
        if data.name is not None and room.kind is not m.ChatRoomKind.DIRECT:
            room.name = bounded(data.name, limit=100, what="name")
        await self.session.flush()
        view = await self._room_view(room, where.access.user)
        await emit(self.session, room_channel(room.id), "room_updated", msgspec.to_builtins(view))
        return view

    # --- messages -----------------------------------------------------------------------------------------------
    def _view(self, row: m.ChatMessage, users: dict[UUID, m.User]) -> Message:
        deleted = row.deleted_at is not None
        return Message(
            id=row.id,
            room_id=row.room_id,
            author=author_of(users.get(row.author_id)) if row.author_id else None,
            body="" if deleted else row.body_md,
            html="" if deleted else render(row.body_md),
            created_at=row.created_at,
            edited_at=row.edited_at,
            deleted=deleted,
        )

    async def messages(self, where: RoomAccess, *, before: UUID | None, limit: int) -> MessagePage:
        query = select(m.ChatMessage).where(m.ChatMessage.room_id == where.room.id)
        if before is not None:
            pivot = await self.session.get(m.ChatMessage, before)
            if pivot is None or pivot.room_id != where.room.id:
                raise ApplicationClientError("before: not a message of this room")
            query = query.where(
                (m.ChatMessage.created_at < pivot.created_at)
                | ((m.ChatMessage.created_at == pivot.created_at) & (m.ChatMessage.id < pivot.id))
            )
        rows = list(
            await self.session.scalars(
                query.order_by(m.ChatMessage.created_at.desc(), m.ChatMessage.id.desc()).limit(limit + 1)
            )
        )
        has_more = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        users = await self._users({r.author_id for r in rows if r.author_id})
        return MessagePage(items=[self._view(r, users) for r in rows], has_more=has_more)

    async def post(self, where: RoomAccess, body: str) -> Message:
        now = utcnow()
        await ensure_may_write(self.session, where, now)
        text = bounded(body, limit=MESSAGE_MAX, what="message")
        user = where.access.user
        row = m.ChatMessage(room_id=where.room.id, author_id=user.id, body_md=text)
        self.session.add(row)
        await self.session.flush()
        view = self._view(row, {user.id: user})
        await emit(self.session, room_channel(where.room.id), "message", msgspec.to_builtins(view))
        await self._mention(where, text, row)
        await self.mark_read(where)
        return view

    async def _mention(self, where: RoomAccess, text: str, row: m.ChatMessage) -> None:
        if "@" not in text:
            return
        members = await self.session.execute(
            select(m.User, m.CourseMembership)
            .join(m.CourseMembership, m.CourseMembership.user_id == m.User.id)
            .where(m.CourseMembership.course_id == where.room.course_id, m.User.id != where.access.user.id)
        )
        candidates = []
        for person, membership in members:
            access = CourseAccess(user=person, course=where.access.course, role=membership.role, membership=membership)
            if await may_read(self.session, access, where.room):
                candidates.append(person)
        ids = mentioned(text, candidates)
        if ids:
            await notify(
                self.session,
                ids,
                kind=m.NotificationKind.MENTION,
                title=f"{where.access.user.display_name} mentioned you in {where.room.name}",
                body=text[:200],
                link=f"/courses/{where.room.course_id}/chat?room={where.room.id}",
                course_id=where.room.course_id,
            )

    async def _message(self, access: CourseAccess, message_id: UUID) -> tuple[m.ChatMessage, RoomAccess]:
        row = await self.session.get(m.ChatMessage, message_id)
        if row is None:
            raise NotFoundError("no such message")
        where = await self.room_in(access, row.room_id)
        return row, where

    async def edit(self, access: CourseAccess, message_id: UUID, body: str) -> Message:
        row, where = await self._message(access, message_id)
        if row.author_id != access.user.id or row.deleted_at is not None:
            raise PermissionDeniedError("you may edit only your own messages")
        await ensure_may_write(self.session, where, utcnow())
        row.body_md = bounded(body, limit=MESSAGE_MAX, what="message")
        row.edited_at = utcnow()
        await self.session.flush()
        view = self._view(row, {access.user.id: access.user})
        await emit(self.session, room_channel(row.room_id), "message_edited", msgspec.to_builtins(view))
        return view

    async def delete(self, access: CourseAccess, message_id: UUID) -> None:
        row, _where = await self._message(access, message_id)
        own = row.author_id == access.user.id
        if not own and not access.is_staff:
            raise PermissionDeniedError("you may delete only your own messages")
        if row.deleted_at is None:
            row.deleted_at = utcnow()
            row.deleted_by_staff = not own
            await self.session.flush()
            await emit(self.session, room_channel(row.room_id), "message_deleted", {"id": str(row.id)})

    async def mark_read(self, where: RoomAccess) -> None:
        mark = await self.session.scalar(
            select(m.ChatMember).where(
                m.ChatMember.room_id == where.room.id, m.ChatMember.user_id == where.access.user.id
            )
        )
        if mark is None:
            mark = m.ChatMember(room_id=where.room.id, user_id=where.access.user.id)
            self.session.add(mark)
        mark.last_read_at = utcnow()
        await self.session.flush()

    # --- moderation ---------------------------------------------------------------------------------------------
    async def mute(self, access: CourseAccess, data: MuteCreate) -> None:
        member = await self.session.scalar(
            select(m.CourseMembership).where(
                m.CourseMembership.course_id == access.course.id, m.CourseMembership.user_id == data.user_id
            )
        )
        if member is None:
            raise ApplicationClientError("only members of the course can be muted")
        if member.role is not m.CourseRole.STUDENT:
            raise ApplicationClientError("staff cannot be muted")
        row = await self.session.scalar(
            select(m.ChatMute).where(m.ChatMute.course_id == access.course.id, m.ChatMute.user_id == data.user_id)
        )
        if row is None:
            row = m.ChatMute(course_id=access.course.id, user_id=data.user_id, until=utcnow())
            self.session.add(row)
        row.until = utcnow() + timedelta(minutes=data.minutes)
        row.reason = bounded(data.reason, limit=500, what="reason", required=False)
        await self.session.flush()

    async def unmute(self, access: CourseAccess, user_id: UUID) -> None:
        row = await self.session.scalar(
            select(m.ChatMute).where(m.ChatMute.course_id == access.course.id, m.ChatMute.user_id == user_id)
        )
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()

    async def report(self, access: CourseAccess, message_id: UUID, reason: str) -> None:
        row, _where = await self._message(access, message_id)
        exists = await self.session.scalar(
            select(m.ChatReport.id).where(m.ChatReport.message_id == row.id, m.ChatReport.reporter_id == access.user.id)
        )
        if exists is None:
            self.session.add(
                m.ChatReport(
                    message_id=row.id,
                    reporter_id=access.user.id,
                    reason=bounded(reason, limit=500, what="reason", required=False),
                )
            )
            await self.session.flush()

    async def reports(self, access: CourseAccess) -> list[Report]:
        rows = list(
            await self.session.execute(
                select(m.ChatReport, m.ChatMessage)
                .join(m.ChatMessage, m.ChatMessage.id == m.ChatReport.message_id)
                .join(m.ChatRoom, m.ChatRoom.id == m.ChatMessage.room_id)
                .where(m.ChatRoom.course_id == access.course.id, m.ChatReport.resolved.is_(False))
                .order_by(m.ChatReport.created_at.desc())
                .limit(200)
            )
        )
        ids = {r.reporter_id for r, _ in rows} | {msg.author_id for _, msg in rows if msg.author_id}
        users = await self._users(ids)
        result = []
        for report, message in rows:
            reporter = author_of(users.get(report.reporter_id))
            if reporter is None:
                continue
            result.append(
                Report(
                    id=report.id,
                    message=self._view(message, users),
                    reporter=reporter,
                    reason=report.reason,
                    created_at=report.created_at,
                )
            )
        return result
