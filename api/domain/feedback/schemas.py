"""Feedback on the wire. Text is stored as the person typed it (minus control characters) and is only ever shown
escaped; the page it came from must be a path on this site."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from api.db.models import FeedbackCategory, FeedbackStatus
from api.lib.schema import CamelizedBaseStruct

__all__ = ["FeedbackAuthor", "FeedbackCreate", "FeedbackItem", "FeedbackPage", "FeedbackUpdate"]

MESSAGE_MAX = 4000
PAGE_URL_MAX = 2000
CONTACT_MAX = 200


class FeedbackCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    message: Annotated[str, msgspec.Meta(max_length=MESSAGE_MAX * 2)]  # checked again after cleaning
    page_url: Annotated[str, msgspec.Meta(max_length=PAGE_URL_MAX)] = ""
    category: FeedbackCategory | None = None
    contact: Annotated[str, msgspec.Meta(max_length=CONTACT_MAX)] = ""


class FeedbackUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    status: FeedbackStatus


class FeedbackAuthor(CamelizedBaseStruct):
    id: UUID
    display_name: str
    email: str


class FeedbackItem(CamelizedBaseStruct):
    id: UUID
    message: str
    page_url: str
    category: FeedbackCategory | None
    contact: str
    status: FeedbackStatus
    created_at: datetime
    updated_at: datetime
    user: FeedbackAuthor | None = None


class FeedbackPage(CamelizedBaseStruct):
    items: list[FeedbackItem]
    total: int
    limit: int
    offset: int
