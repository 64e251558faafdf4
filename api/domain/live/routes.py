"""The community area's routes (notifications, the live connection, announcements, Q&A, chat), registered by
``create_app`` in one line."""

from __future__ import annotations

from typing import Final

from litestar.types import ControllerRouterHandler

from api.domain.announcements.controllers import AnnouncementController
from api.domain.chat.controllers import ChatController
from api.domain.live.socket import live_connection
from api.domain.notifications.controllers import NotificationController
from api.domain.qa.controllers import QaController

__all__ = ["COMMUNITY_ROUTES"]

COMMUNITY_ROUTES: Final[tuple[ControllerRouterHandler, ...]] = (
    NotificationController,
    AnnouncementController,
    QaController,
    ChatController,
    live_connection,
)
