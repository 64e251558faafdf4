"""A course, end to end in the browser: the instructor creates it, adds a problem, imports a roster of 30 through
the preview; a student joins with the code and sees the course and its problem; an outsider cannot open it. And
the course pages pass axe in both themes."""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

import pytest
from playwright.async_api import Browser, BrowserContext, FilePayload, Page, expect
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed_course import DEMO_COURSE_CODE
from api.domain.accounts.schemas import UserCreate
from api.domain.accounts.services import UserService
from api.settings import Settings
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import violations
from tests.support.fleet import JudgeFleet

OUTSIDER_PASSWORD = "another long pass phrase"


def roster_of(count: int, tag: str) -> bytes:
    lines = ["email;name;group;level"] + [
        f"pupil{i:02d}.{tag}@example.org;Pupil {i:02d};Lab {'AB'[i % 2]};{('Beginner', 'Advanced')[i % 2]}"
        for i in range(count)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


async def make_outsider(site: JudgeFleet, email: str) -> None:
    engine = create_engine(Settings.from_env(site.base_env()))
    try:
        async with session_factory(engine)() as session:
            await UserService(session=session).create_from(
                UserCreate(email=email, display_name="Olga Outsider", role=m.Role.STUDENT, password=OUTSIDER_PASSWORD)
            )
            await session.commit()
    finally:
        await engine.dispose()


async def test_instructor_creates_a_course_imports_a_roster_and_a_student_joins(
    page: Page, context: BrowserContext, site: JudgeFleet
) -> None:
    tag = uuid.uuid4().hex[:6]
    code = f"E2E-{tag}"

    # The instructor creates the course.
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path="/courses")
    await page.get_by_role("link", name="New course").click()
    await page.get_by_label("Title").fill("Browser course")
    await page.get_by_label("Code").fill(code)
    await page.get_by_label("Term").fill("Spring 2027")
    await page.get_by_role("button", name="Create course").click()
    await expect(page.get_by_role("heading", name="Browser course", level=1)).to_be_visible()
    course_url = page.url
    assert re.search(r"/courses/[0-9a-f-]{36}$", course_url)
    join_code = (await page.locator("section[aria-labelledby=joining] code").first.inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{8}", join_code)

    # ... adds a library problem ...
    await page.get_by_label("Add a library problem").fill("aplusb")
    await page.get_by_role("button", name="Add to the course").click()
    await expect(page.get_by_role("link", name="A + B")).to_be_visible()

    # ... and imports a roster of 30: preview first, nothing written until confirmed.
    await page.get_by_role("link", name="Import a roster").click()
    roster: FilePayload = {"name": "roster.csv", "mimeType": "text/csv", "buffer": roster_of(30, tag)}
    await page.get_by_label("Roster file").set_input_files(files=[roster])
    await page.get_by_role("button", name="Preview").click()
    summary = page.locator("[data-roster-summary]")
    await expect(summary).to_contain_text("30 rows (30 invite); 0 with problems")
    await expect(summary).to_contain_text('separated by ";"')
    await expect(page.locator("[data-roster-preview] tbody tr")).to_have_count(30)
    await page.get_by_role("button", name="Import these 30 people").click()
    await expect(page.locator("[data-roster-result]")).to_contain_text("30 added (30 invited by mail)")
    await page.goto(course_url + "/people")
    await expect(page.locator("[data-people] tbody tr")).to_have_count(31)  # 30 pupils and the instructor

    # A student joins with the code and sees the course and its problem.
    student = await context.browser.new_context(base_url=site.api_url) if context.browser else None
    assert student is not None
    try:
        student_page = await student.new_page()
        await sign_in(student_page, "student@example.com", DEMO_PASSWORD, next_path="/courses")
        await student_page.get_by_label("Join code").fill(join_code.lower())
        await student_page.get_by_role("button", name="Join").click()
        await expect(student_page.get_by_role("heading", name="Browser course", level=1)).to_be_visible()
        await expect(student_page.get_by_role("link", name="A + B")).to_be_visible()
        await expect(student_page.locator("#joining")).to_have_count(0)  # no join code for students
        await student_page.goto("/courses")
        await expect(student_page.get_by_role("link", name="Browser course")).to_be_visible()
    finally:
        await student.close()

    # An outsider cannot open it.
    outsider_email = f"olga.{tag}@example.org"
    await make_outsider(site, outsider_email)
    outsider = await context.browser.new_context(base_url=site.api_url) if context.browser else None
    assert outsider is not None
    try:
        outsider_page = await outsider.new_page()
        await sign_in(outsider_page, outsider_email, OUTSIDER_PASSWORD, next_path="/courses")
        await expect(outsider_page.get_by_role("link", name="Browser course")).to_have_count(0)
        response = await outsider_page.goto(course_url)
        assert response is not None
        assert response.status == 403
        await expect(outsider_page.locator("main")).to_contain_text("not a member of this course")
    finally:
        await outsider.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_course_pages_pass_axe(browser: Browser, site: JudgeFleet, theme: Literal["light", "dark"]) -> None:
    async with site.sessions() as session:
        course_id = await session.scalar(select(m.Course.id).where(m.Course.code == DEMO_COURSE_CODE))
    assert course_id is not None
    context = await browser.new_context(base_url=site.api_url, color_scheme=theme)
    try:
        page = await context.new_page()
        report: dict[str, list[dict[str, Any]]] = {}
        await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path="/courses")
        for path in (
            "/courses",
            "/courses/new",
            "/courses/join?invite=x",
            f"/courses/{course_id}",
            f"/courses/{course_id}/people",
            f"/courses/{course_id}/roster",
            f"/courses/{course_id}/submissions",
        ):
            await page.goto(path)
            report[path] = await violations(page)
        failing = {path: found for path, found in report.items() if found}
        assert failing == {}, f"accessibility violations ({theme}): {failing}"
    finally:
        await context.close()


async def test_staff_manage_groups_levels_and_roles_on_the_people_page(page: Page, site: JudgeFleet) -> None:
    async with site.sessions() as session:
        course_id = await session.scalar(select(m.Course.id).where(m.Course.code == DEMO_COURSE_CODE))
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path=f"/courses/{course_id}/people")
    name = f"Lab {uuid.uuid4().hex[:4]}"
    await page.get_by_label("New group").fill(name)
    await page.get_by_role("button", name="Add group").click()
    await expect(page.locator("#groups-title + ul")).to_contain_text(name)
    row = page.locator("[data-people] tbody tr", has_text="student@example.com")
    await row.get_by_role("checkbox").check()
    await page.get_by_label("Group", exact=True).select_option(label=name)
    await page.get_by_role("button", name="Assign").click()
    await expect(page.locator("[data-people] tbody tr", has_text="student@example.com")).to_contain_text(name)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.locator("#groups-title + ul li", has_text=name).get_by_role("button", name="Delete").click()
    await expect(page.locator("#groups-title + ul")).not_to_contain_text(name)
    await expect(page.locator("[data-people] tbody tr", has_text="student@example.com")).not_to_contain_text(name)
