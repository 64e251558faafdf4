"""The dashboards in a real browser: an instructor opens a course's dashboard and sees charts drawn on canvases with
their data tables; the student's own dashboard and the admins' analytics render too, in both themes, with no page
error and no axe violation. With VERDICT_SCREENSHOTS=1 the run also writes the manuals' screenshots to docs/images/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.dashboards.generator import generate_course
from api.settings import Settings
from tests.e2e.conftest import PageProblems
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import AXE, violations
from tests.support.fleet import JudgeFleet

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


async def _course_for_the_demo_instructor(site: JudgeFleet) -> str:
    engine = create_engine(Settings.from_env(site.base_env()))
    try:
        async with session_factory(engine)() as s:
            generated = await generate_course(s, students=40, submissions=1500, problems=4, tests=8, days=30)
            instructor = await s.scalar(select(m.User).where(m.User.email == "instructor@example.com"))
            assert instructor is not None
            s.add(
                m.CourseMembership(course_id=generated.course_id, user_id=instructor.id, role=m.CourseRole.INSTRUCTOR)
            )
            course = await s.get(m.Course, generated.course_id)
            assert course is not None
            course.title = "Algorithms (generated)"
            await s.commit()
            return str(generated.course_id)
    finally:
        await engine.dispose()


async def _shot(page: Page, name: str) -> None:
    if os.environ.get("VERDICT_SCREENSHOTS") == "1":
        await page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_dashboards_draw_charts_with_data_tables(browser: Browser, site: JudgeFleet, theme: str) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/build-web.sh (make test does)")
    course_id = await _course_for_the_demo_instructor(site)
    context = await browser.new_context(
        base_url=site.api_url,
        color_scheme="dark" if theme == "dark" else "light",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(20_000)
    problems = PageProblems()
    try:
        page = await context.new_page()
        page.on("console", problems.on_console)
        page.on("pageerror", problems.on_page_error)

        await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path="/courses")
        await page.goto(f"/courses/{course_id}")
        await page.get_by_role("navigation", name="Course").get_by_role("link", name="Dashboard").click()
        await page.wait_for_url(lambda url: url.endswith("/dashboard"))
        root = page.locator('[data-dashboard="course"]')
        await expect(root).to_have_attribute("data-loaded", "true")
        activity = page.locator('[data-slot="activity"]')
        await expect(activity.locator("canvas")).to_have_count(1)
        assert await activity.locator("canvas").evaluate("c => c.width > 0 && c.height > 0")
        await activity.get_by_text("Submissions per day: data table").click()
        table = activity.locator("details table")
        await expect(table).to_be_visible()
        await expect(table.locator("tbody tr")).to_have_count(30)
        await expect(page.locator('[data-slot="tests"] .heat').first).to_contain_text("%")
        drill = await page.locator('[data-slot="risk"] a').first.get_attribute("href")
        assert (drill or "").startswith(f"/courses/{course_id}/submissions?student=")
        assert await violations(page) == [], theme
        if theme == "light":
            await _shot(page, "dashboard-course")

        await page.goto("/dashboard")
        await expect(page.locator('[data-dashboard="student"]')).to_have_attribute("data-loaded", "true")
        await page.context.clear_cookies()
        await sign_in(page, "student@example.com", DEMO_PASSWORD, next_path="/dashboard")
        student = page.locator('[data-dashboard="student"]')
        await expect(student).to_have_attribute("data-loaded", "true")
        await expect(page.locator('[data-slot="difficulty"] canvas')).to_have_count(1)
        assert await violations(page) == [], theme
        if theme == "light":
            await _shot(page, "dashboard-student")

        await page.context.clear_cookies()
        await sign_in(page, "admin@example.com", DEMO_PASSWORD, next_path="/admin/analytics")
        await expect(page.locator('[data-dashboard="analytics"]')).to_have_attribute("data-loaded", "true")
        await expect(page.locator('[data-slot="verdicts"] canvas')).to_have_count(1)
        await expect(page.locator('[data-slot="courses"]')).to_contain_text("Algorithms (generated)")
        assert await violations(page) == [], theme
        if theme == "light":
            await _shot(page, "admin-analytics")
    finally:
        await context.close()
    assert problems.errors == [], "the pages reported errors:\n" + "\n".join(problems.errors)


async def test_the_course_dashboard_fits_a_phone(phone_context: BrowserContext, site: JudgeFleet) -> None:
    course_id = await _course_for_the_demo_instructor(site)
    page = await phone_context.new_page()
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path=f"/courses/{course_id}/dashboard")
    await expect(page.locator('[data-dashboard="course"]')).to_have_attribute("data-loaded", "true")
    await expect(page.locator('[data-slot="activity"] canvas')).to_have_count(1)
    # wide tables scroll inside their own box; the page itself never scrolls sideways
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    if os.environ.get("VERDICT_SCREENSHOTS") == "1":
        await page.screenshot(path=str(Path("/tmp") / "dashboard-course-phone.png"))
