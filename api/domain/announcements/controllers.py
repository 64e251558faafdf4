"""``/api/courses/{course_id}/announcements``: members read them, staff post and delete them."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.announcements.schemas import Announcement, AnnouncementCreate
from api.domain.announcements.services import AnnouncementService
from api.domain.courses.access import ANY_MEMBER, STAFF, CourseAccess, course_access_from, requires_course_role

__all__ = ["AnnouncementController"]

_MEMBER: Final = requires_course_role(*ANY_MEMBER)
_STAFF: Final = requires_course_role(*STAFF)


def provide_announcements(db_session: NamedDependency[AsyncSession]) -> AnnouncementService:
    return AnnouncementService(db_session)


def provide_course_access(request: Request[Any, Any, Any]) -> CourseAccess:
    return course_access_from(request)


class AnnouncementController(Controller):
    path = "/api/courses/{course_id:uuid}/announcements"
    tags = ["announcements"]
    dependencies = {
        "announcements": Provide(provide_announcements, sync_to_thread=False),
        "course_access": Provide(provide_course_access, sync_to_thread=False),
    }

    @get(operation_id="ListAnnouncements", guards=[_MEMBER])
    async def list_announcements(
        self, course_access: NamedDependency[CourseAccess], announcements: NamedDependency[AnnouncementService]
    ) -> list[Announcement]:
        """Newest first."""
        return await announcements.list_for(course_access)

    @post(operation_id="PostAnnouncement", guards=[_STAFF], status_code=HTTP_201_CREATED)
    async def post_announcement(
        self,
        data: JSONBody[AnnouncementCreate],
        course_access: NamedDependency[CourseAccess],
        announcements: NamedDependency[AnnouncementService],
    ) -> Announcement:
        """Markdown body (sanitised); every other member is notified."""
        return await announcements.post(course_access, data)

    @delete("/{announcement_id:uuid}", operation_id="DeleteAnnouncement", guards=[_STAFF])
    async def delete_announcement(
        self,
        announcement_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        announcements: NamedDependency[AnnouncementService],
    ) -> None:
        await announcements.delete(course_access, announcement_id)
