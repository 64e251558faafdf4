from __future__ import annotations

from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import JsonB
from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["LiveChannel", "LiveEvent"]


class LiveChannel(UUIDAuditBase):
    """The last event id handed out on one channel (``user:<id>``, ``room:<id>``, ``course:<id>``)."""

    __tablename__ = "live_channel"
    __table_args__ = (UniqueConstraint("name"),)

    name: Mapped[str] = mapped_column(String(80))
    last_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


class LiveEvent(UUIDAuditBase):
    """One event of a channel, kept so that a client that reconnects gets what it missed (ids > its last one)."""

    __tablename__ = "live_event"
    __table_args__ = (UniqueConstraint("channel", "event_id"),)

    channel: Mapped[str] = mapped_column(String(80))
    event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
