"""A student watching a submission while Redis restarts empty: the page carries on live and shows the result."""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import Page, expect
from sqlalchemy import select

from api.db import models as m
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.support.fleet import JudgeFleet

SLOW_AC = "import sys, time\ntime.sleep(0.6)\nprint(sum(map(int, sys.stdin.read().split())))\n"


async def test_the_submission_page_resumes_after_redis_restarts_empty(page: Page, site: JudgeFleet) -> None:
    async with site.sessions() as session:
        student = await session.scalar(select(m.User).where(m.User.email == "student@example.com"))
        problem = await session.scalar(select(m.Problem).where(m.Problem.slug == "aplusb"))
        assert student is not None
        assert problem is not None
    await sign_in(page, "student@example.com", DEMO_PASSWORD)
    sid = await site.submit(problem.id, "python3", SLOW_AC, user_id=student.id)
    await page.goto(f"/submissions/{sid}")
    results = page.locator("#results")
    await expect(page.locator('#results tr[data-verdict="AC"]').first).to_be_visible(timeout=30_000)  # under way
    assert await results.get_attribute("data-state") != "done"

    await asyncio.to_thread(site.restart_redis, empty=True, down_for=1.0)
    back = time.monotonic()
    # Live, not the page's slow fallbacks (the server's 15 s look at the database, the 2 s polling): a judge's
    # events reach the page again within seconds, then the authoritative result.
    await expect(results).to_have_attribute("data-state", "done", timeout=12_000)
    took = time.monotonic() - back
    await expect(page.locator("#results [data-final-verdict] .verdict")).to_have_text("AC")
    await expect(page.locator("#results [data-score]")).to_have_text("100 / 100")
    await expect(page.locator('#results tr[data-verdict="AC"]')).to_have_count(4)
    row = await site.wait_final(sid)
    assert (row["verdict"], row["attempt"]) == ("AC", 1)
    print(f"\nthe page showed the result {took:.1f} s after Redis came back empty")
