"""``/api/courses/{course_id}/chat``: rooms, messages, read marks, reports and moderation of a course's chat."""

from __future__ import annotations

from typing import Annotated, Any, Final
from uuid import UUID

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.chat.schemas import (
    DirectCreate,
    Message,
    MessageCreate,
    MessagePage,
    MuteCreate,
    Report,
    ReportCreate,
    Room,
    RoomCreate,
    RoomUpdate,
)
from api.domain.chat.services import CHAT_RATE, ChatService
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role
from api.lib.ratelimit import RateLimiter

__all__ = ["ChatController"]

_MEMBER: Final = requires_course_role(*ANY_MEMBER)
_STAFF: Final = requires_course_role(*STAFF)


def provide_chat(db_session: NamedDependency[AsyncSession]) -> ChatService:
    return ChatService(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


class ChatController(Controller):
    path = "/api/courses/{course_id:uuid}/chat"
    tags = ["chat"]
    dependencies = {
        "chat": Provide(provide_chat, sync_to_thread=False),
        "course_access": Provide(provide_course_access, sync_to_thread=False),
    }

    @get("/rooms", operation_id="ListChatRooms", guards=[_MEMBER])
    async def list_rooms(
        self, course_access: NamedDependency[CourseAccess], chat: NamedDependency[ChatService]
    ) -> list[Room]:
        """The rooms the caller may read (course rooms, their group's, their direct rooms) with unread counts."""
        return await chat.rooms(course_access)

    @post("/rooms", operation_id="CreateChatRoom", guards=[_STAFF], status_code=HTTP_201_CREATED)
    async def create_room(
        self,
        data: JSONBody[RoomCreate],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
    ) -> Room:
        return await chat.create_room(course_access, data)

    @patch("/rooms/{room_id:uuid}", operation_id="UpdateChatRoom", guards=[_STAFF])
    async def update_room(
        self,
        room_id: FromPath[UUID],
        data: JSONBody[RoomUpdate],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
    ) -> Room:
        """Lock or unlock the room, keep it open during exams, rename it."""
        return await chat.update_room(await chat.room_in(course_access, room_id), data)

    @post("/direct", operation_id="OpenDirectChat", guards=[_MEMBER], status_code=HTTP_200_OK)
    async def open_direct(
        self,
        data: JSONBody[DirectCreate],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
    ) -> Room:
        """The direct room with another member of the course (created the first time)."""
        return await chat.direct(course_access, data.user_id)

    @get("/rooms/{room_id:uuid}/messages", operation_id="ListChatMessages", guards=[_MEMBER])
    async def list_messages(
        self,
        room_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
        before: FromQuery[UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> MessagePage:
        """The latest ``limit`` messages (oldest first); ``before=<message id>`` pages back."""
        return await chat.messages(await chat.room_in(course_access, room_id), before=before, limit=limit)

    @post(
        "/rooms/{room_id:uuid}/messages", operation_id="PostChatMessage", guards=[_MEMBER], status_code=HTTP_201_CREATED
    )
    async def post_message(
        self,
        room_id: FromPath[UUID],
        data: JSONBody[MessageCreate],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
        rate_limiter: NamedDependency[RateLimiter],
    ) -> Message:
        """Markdown (rendered sanitised). 413 past 4000 characters; 429 for floods; 403 when the room is locked,
        the caller is muted, or the caller is taking an exam."""
        where = await chat.room_in(course_access, room_id)
        await rate_limiter.enforce(CHAT_RATE, str(course_access.user.id))
        return await chat.post(where, data.body)

    @post("/rooms/{room_id:uuid}/read", operation_id="ReadChatRoom", guards=[_MEMBER], status_code=HTTP_204_NO_CONTENT)
    async def read_room(
        self, room_id: FromPath[UUID], course_access: NamedDependency[CourseAccess], chat: NamedDependency[ChatService]
    ) -> None:
        await chat.mark_read(await chat.room_in(course_access, room_id))

    @patch("/messages/{message_id:uuid}", operation_id="EditChatMessage", guards=[_MEMBER])
    async def edit_message(
        self,
        message_id: FromPath[UUID],
        data: JSONBody[MessageCreate],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
    ) -> Message:
        return await chat.edit(course_access, message_id, data.body)

    @delete("/messages/{message_id:uuid}", operation_id="DeleteChatMessage", guards=[_MEMBER])
    async def delete_message(
        self,
        message_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
    ) -> None:
        """One's own message, or (staff) anyone's."""
        await chat.delete(course_access, message_id)

    @post("/messages/{message_id:uuid}/report", operation_id="ReportChatMessage", guards=[_MEMBER], status_code=204)
    async def report_message(
        self,
        message_id: FromPath[UUID],
        data: JSONBody[ReportCreate],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
    ) -> None:
        await chat.report(course_access, message_id, data.reason)

    @get("/reports", operation_id="ListChatReports", guards=[_STAFF])
    async def list_reports(
        self, course_access: NamedDependency[CourseAccess], chat: NamedDependency[ChatService]
    ) -> list[Report]:
        return await chat.reports(course_access)

    @post("/mutes", operation_id="MuteChatMember", guards=[_STAFF], status_code=HTTP_204_NO_CONTENT)
    async def mute(
        self,
        data: JSONBody[MuteCreate],
        course_access: NamedDependency[CourseAccess],
        chat: NamedDependency[ChatService],
    ) -> None:
        """Mute a student in the course's chat for ``minutes``."""
        await chat.mute(course_access, data)

    @delete("/mutes/{user_id:uuid}", operation_id="UnmuteChatMember", guards=[_STAFF])
    async def unmute(
        self, user_id: FromPath[UUID], course_access: NamedDependency[CourseAccess], chat: NamedDependency[ChatService]
    ) -> None:
        await chat.unmute(course_access, user_id)
