"""A code question in the browser (#12): the demo student opens the demo assignment, gets Monaco with the problem's
languages, types a program, submits it and watches the result arrive live on the page: "judged · results hidden"
(the assignment shows scores after its due time), never a verdict."""

from __future__ import annotations

from playwright.async_api import Page, expect

from api.db.seed_assessments import DEMO_ASSIGNMENT
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.support.fleet import JudgeFleet

VERDICTS = ("AC", "WA", "TLE", "MLE", "OLE", "RTE", "CE", "IE")


async def test_a_student_submits_a_code_question_and_the_hidden_result_arrives_live(
    page: Page, site: JudgeFleet
) -> None:
    await sign_in(page, "student@example.com", DEMO_PASSWORD, next_path="/courses")
    await page.get_by_role("link", name="Programming 101 (demo)").first.click()
    await page.get_by_role("link", name=DEMO_ASSIGNMENT).click()
    start = page.get_by_role("button", name="Start")
    if await start.count():
        await start.click()
    question = page.locator('[data-question][data-type="code"]').first
    frame = question.locator("[data-editor]")
    await expect(frame).to_have_attribute("data-ready", "true", timeout=30_000)  # Monaco, vendored, loaded
    options = await question.locator("[data-language] option").all_inner_texts()
    assert options, "the problem's languages are offered"
    await question.locator("[data-language]").select_option(value="python3")
    await frame.locator(".monaco-editor textarea").focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.type("print(42)")
    await question.get_by_role("button", name="Submit the program").click()
    latest = question.locator("[data-submissions] li").last
    await expect(latest).to_contain_text("judged · results hidden until the due time", timeout=60_000)
    text = await latest.inner_text()
    assert not any(f" {v}" in text for v in VERDICTS), text
