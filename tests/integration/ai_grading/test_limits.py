"""The course's rate limit on real PostgreSQL: with ``per_minute`` calls in the last minute, the next one waits
until the oldest of them is a minute old; below it, nothing waits."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.ai_grading.client import Provider
from api.domain.ai_grading.config import record_usage, tokens_used, wait_for_rate
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.courses.conftest import Cast

PROVIDER = Provider(base_url="http://127.0.0.1:9/v1", api_key="k", model="m", price_input_per_mtok=1.0)


async def test_calls_beyond_the_rate_wait_for_the_window(cast: Cast, settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            for _ in range(3):
                record_usage(
                    session,
                    course_id=cast.course_id,
                    kind="grade",
                    provider=PROVIDER,
                    prompt_tokens=1000,
                    completion_tokens=10,
                )
            await session.commit()
            assert await tokens_used(session, cast.course_id) == (3030, 0.003)
            clock = [utcnow()]
            waits: list[float] = []

            def now() -> datetime:
                return clock[0]

            async def sleep(seconds: float) -> None:
                waits.append(seconds)
                clock[0] += timedelta(seconds=seconds)

            assert await wait_for_rate(session, cast.course_id, 5, sleep=sleep, now=now) == 0.0
            waited = await wait_for_rate(session, cast.course_id, 3, sleep=sleep, now=now)
            assert 59.0 < waited <= 60.5  # the three calls were just now: the window frees in a minute
            assert len(waits) == 1
            rows = await session.scalars(m.AiUsage.__table__.select())
            assert len(list(rows)) == 3
    finally:
        await engine.dispose()
