"""The operator page in a real browser: an admin sees the judge workers and the queue per lane, the page passes axe
in both themes, and the Drain button makes a real worker finish and leave the fleet."""

from __future__ import annotations

import asyncio
from typing import Literal

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import AXE, violations
from tests.support.fleet import JudgeFleet


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_an_admin_drains_a_worker_from_the_fleet_page(
    browser: Browser, site: JudgeFleet, theme: Literal["light", "dark"]
) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/build-web.sh (make test does)")
    extra = await site.start_judge(slots=1)  # drained below; the site's own judge keeps serving the other tests
    extra_id = extra.env["JUDGE_WORKER_ID"]
    context = await browser.new_context(base_url=site.api_url, color_scheme=theme)
    context.set_default_timeout(15_000)
    try:
        page = await context.new_page()
        await sign_in(page, "admin@example.com", DEMO_PASSWORD)
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
        await page.get_by_role("navigation", name="Admin").get_by_role("link", name="Judge fleet").click()
        await page.wait_for_url(lambda url: url.endswith("/admin/fleet"))
        await expect(page.get_by_role("heading", name="Judge fleet")).to_be_visible()
        await expect(page.locator("#fleet-lanes tbody tr")).to_have_count(4)
        row = page.locator(f'tr[data-worker="{extra_id}"]')
        await expect(row).to_contain_text("active")
        assert await violations(page) == [], theme

        await row.get_by_role("button", name=f"Drain {extra_id}").click()
        await expect(row.get_by_role("status")).to_contain_text("Draining")
        assert await asyncio.to_thread(extra.popen.wait, 60) == 0
        await page.reload()
        await expect(page.locator(f'tr[data-worker="{extra_id}"]')).to_have_count(0)
        await expect(page.locator("tr[data-worker]")).not_to_have_count(0)  # the site's own judge is still there
    finally:
        await context.close()
