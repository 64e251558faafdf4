"""Files end to end in the browser: the demo student drags two source files onto the demo assignment's code
question, watches each file's progress bar fill, submits them as one program, and the real judge worker judges it
(the helper module is imported by main.py, so the files were compiled and run together)."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import Page, expect

from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import violations
from tests.support.fleet import JudgeFleet

MAIN_PY = "from adding import add\n\na, b = map(int, input().split())\nprint(add(a, b))\n"
ADDING_PY = "def add(a, b):\n    return a + b\n"

DROP = """(zone, files) => {
  const transfer = new DataTransfer();
  for (const f of files) transfer.items.add(new File([f.text], f.name, { type: "text/x-python" }));
  const target = zone.querySelector("[data-drop-target]");
  target.dispatchEvent(new DragEvent("dragenter", { bubbles: true, cancelable: true, dataTransfer: transfer }));
  target.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: transfer }));
  target.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer }));
}"""


async def test_a_student_drags_two_files_onto_an_assignment_and_they_are_judged(page: Page, site: JudgeFleet) -> None:
    await sign_in(page, "student@example.com", DEMO_PASSWORD, next_path="/courses")
    await page.goto("/courses")
    await page.get_by_role("link", name="Programming 101 (demo)").first.click()
    await page.get_by_role("link", name="Assignment 1: first programs").click()
    start = page.get_by_role("button", name="Start")
    if await start.count():
        await start.click()
    zone = page.locator("[data-file-drop][data-purpose=submission_source]")
    await expect(zone.get_by_text("Drop files here")).to_be_visible()
    assert await violations(page) == []

    files = [{"name": "main.py", "text": MAIN_PY}, {"name": "adding.py", "text": ADDING_PY}]
    await zone.evaluate(DROP, files)  # what a browser does when files are dropped on the zone
    bars = zone.locator("[data-upload-list] progress")
    await expect(bars).to_have_count(2)  # one progress bar per file, shown as it uploads
    rows = zone.locator("[data-upload-list] .upload-row")
    await expect(rows.filter(has_text="main.py")).to_contain_text("uploaded")
    await expect(rows.filter(has_text="adding.py")).to_contain_text("uploaded")
    for index in range(2):
        bar = bars.nth(index)
        assert await bar.evaluate("(b) => b.value === b.max && b.max > 0")
    await expect(zone.locator("[data-stored-list] [data-file-id]")).to_have_count(2)

    await zone.get_by_role("button", name="Submit the files").click()
    await expect(zone.locator("[data-files-note]")).to_contain_text("being judged together")
    link = page.locator("[data-submissions] a", has_text="Submitted 2 files")
    await expect(link).to_be_visible()
    await link.click()
    # The demo assignment shows results after its due time: the student is told so, its staff see the verdict.
    await expect(page.locator("main")).to_contain_text("hidden until the due time")
    await expect(page.locator("[data-final-verdict]")).to_have_count(0)
    submission = urlsplit(page.url).path
    await page.context.clear_cookies()
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path=submission)
    await expect(page.locator("#results [data-final-verdict] .verdict")).to_have_text("AC", timeout=60_000)
