"""Who may subscribe to which live channel: one's own ``user:<id>``; ``course:<id>`` as a member of the course;
``room:<id>`` as someone who may read the chat room; ``submission:<id>`` as someone who may watch the submission
(the rules of ``WS /ws/submissions/{id}``, applied by the same function)."""

from __future__ import annotations

import re
from typing import Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.db import models as m
from api.domain.chat.access import room_reader
from api.domain.courses.access import resolve_access

__all__ = ["CHANNEL", "may_subscribe"]

CHANNEL: Final = re.compile(r"^(user|course|room|submission):([0-9a-fA-F-]{36})$")


async def may_subscribe(engine: AsyncEngine, user: m.User, kind: str, target: UUID) -> bool:
    if kind == "user":
        return target == user.id
    async with AsyncSession(engine, expire_on_commit=False) as session:
        if kind == "course":
            access = await resolve_access(session, user, target)
            return access is not None and (access.role is not None or access.is_admin)
        if kind == "room":
            return await room_reader(session, user, target) is not None
    return False
