"""In the browser: a student sends feedback from a problem's page and an admin sees it, with the page attached and
the text inert, and marks it done; the manuals open from a "?" link and their search finds a section."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from api.domain.help.manual import Manual
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import violations
from tests.support.fleet import JudgeFleet


async def test_a_student_sends_feedback_and_an_admin_marks_it_done(page: Page, context: BrowserContext) -> None:
    marker = uuid.uuid4().hex[:8]
    message = f"<b>Bold?</b> The samples of A + B could be longer ({marker})."
    await sign_in(page, "student@example.com", DEMO_PASSWORD)
    await page.goto("/problems/aplusb")
    await page.locator("#feedback > summary").click()
    await page.get_by_label("Your feedback").fill(message)
    await page.get_by_label("Kind").select_option("idea")
    await page.get_by_label("How to reach you").fill("sam@example.com")
    await page.get_by_role("button", name="Send feedback").click()
    await expect(page.locator("#feedback [data-form-status]")).to_contain_text("Thank you")
    await expect(page.get_by_label("Your feedback")).to_have_value("")  # the form is cleared for the next one

    await context.clear_cookies()
    await sign_in(page, "admin@example.com", DEMO_PASSWORD)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    await page.get_by_role("navigation", name="Admin").get_by_role("link", name="Feedback").click()
    item = page.locator(".feedback-item", has_text=marker)
    await expect(item).to_be_visible()
    await expect(item.locator(".feedback-message")).to_have_text(message)  # shown as text, not as markup
    assert await item.locator(".feedback-message b").count() == 0
    await expect(item.get_by_role("link", name="/problems/aplusb", exact=True)).to_be_visible()
    await expect(item).to_contain_text("sam@example.com")
    await item.get_by_label("Status").select_option("done")
    await item.get_by_role("button", name="Save").click()
    await expect(item.locator("[data-form-status]")).to_have_text("Saved.")
    await page.goto("/admin/feedback?status=done")
    await expect(page.locator(".feedback-item", has_text=marker)).to_be_visible()
    await page.goto("/admin/feedback?status=new")
    await expect(page.locator(".feedback-item", has_text=marker)).to_have_count(0)


async def test_a_help_link_opens_its_section_and_search_finds_it(page: Page, context: BrowserContext) -> None:
    await sign_in(page, "student@example.com", DEMO_PASSWORD)
    await page.goto("/problems/aplusb")
    async with context.expect_page() as opened:
        await page.get_by_role("link", name="Help: languages").click()
    help_page = await opened.value
    await help_page.wait_for_load_state()
    assert help_page.url.endswith("/help/students/submitting#languages")
    await expect(help_page.locator("#languages")).to_be_in_viewport()
    await help_page.get_by_role("searchbox", name="Search the help").fill("output limit")
    await help_page.get_by_role("button", name="Search").click()
    await expect(help_page.get_by_role("link", name="Submitting and reading verdicts \u203a Verdicts")).to_be_visible()


async def test_feedback_names_the_address_the_page_shows_now(page: Page, context: BrowserContext) -> None:
    marker = uuid.uuid4().hex[:8]
    await sign_in(page, "student@example.com", DEMO_PASSWORD)
    await page.goto("/problems")
    await page.get_by_label("Search").fill("plus")  # htmx replaces the list and the address, not the page
    await page.wait_for_url("**/problems?q=plus**")
    await page.locator("#feedback > summary").click()
    await page.get_by_label("Your feedback").fill(f"Searching works ({marker}).")
    await page.get_by_role("button", name="Send feedback").click()
    await expect(page.locator("#feedback [data-form-status]")).to_contain_text("Thank you")
    await context.clear_cookies()
    await sign_in(page, "admin@example.com", DEMO_PASSWORD)
    await page.goto("/admin/feedback")
    item = page.locator(".feedback-item", has_text=marker)
    await expect(item.locator('a[href^="/problems?q=plus"]')).to_be_visible()


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_help_and_feedback_pages_pass_axe(
    browser: Browser, site: JudgeFleet, theme: Literal["light", "dark"]
) -> None:
    context = await browser.new_context(base_url=site.api_url, color_scheme=theme)
    await context.add_init_script(f"window.localStorage.setItem('verdict-theme', '{theme}')")
    try:
        page = await context.new_page()
        report: dict[str, list[dict[str, Any]]] = {}
        pages = [doc.url for doc in Manual().pages()]
        for path in ("/help", "/help/students", "/help/search?q=verdict", *pages):
            await page.goto(path)
            report[path] = await violations(page)
        await sign_in(page, "student@example.com", DEMO_PASSWORD)
        await page.goto("/help/api/judge0")
        await page.locator("#feedback > summary").click()
        report["feedback form"] = await violations(page)
        await context.clear_cookies()
        await sign_in(page, "admin@example.com", DEMO_PASSWORD)
        await page.goto("/admin/feedback?status=all")
        report["/admin/feedback"] = await violations(page)
    finally:
        await context.close()
    assert {path: found for path, found in report.items() if found} == {}
