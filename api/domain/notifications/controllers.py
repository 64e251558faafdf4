"""``/api/notifications``: one's own notifications (list, unread count, mark read) and preferences per kind."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user
from api.domain.notifications.schemas import NotificationPage, Preference, PreferenceUpdate, UnreadCount
from api.domain.notifications.services import NotificationService, unread_count

__all__ = ["NotificationController"]


def provide_notifications(db_session: NamedDependency[AsyncSession]) -> NotificationService:
    return NotificationService(db_session)


class NotificationController(Controller):
    path = "/api/notifications"
    tags = ["notifications"]
    guards = [requires_active_user]
    dependencies = {"notifications": Provide(provide_notifications, sync_to_thread=False)}

    @get(operation_id="ListNotifications")
    async def list_notifications(
        self,
        current_user: NamedDependency[m.User],
        notifications: NamedDependency[NotificationService],
        unread: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 30,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> NotificationPage:
        """Newest first; ``unread=true`` for the unread ones only."""
        return await notifications.page(current_user, unread_only=unread, limit=limit, offset=offset)

    @get("/unread-count", operation_id="CountUnreadNotifications")
    async def count_unread(
        self, current_user: NamedDependency[m.User], db_session: NamedDependency[AsyncSession]
    ) -> UnreadCount:
        return UnreadCount(unread=await unread_count(db_session, current_user.id))

    @post("/{notification_id:uuid}/read", operation_id="ReadNotification", status_code=HTTP_200_OK)
    async def read_one(
        self,
        notification_id: FromPath[UUID],
        current_user: NamedDependency[m.User],
        notifications: NamedDependency[NotificationService],
    ) -> UnreadCount:
        return UnreadCount(unread=await notifications.mark_read(current_user, notification_id))

    @post("/read-all", operation_id="ReadAllNotifications", status_code=HTTP_200_OK)
    async def read_all(
        self, current_user: NamedDependency[m.User], notifications: NamedDependency[NotificationService]
    ) -> UnreadCount:
        return UnreadCount(unread=await notifications.mark_read(current_user, None))

    @get("/preferences", operation_id="GetNotificationPreferences")
    async def get_preferences(
        self, current_user: NamedDependency[m.User], notifications: NamedDependency[NotificationService]
    ) -> list[Preference]:
        return await notifications.preferences(current_user)

    @put("/preferences", operation_id="SetNotificationPreferences")
    async def set_preferences(
        self,
        data: JSONBody[list[PreferenceUpdate]],
        current_user: NamedDependency[m.User],
        notifications: NamedDependency[NotificationService],
    ) -> list[Preference]:
        """Per kind: ``web`` (the bell and the live toast) and ``email`` (the digest)."""
        return await notifications.set_preferences(current_user, data)
