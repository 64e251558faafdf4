"""First-time users' rough edges (issue 22), checked in the browser: API tokens on the profile page, the finished
submission's progress bar, wrong answers that explain themselves, sample boxes, the package upload's question and the
admin pages."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import select

from api.db import models as m
from api.lib.crypto import hash_password
from tests.e2e.conftest import MailSink
from tests.e2e.helpers import DEMO_PASSWORD, editor_ready, sign_in, type_into_editor
from tests.packages import package_files, zip_bytes
from tests.support.fleet import JudgeFleet


async def make_user(site: JudgeFleet, role: m.Role = m.Role.STUDENT) -> str:
    email = f"{role.value}-{uuid.uuid4().hex[:8]}@example.org"
    async with site.sessions() as session:
        session.add(
            m.User(email=email, display_name="Grace Hopper", role=role, password_hash=hash_password(DEMO_PASSWORD))
        )
        await session.commit()
    return email


async def test_api_tokens_are_created_shown_once_listed_and_revoked(page: Page, site: JudgeFleet) -> None:
    email = await make_user(site)
    await sign_in(page, email, DEMO_PASSWORD, next_path="/profile")
    tokens = page.locator("#api-tokens")
    await expect(tokens.get_by_text("You have no API tokens.")).to_be_visible()
    await expect(tokens.get_by_label("Write problems")).to_have_count(0)  # not a student's scope

    await tokens.get_by_label("Read (problems, your submissions)").uncheck()
    await tokens.get_by_role("button", name="Create token").click()
    await expect(tokens.get_by_text("Pick at least one scope.")).to_be_visible()
    await expect(tokens.locator("#f-token-name-error")).not_to_be_empty()  # every problem at once

    await tokens.get_by_label("What it is for").fill("CI laptop")
    await tokens.get_by_label("Read (problems, your submissions)").check()
    await tokens.get_by_label("Submit solutions").check()
    await tokens.get_by_label("Expires").select_option(label="In 30 days")
    await tokens.get_by_role("button", name="Create token").click()
    secret = tokens.locator("[data-token-value]")
    await expect(secret).to_have_text(re.compile(r"^vdt_[\w-]{20,}$"))
    raw = await secret.text_content() or ""
    row = tokens.locator("tbody tr", has_text="CI laptop")
    await expect(row).to_contain_text("Read (problems, your submissions), Submit solutions")
    await expect(row.locator("td").nth(2)).to_have_text("Never")
    await expect(tokens.get_by_label("What it is for")).to_have_value("")  # the form is ready for the next one

    # The token works, and shows when it was last used; the secret is not on the page any more.
    answer = await page.request.get("/api/me", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 200
    await page.reload()
    row = tokens.locator("tbody tr", has_text="CI laptop")
    await expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
    await expect(row.locator("td").nth(3)).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d"))
    assert raw not in await page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    await row.get_by_role("button", name="Revoke").click()
    await expect(tokens.locator("tbody tr", has_text="CI laptop")).to_have_count(0)
    await expect(tokens.get_by_text("You have no API tokens.")).to_be_visible()
    answer = await page.request.get("/api/me", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status == 401


# Wrong on the sample (1 2 gives 4: a visible test) and on the hidden fourth test (7 -9 gives 2).
SOLUTION_WRONG_ON_SAMPLE = "a, b = map(int, input().split())\nprint(abs(a + b) + (1 if a == 1 else 0))\n"

PROGRESS_STYLE = """() => {
  const bar = document.querySelector('#results [data-progress]');
  const probe = document.createElement('span');
  probe.style.color = 'var(--bad)';
  document.body.append(probe);
  const bad = getComputedStyle(probe).color;
  probe.remove();
  return {
    full: Math.abs(bar.getBoundingClientRect().width - bar.parentElement.getBoundingClientRect().width) < 1,
    colour: getComputedStyle(bar).backgroundColor,
    bad,
  };
}"""


async def test_a_wrong_answer_explains_itself_on_visible_tests_only_and_the_bar_ends_full_and_red(
    page: Page, site: JudgeFleet
) -> None:
    email = await make_user(site)
    await sign_in(page, email, DEMO_PASSWORD, next_path="/problems/aplusb")
    await editor_ready(page)
    await type_into_editor(page, SOLUTION_WRONG_ON_SAMPLE)
    await page.get_by_role("button", name="Submit").click()
    await expect(page.locator("#results")).to_have_attribute("data-state", "done", timeout=60_000)
    await expect(page.locator("#results [data-final-verdict] .verdict")).to_have_text("WA")
    await page.wait_for_timeout(400)  # the bar grows in a 0.2 s transition
    live = await page.evaluate(PROGRESS_STYLE)
    assert live["full"], live
    assert live["colour"] == live["bad"], live

    # Live: the visible test's details say where the output first differs; the hidden test has no details.
    first = page.locator('#results tr[data-index="0"]')
    await first.get_by_role("button", name="Details").click()
    difference = page.locator("#results .test-detail [data-first-difference]")
    await expect(difference).to_contain_text("Line 1, column 1 is the first difference.")
    await expect(difference.locator("pre")).to_have_text("Expected: 3\nReceived: 4\n          ^")
    await expect(page.locator('#results tr[data-index="3"]').get_by_role("button", name="Details")).to_have_count(0)
    await expect(page.locator("[data-first-difference]")).to_have_count(1)

    # The submission's own page, as rendered by the server (no live events): the same, and the bar full and red.
    await page.get_by_role("link", name="Open this submission").click()
    await expect(page.locator("#results")).to_have_attribute("data-state", "done")
    rendered = await page.evaluate(PROGRESS_STYLE)
    assert rendered == live
    details = page.locator("details.test-details")
    await expect(details).to_have_count(1)  # the visible test only
    await details.locator("summary").click()
    block = details.locator("[data-first-difference]")
    await expect(block).to_contain_text("Line 1, column 1 is the first difference.")
    await expect(block.locator("pre")).to_have_text("Expected: 3\nReceived: 4\n          ^")
    assert "Expected: -2" not in await page.content()  # the hidden test's answer is nowhere on the page


async def test_sample_boxes_line_up_and_both_copy(page: Page, context: BrowserContext, site: JudgeFleet) -> None:
    email = await make_user(site)
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    await sign_in(page, email, DEMO_PASSWORD, next_path="/problems/aplusb")
    sample = page.get_by_role("region", name="Sample 1")
    inbox, outbox = sample.locator(".io-block").nth(0), sample.locator(".io-block").nth(1)
    labels = [await box.locator(".io-label").bounding_box() for box in (inbox, outbox)]
    boxes = [await box.locator("pre").bounding_box() for box in (inbox, outbox)]
    assert labels[0] is not None
    assert labels[1] is not None
    assert labels[0]["y"] == labels[1]["y"]
    assert labels[0]["height"] == labels[1]["height"]
    assert boxes[0] is not None
    assert boxes[1] is not None
    assert (boxes[0]["y"], boxes[0]["height"]) == (boxes[1]["y"], boxes[1]["height"])

    await sample.get_by_role("button", name="Copy the output of sample 1").click()
    await expect(sample.get_by_role("button", name="Copy the output of sample 1")).to_have_text("Copied")
    assert await page.evaluate("navigator.clipboard.readText()") == "3\n"
    await sample.get_by_role("button", name="Copy the input of sample 1").click()
    assert await page.evaluate("navigator.clipboard.readText()") == "1 2\n"


async def test_uploading_a_package_asks_before_replacing_unsaved_edits(page: Page, site: JudgeFleet) -> None:
    slug = f"ask-{uuid.uuid4().hex[:6]}"
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path="/problems/new")
    await page.get_by_label("Slug").fill(slug)
    await page.get_by_label("Title").fill("Before the package")
    await page.get_by_role("button", name="Create the problem").click()
    await expect(page).to_have_url(re.compile(rf"/problems/{slug}/edit$"))
    await expect(page.locator("#package-replaces")).to_contain_text("title")

    archive = site.workdir / f"{slug}.zip"
    archive.write_bytes(zip_bytes(package_files("addup")))
    await page.get_by_label("Problem package").set_input_files(str(archive))
    await page.get_by_label("Judge the package's reference solutions").uncheck()

    # Unsaved edits: the page names them and uploads nothing unless told to.
    await page.get_by_label("Title").fill("My better title")
    await page.get_by_label("Statement").fill("My own words.")
    await page.get_by_role("button", name="Upload").click()
    question = page.get_by_role("alertdialog", name="Replace your unsaved edits?")
    await expect(question).to_contain_text("You have unsaved edits to Title and Statement.")
    await question.get_by_role("button", name="Keep my edits").click()
    await expect(question).to_be_hidden()
    await expect(page.locator("#package-form [data-form-status]")).to_contain_text("Nothing uploaded")
    await expect(page.get_by_label("Title")).to_have_value("My better title")
    await expect(page.locator("#test-count")).to_have_text("0")

    # Asked again, and told yes: the package's details replace the edits, and the form shows them.
    await page.get_by_role("button", name="Upload").click()
    await question.get_by_role("button", name="Upload and replace them").click()
    await expect(page.locator("#package-form [data-form-status]")).to_contain_text("tests are live", timeout=30_000)
    await expect(page.get_by_label("Title")).to_have_value("Add them up")
    await expect(page.get_by_label("Time limit (ms)")).to_have_value("250")

    # No edits since: a second upload goes straight through, without a question.
    await page.get_by_role("button", name="Upload").click()
    await expect(page.locator("#package-form [data-form-status]")).to_contain_text("nothing changed", timeout=30_000)
    await expect(question).to_be_hidden()


async def test_admins_find_people_change_roles_deactivate_and_see_the_fleet(page: Page, site: JudgeFleet) -> None:
    email = await make_user(site)
    await sign_in(page, "admin@example.com", DEMO_PASSWORD)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    await expect(page).to_have_url(re.compile(r"/admin$"))
    admin_menu = page.get_by_role("navigation", name="Admin")
    await admin_menu.get_by_role("link", name="Users").click()
    await page.get_by_label("Name or e-mail").fill(email)
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("#users-count")).to_have_text("1 account found.")
    row = page.locator("tbody tr", has_text=email)

    status_text = await row.locator(".status-cell > span").bounding_box()
    deactivate = await row.get_by_role("button", name="Deactivate Grace Hopper").bounding_box()
    assert status_text is not None
    assert deactivate is not None
    apart_x = deactivate["x"] - (status_text["x"] + status_text["width"])
    apart_y = deactivate["y"] - (status_text["y"] + status_text["height"])
    assert max(apart_x, apart_y) >= 6, (status_text, deactivate)  # "Active" and its button do not touch
    await row.get_by_label("Role of Grace Hopper", exact=True).select_option("instructor")
    await row.get_by_role("button", name="Save the role of Grace Hopper").click()
    await expect(row.get_by_role("status")).to_have_text("Role saved.")
    await row.get_by_role("button", name="Deactivate Grace Hopper").click()
    row = page.locator("tbody tr", has_text=email)
    await expect(row).to_have_attribute("data-active", "false")
    await expect(row).to_contain_text("Deactivated")
    await page.get_by_label("Role", exact=True).select_option("instructor")
    await page.get_by_label("Status").select_option("inactive")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("tbody tr", has_text=email)).to_have_count(1)
    async with site.sessions() as session:
        changed = await session.scalar(select(m.User).where(m.User.email == email))
        assert changed is not None
        assert (changed.role, changed.is_active) == (m.Role.INSTRUCTOR, False)
    refused = await page.request.post("/api/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    assert refused.status in (401, 403)
    await page.locator("tbody tr", has_text=email).get_by_role("button", name="Reactivate Grace Hopper").click()
    await expect(page.locator("tbody tr", has_text=email)).to_have_count(0)  # no longer among the deactivated

    # The fleet: the live workers of this test platform, with their slots and the queue.
    await admin_menu.get_by_role("link", name="Judge fleet").click()
    await expect(page.get_by_role("heading", name="Judge fleet", level=1)).to_be_visible()
    await expect(page.locator("tr[data-worker]").first).to_be_visible()
    await expect(page.locator("#fleet-summary")).to_contain_text("slots busy")
    await expect(admin_menu.get_by_role("link", name="Feedback")).to_be_visible()


async def test_the_admin_pages_are_for_admins_only(page: Page) -> None:
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD)
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(0)
    for path in ("/admin", "/admin/users", "/admin/fleet"):
        response = await page.request.get(path, headers={"Accept": "text/html"})
        assert response.status == 403, path
        assert "only admins" in await response.text()


GAP_BELOW = """(selector) => {
  const panel = document.querySelector(selector);
  const [message, next] = panel.children;
  return next.getBoundingClientRect().top - message.getBoundingClientRect().bottom;
}"""


async def test_the_reset_success_message_does_not_touch_its_button(
    page: Page, site: JudgeFleet, mailbox: MailSink
) -> None:
    email = await make_user(site)
    await page.goto("/forgot-password")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_role("button", name="Send the link").click()
    await expect(page.get_by_text("a link to reset its password is on its way")).to_be_visible()
    assert await page.evaluate(GAP_BELOW, "#forgot-done") >= 12

    await page.goto(await mailbox.link_to(email, "/reset-password"))
    await page.get_by_label("New password", exact=True).fill("a brand new pass phrase")
    await page.get_by_label("New password, again").fill("a brand new pass phrase")
    await page.get_by_role("button", name="Set the new password").click()
    await expect(page.get_by_text("Your password has been changed")).to_be_visible()
    assert await page.evaluate(GAP_BELOW, "#reset-done") >= 12
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate(GAP_BELOW, "#reset-done") >= 12
