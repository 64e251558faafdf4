"""Who may read and write a chat room: course rooms, any member of the course; group rooms, the group's students
and the course's staff; direct rooms, their two people. Writing also needs the room unlocked (staff may still
write), no mute in force, and (for students) no open timed exam attempt in the course unless the room stays open
during exams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses.access import CourseAccess, resolve_access
from api.lib.exceptions import PermissionDeniedError

__all__ = ["RoomAccess", "ensure_may_write", "in_timed_exam", "may_read", "room_reader"]


@dataclass(frozen=True)
class RoomAccess:
    room: m.ChatRoom
    access: CourseAccess


async def may_read(session: AsyncSession, access: CourseAccess, room: m.ChatRoom) -> bool:
    if access.role is None and not access.is_admin:
        return False
    if room.kind is m.ChatRoomKind.COURSE:
        return True
    if room.kind is m.ChatRoomKind.GROUP:
        return access.is_staff or (access.membership is not None and access.membership.group_id == room.group_id)
    found = await session.scalar(
        select(m.ChatMember.id).where(m.ChatMember.room_id == room.id, m.ChatMember.user_id == access.user.id)
    )
    return found is not None


async def room_reader(session: AsyncSession, user: m.User, room_id: UUID) -> RoomAccess | None:
    """The room and the caller's course access, if the caller may read it."""
    room = await session.get(m.ChatRoom, room_id)
    if room is None:
        return None
    access = await resolve_access(session, user, room.course_id)
    if access is None or not await may_read(session, access, room):
        return None
    return RoomAccess(room=room, access=access)


async def in_timed_exam(session: AsyncSession, user_id: UUID, course_id: UUID, now: datetime) -> bool:
    """Whether the person has an open attempt of a timed assessment (or any exam) of the course right now."""
    rows = await session.execute(
        select(m.AssessmentAttempt.deadline, m.Assessment.closes_at)
        .join(m.Assessment, m.Assessment.id == m.AssessmentAttempt.assessment_id)
        .where(
            m.AssessmentAttempt.user_id == user_id,
            m.AssessmentAttempt.submitted_at.is_(None),
            m.Assessment.course_id == course_id,
            (m.Assessment.time_limit_minutes.is_not(None)) | (m.Assessment.kind == "exam"),
        )
    )
    for deadline, closes_at in rows:
        end = deadline or closes_at
        if end is None or end > now:
            return True
    return False


async def ensure_may_write(session: AsyncSession, where: RoomAccess, now: datetime) -> None:
    room, access = where.room, where.access
    if access.is_staff:
        return
    if room.locked:
        raise PermissionDeniedError("this room is locked by the course's staff")
    mute = await session.scalar(
        select(m.ChatMute).where(m.ChatMute.course_id == room.course_id, m.ChatMute.user_id == access.user.id)
    )
    if mute is not None and mute.until > now:
        raise PermissionDeniedError(f"you are muted in this course's chat until {mute.until:%Y-%m-%d %H:%M} UTC")
    if not room.open_during_exams and await in_timed_exam(session, access.user.id, room.course_id, now):
        raise PermissionDeniedError("chat is closed while you are taking an exam")
