"""An assessment, end to end in the browser: the instructor builds a timed exam with a multiple-choice question in
the editor and publishes it; the demo student starts it, answers, reloads half-way and loses nothing, sees the
server's countdown, hands in and sees a score out of 100."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from playwright.async_api import Browser, Dialog, Page, expect
from sqlalchemy import select, update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import violations
from tests.support.fleet import JudgeFleet


async def _open_demo_course(page: Page) -> None:
    await page.goto("/courses")
    await page.get_by_role("link", name="Programming 101 (demo)").first.click()
    await expect(page.get_by_role("heading", name="Assessments")).to_be_visible()


async def test_an_instructor_builds_an_exam_and_a_student_takes_it(
    page: Page, browser: Browser, site: JudgeFleet
) -> None:
    title = f"Browser exam {uuid.uuid4().hex[:4]}"
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path="/courses")
    await _open_demo_course(page)
    await expect(page.get_by_role("link", name="Warm-up quiz")).to_be_visible()  # the seeded ones
    await page.get_by_role("link", name="New assessment").click()
    await page.get_by_label("Title", exact=True).fill(title)
    await page.get_by_label("Kind of assessment").select_option("exam")
    await page.get_by_label("Time limit (minutes)").fill("20")
    await page.get_by_label("Students see their score").select_option("immediate")
    await page.get_by_role("button", name="Create the assessment").click()
    await expect(page.get_by_role("heading", name=f"Edit {title}")).to_be_visible()
    assert await violations(page) == []

    await page.get_by_label("Question (Markdown)").fill("Which are **prime**?")
    await page.get_by_label("Options, one a line").fill("2\n4\n7")
    await page.get_by_label("Correct options").fill("1, 3")
    await page.get_by_label("More than one answer").check()
    await page.get_by_role("button", name="Add the question").click()
    await expect(page.get_by_label("Weight of question 1")).to_have_value("1")  # weights are edited in the list
    await expect(page.locator("[data-question-id]")).to_contain_text("multiple choice · Which are")
    await expect(page.get_by_role("link", name="Preview as a student")).to_be_visible()
    await page.get_by_role("button", name="Publish", exact=True).click()
    await expect(page.locator("[data-published]")).to_have_text("published")

    student_context = await browser.new_context(base_url=site.api_url, viewport={"width": 1280, "height": 900})
    student_context.set_default_timeout(15_000)
    try:
        student = await student_context.new_page()
        await sign_in(student, "student@example.com", DEMO_PASSWORD, next_path="/courses")
        await _open_demo_course(student)
        await student.get_by_role("link", name=title).click()
        await expect(student.get_by_text("Once you press Start you have 20 minutes")).to_be_visible()
        await student.get_by_role("button", name="Start").click()
        countdown = student.locator("[data-countdown]")
        await expect(countdown).to_have_text(re.compile(r"^(19|20):\d\d$"))
        await student.locator("[data-question] input[value='0']").check()
        await student.locator("[data-question] input[value='2']").check()
        await expect(student.locator("[data-saved]")).to_contain_text("Saved at")

        await student.reload()  # half-way: nothing is lost, and the clock went on
        await expect(student.locator("[data-question] input[value='0']")).to_be_checked()
        await expect(student.locator("[data-question] input[value='2']")).to_be_checked()
        await expect(student.locator("[data-question] input[value='1']")).not_to_be_checked()
        await expect(countdown).to_have_text(re.compile(r"^(19|20):\d\d$"))
        assert await violations(student) == []

        async def accept(dialog: Dialog) -> None:
            await dialog.accept()

        student.once("dialog", accept)
        await student.get_by_role("button", name="Hand in").click()
        await expect(student.locator("[data-score]")).to_have_text("100.0")
        await expect(student.locator("[data-question] input[value='0']")).to_be_disabled()
    finally:
        await student_context.close()

    await page.goto(page.url.replace("/edit", "/results"))
    await expect(page.get_by_role("cell", name="100.0")).to_be_visible()
    assert await violations(page) == []
    row = page.get_by_role("row").filter(has_text="student@example.com")
    await row.get_by_label("Extra minutes").fill("10")
    await row.get_by_role("button", name="Save").click()
    await expect(row.locator("[data-form-status]")).to_have_text("Saved.")
    await row.get_by_role("button", name=re.compile("^Reopen for")).click()
    await expect(page.get_by_role("row").filter(has_text="student@example.com")).to_contain_text("in progress")
    await _hand_in_reopened(site, title)


async def _hand_in_reopened(site: JudgeFleet, title: str) -> None:
    """The reopened attempt would leave the demo student taking an exam for the tests after this one (their course
    chat closed, as it is during an exam): hand it in again, as the student would."""
    engine = create_engine(Settings.from_env(site.base_env()))
    try:
        async with session_factory(engine)() as session:
            exam = await session.scalar(select(m.Assessment.id).where(m.Assessment.title == title))
            assert exam is not None
            await session.execute(
                update(m.AssessmentAttempt)
                .where(m.AssessmentAttempt.assessment_id == exam, m.AssessmentAttempt.submitted_at.is_(None))
                .values(submitted_at=datetime.now(UTC))
            )
            await session.commit()
    finally:
        await engine.dispose()
