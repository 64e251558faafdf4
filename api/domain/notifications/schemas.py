"""Notifications on the wire."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from api.db.models import NotificationKind
from api.lib.schema import CamelizedBaseStruct

__all__ = ["KIND_LABELS", "NotificationItem", "NotificationPage", "Preference", "PreferenceUpdate", "UnreadCount"]

KIND_LABELS: dict[NotificationKind, str] = {
    NotificationKind.SUBMISSION_JUDGED: "A submission of mine was judged",
    NotificationKind.GRADE_RELEASED: "Grades are released",
    NotificationKind.NEW_ASSESSMENT: "A new assessment is published",
    NotificationKind.ANNOUNCEMENT: "A course announcement",
    NotificationKind.DEADLINE_SOON: "A deadline is less than 24 hours away",
    NotificationKind.ANSWER_TO_MY_QUESTION: "An answer to my question",
    NotificationKind.MENTION: "Someone mentions me (@name)",
    NotificationKind.REGRADE_RESOLVED: "A regrade request is resolved",
}


class NotificationItem(CamelizedBaseStruct):
    id: UUID
    kind: NotificationKind
    title: str
    body: str
    link: str
    course_id: UUID | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(CamelizedBaseStruct):
    items: list[NotificationItem]
    total: int
    unread: int
    limit: int
    offset: int


class UnreadCount(CamelizedBaseStruct):
    unread: int


class Preference(CamelizedBaseStruct):
    kind: NotificationKind
    label: str
    web: bool
    email: bool


class PreferenceUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    kind: NotificationKind
    web: bool
    email: bool
