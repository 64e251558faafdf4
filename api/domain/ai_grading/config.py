"""Which endpoint a course uses, whether AI is available there (and if not, why, in words for the page), the
course's token budget and its rate limit. Both count the course's rows of ``ai_usage``.

A course may have its own endpoint, key and model (admins set them). A course that names another endpoint must
bring its own key too: the platform's key is never sent to an endpoint the platform's operator did not choose."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.ai_grading.client import Provider
from api.lib.timeutil import utcnow
from api.settings import Settings

__all__ = [
    "NOT_CONFIGURED",
    "RATE_WINDOW",
    "Availability",
    "availability",
    "course_setting",
    "record_usage",
    "tokens_used",
    "wait_for_rate",
]

NOT_CONFIGURED: Final = (
    "AI is not configured on this platform: an operator sets OPENAI_BASE_URL, OPENAI_API_KEY and OPENAI_MODEL "
    "(or an admin sets an endpoint for this course)"
)
RATE_WINDOW: Final = timedelta(minutes=1)


@dataclass(frozen=True)
class Availability:
    provider: Provider | None
    reason: str  # empty when available
    token_budget: int | None
    tokens_used: int
    cost_used: float
    requests_per_minute: int

    @property
    def available(self) -> bool:
        return self.provider is not None and not self.reason


async def course_setting(session: AsyncSession, course_id: UUID) -> m.AiCourseSetting | None:
    row: m.AiCourseSetting | None = await session.scalar(
        select(m.AiCourseSetting).where(m.AiCourseSetting.course_id == course_id)
    )
    return row


async def tokens_used(
    session: AsyncSession, course_id: UUID, *, assessment_id: UUID | None = None, kind: str | None = None
) -> tuple[int, float]:
    statement = select(
        func.coalesce(func.sum(m.AiUsage.prompt_tokens + m.AiUsage.completion_tokens), 0),
        func.coalesce(func.sum(m.AiUsage.cost), 0.0),
    ).where(m.AiUsage.course_id == course_id)
    if assessment_id is not None:
        statement = statement.where(m.AiUsage.assessment_id == assessment_id)
    if kind is not None:
        statement = statement.where(m.AiUsage.kind == kind)
    row = (await session.execute(statement)).one()
    return int(row[0]), round(float(row[1]), 6)


def _provider(settings: Settings, row: m.AiCourseSetting | None) -> Provider | None:
    base_url, api_key, model = settings.openai_base_url, settings.openai_api_key, settings.openai_model
    price_in, price_out = settings.openai_price_input_per_mtok, settings.openai_price_output_per_mtok
    if row is not None:
        if row.base_url:
            base_url, api_key = row.base_url, row.api_key  # another endpoint: its own key, never the platform's
        elif row.api_key:
            api_key = row.api_key
        model = row.model or model
        price_in = row.price_input_per_mtok if row.price_input_per_mtok is not None else price_in
        price_out = row.price_output_per_mtok if row.price_output_per_mtok is not None else price_out
    if not (base_url and api_key and model):
        return None
    return Provider(
        base_url=base_url,
        api_key=api_key,
        model=model,
        timeout_s=settings.openai_timeout_s,
        max_retries=settings.openai_max_retries,
        retry_base_s=settings.openai_retry_base_s,
        price_input_per_mtok=price_in,
        price_output_per_mtok=price_out,
    )


async def availability(session: AsyncSession, settings: Settings, course_id: UUID) -> Availability:
    row = await course_setting(session, course_id)
    provider = _provider(settings, row)
    used, cost = await tokens_used(session, course_id)
    budget = row.token_budget if row is not None else None
    reason = ""
    if provider is None:
        reason = NOT_CONFIGURED
    elif row is not None and not row.enabled:
        reason = "an admin turned AI off for this course"
    elif budget is not None and used >= budget:
        reason = f"the course's AI token budget is used up ({used} of {budget} tokens)"
    return Availability(
        provider=provider,
        reason=reason,
        token_budget=budget,
        tokens_used=used,
        cost_used=cost,
        requests_per_minute=row.requests_per_minute if row is not None else 30,
    )


async def wait_for_rate(
    session: AsyncSession,
    course_id: UUID,
    per_minute: int,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    now: Callable[[], datetime] = utcnow,
) -> float:
    """Wait until the course made fewer than ``per_minute`` calls in the last minute; answers the time waited."""
    waited = 0.0
    while True:
        since = now() - RATE_WINDOW
        calls = list(
            await session.scalars(
                select(m.AiUsage.created_at)
                .where(m.AiUsage.course_id == course_id, m.AiUsage.created_at > since)
                .order_by(m.AiUsage.created_at)
            )
        )
        if len(calls) < per_minute:
            return waited
        delay = max(0.05, (calls[len(calls) - per_minute] - since).total_seconds())
        await sleep(delay)
        waited += delay


def record_usage(
    session: AsyncSession,
    *,
    course_id: UUID,
    kind: str,
    provider: Provider,
    prompt_tokens: int,
    completion_tokens: int,
    assessment_id: UUID | None = None,
    user_id: UUID | None = None,
) -> m.AiUsage:
    row = m.AiUsage(
        course_id=course_id,
        assessment_id=assessment_id,
        user_id=user_id,
        kind=kind,
        model=provider.model,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=provider.cost(prompt_tokens, completion_tokens),
    )
    session.add(row)
    return row
