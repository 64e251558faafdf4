"""Announcements on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from api.domain.chat.schemas import Author
from api.lib.schema import CamelizedBaseStruct

__all__ = ["BODY_MAX", "Announcement", "AnnouncementCreate"]

BODY_MAX = 20_000


class AnnouncementCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=1000)]
    body: Annotated[str, msgspec.Meta(max_length=200_000)] = ""


class Announcement(CamelizedBaseStruct):
    id: UUID
    course_id: UUID
    title: str
    body: str
    html: str
    author: Author | None
    created_at: datetime
