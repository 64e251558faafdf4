"""Chat on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.db.models import ChatRoomKind
from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "MESSAGE_MAX",
    "Author",
    "DirectCreate",
    "Message",
    "MessageCreate",
    "MessagePage",
    "MuteCreate",
    "Report",
    "ReportCreate",
    "Room",
    "RoomCreate",
    "RoomUpdate",
]

MESSAGE_MAX = 4000
_RAW_MAX = 64_000  # what the decoder takes at all; past MESSAGE_MAX (after cleaning) the service answers 413


class Author(CamelizedBaseStruct):
    id: UUID
    name: str
    handle: str


class Room(CamelizedBaseStruct):
    id: UUID
    kind: ChatRoomKind
    name: str
    group_id: UUID | None
    locked: bool
    open_during_exams: bool
    unread: int
    channel: str
    people: list[Author] = msgspec.field(default_factory=list)  # direct rooms: the two people


class RoomCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    kind: Literal["course", "group"] = "course"
    group_id: UUID | None = None
    open_during_exams: bool = False


class RoomUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    locked: bool | None = None
    open_during_exams: bool | None = None
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class DirectCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    user_id: UUID


class MessageCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(max_length=_RAW_MAX)]


class Message(CamelizedBaseStruct):
    id: UUID
    room_id: UUID
    author: Author | None
    body: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class MessagePage(CamelizedBaseStruct):
    items: list[Message]  # oldest first
    has_more: bool  # older messages exist: ask again with before=<the first item's id>


class MuteCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    user_id: UUID
    minutes: Annotated[int, msgspec.Meta(ge=1, le=60 * 24 * 30)]
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReportCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Report(CamelizedBaseStruct):
    id: UUID
    message: Message
    reporter: Author
    reason: str
    created_at: datetime
