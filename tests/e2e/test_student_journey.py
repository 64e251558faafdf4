"""A new student's first visit, end to end: register, confirm the address from the mail, sign in, open a problem,
type a solution into the editor, submit it and watch the tests turn green one by one, then a wrong solution that
fails exactly one test, a Run on custom input, and signing out."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.conftest import MailSink
from tests.e2e.helpers import SOLUTION_AC, SOLUTION_WA, editor_ready, editor_text, type_into_editor
from tests.support.fleet import JudgeFleet

PASSWORD = "a long and unusual pass phrase"

# Records, on every change of the results table, each row's state: how the page got from "all pending" to the end.
WATCH_ROWS = """() => {
  const rows = document.querySelector('#results [data-rows]');
  window.__rowLog = [];
  const record = () => window.__rowLog.push([...rows.querySelectorAll('tr[data-index]')].map(
    (tr) => tr.dataset.verdict ? `${tr.dataset.verdict} ${tr.cells[3].textContent}` : tr.dataset.state));
  new MutationObserver(record).observe(rows, { subtree: true, childList: true, attributes: true });
}"""


async def register_and_confirm(page: Page, mailbox: MailSink, email: str) -> None:
    await page.goto("/")
    await page.get_by_role("link", name="Create an account").click()
    await expect(page).to_have_url(re.compile(r"/register$"))
    await page.get_by_label("Your name").fill("Grace Hopper")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_text("Check your mail")).to_be_visible()

    link = await mailbox.link_to(email, "/verify-email")
    await page.goto(link)  # the page sends the token from the link by itself
    await expect(page.get_by_text("Your account is ready.")).to_be_visible()


async def test_a_new_student_registers_solves_a_problem_and_signs_out(
    page: Page, site: JudgeFleet, mailbox: MailSink
) -> None:
    email = "grace@example.org"
    await register_and_confirm(page, mailbox, email)

    # Sign in: the sign-in page brings the student back to where they were going.
    await page.get_by_role("link", name="Sign in").first.click()
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/problems$"))
    await expect(page.locator(".account-name")).to_have_text("Grace Hopper")

    # The problem list, searched, then a problem with its rendered statement and samples.
    await page.get_by_label("Search").fill("A + B")
    await page.get_by_role("button", name="Filter").click()
    await page.get_by_role("link", name="A + B").click()
    await expect(page).to_have_url(re.compile(r"/problems/aplusb$"))
    await expect(page.get_by_role("heading", name="A + B", level=1)).to_be_visible()
    await expect(page.locator("#statement .katex").first).to_be_visible()  # $a$ typeset by KaTeX
    await expect(page.locator("#sample-1-input")).to_have_text("1 2")

    # A solution typed into Monaco, kept as a draft across a reload.
    await editor_ready(page)
    assert "sys.stdin" in await editor_text(page)  # the Python starter code
    await type_into_editor(page, SOLUTION_AC)
    await page.wait_for_timeout(500)  # the draft is saved 300 ms after the last key
    await page.reload()
    await editor_ready(page)
    assert "time.sleep(0.3)" in await editor_text(page)
    # Each language has its own draft, starting from its starter code.
    await page.get_by_label("Language").select_option("cpp17")
    await expect(page.locator("#editor .view-lines")).to_contain_text("#include")
    await page.get_by_label("Language").select_option("python3")
    await expect(page.locator("#editor .view-lines")).to_contain_text("time.sleep(0.3)")

    # Submit and watch: every row is reserved at once, then the tests turn green one after another.
    await page.evaluate(WATCH_ROWS)
    table = page.locator("#results table")
    await page.get_by_role("button", name="Submit").click()
    await expect(page.locator("#results [data-rows] tr")).to_have_count(4)
    height_before = (await table.bounding_box() or {"height": 0})["height"]
    await expect(page.locator("#results")).to_have_attribute("data-state", "done", timeout=60_000)
    await expect(page.locator("#results [data-final-verdict] .verdict")).to_have_text("AC")
    await expect(page.locator("#results [data-score]")).to_have_text("100 / 100")
    await expect(page.locator('#results tr[data-verdict="AC"]')).to_have_count(4)
    height_after = (await table.bounding_box() or {"height": 0})["height"]
    assert height_after == height_before, "the results table changed height while results streamed in"
    log: list[list[Any]] = await page.evaluate("window.__rowLog")
    assert all(len(rows) == 4 for rows in log), "rows were added or removed while judging"
    partial = [rows for rows in log if 0 < sum(r.startswith("AC") for r in rows) < 4]
    assert partial, f"never saw some tests green while others were still pending: {log}"
    assert all(re.fullmatch(r"AC \d+ ms", r) for r in partial[0] if r.startswith("AC")), partial[0]

    # The submission's own page: highlighted source and the same results.
    await page.get_by_role("link", name="Open this submission").click()
    await expect(page.locator("pre.source .hljs-keyword").first).to_be_visible()
    await expect(page.locator('#results tr[data-verdict="AC"]')).to_have_count(4)
    await page.go_back()

    # A wrong solution: WA on the one test with a negative sum (the fourth), and 3 of the 4 tests' points.
    await type_into_editor(page, SOLUTION_WA)
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_role("link", name="Open this submission")).to_be_visible()
    await expect(page.locator("#results")).to_have_attribute("data-state", "done", timeout=60_000)
    await expect(page.locator("#results [data-final-verdict] .verdict")).to_have_text("WA")
    await expect(page.locator("#results [data-score]")).to_have_text("75 / 100")
    rows = page.locator("#results [data-rows] tr[data-index]")
    assert [await rows.nth(i).get_attribute("data-verdict") for i in range(4)] == ["AC", "AC", "AC", "WA"]

    # Run on custom input: the program's output is shown.
    await page.get_by_role("tab", name="Run on your input").click()
    await page.get_by_role("textbox", name="Your input").fill("20 22\n")
    await page.get_by_role("button", name="Run").click()
    await expect(page.locator("#run-output")).to_have_text("42\n", timeout=60_000)
    await expect(page.locator("[data-run-verdict] .verdict")).to_have_text("OK")

    # History lists both submissions (the run too).
    await page.get_by_role("link", name="Submissions", exact=True).click()
    await expect(page.locator("table.data tbody tr")).to_have_count(3)
    await page.locator("tr", has_text="(run)").get_by_role("link").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Run on your input for A + B")
    await expect(page.get_by_label("Output", exact=True)).to_have_text("42\n")

    # Sign out: back to the start page, and the problems need signing in again.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    await page.goto("/problems/aplusb")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fproblems%2Faplusb$"))
