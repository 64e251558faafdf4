"""The api-tasks cron jobs of notifications: deadlines within 24 hours (every 10 minutes) and the e-mail digest
(hourly)."""

from __future__ import annotations

from typing import Any

from arq import cron

from api.domain.notifications.hooks import notify_deadlines, send_digests
from api.lib.mail import Mailer

__all__ = ["notification_cron_jobs", "notify_deadlines_job", "send_digests_job"]


async def notify_deadlines_job(ctx: dict[str, Any]) -> int:
    async with ctx["sessions"]() as session:
        sent = await notify_deadlines(session)
        await session.commit()
    return sent


async def send_digests_job(ctx: dict[str, Any]) -> int:
    async with ctx["sessions"]() as session:
        return await send_digests(session, Mailer(ctx["settings"]))


def notification_cron_jobs() -> list[Any]:
    return [
        cron(notify_deadlines_job, minute=set(range(0, 60, 10)), second=5, unique=True, timeout=120, keep_result=0),
        cron(send_digests_job, minute=7, second=0, unique=True, timeout=300, keep_result=0),
    ]
