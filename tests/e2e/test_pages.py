"""The web UI's other promises, each checked in the browser: signed-out visitors are sent to sign in, the
Content-Security-Policy allows no inline script, the themes (system preference and toggle), program output shown
as inert text, a phone-width layout without sideways scrolling, password reset and profile, and the instructors'
pages (create a problem, upload its test package)."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import BrowserContext, Page, expect

from api.db import models as m
from api.lib.crypto import hash_password
from tests.e2e.conftest import MailSink
from tests.e2e.helpers import DEMO_PASSWORD, editor_ready, sign_in, type_into_editor
from tests.packages import package_files, zip_bytes
from tests.support.fleet import JudgeFleet

LIGHT_BG = "rgb(246, 247, 250)"
DARK_BG = "rgb(17, 19, 25)"


async def make_student(site: JudgeFleet, password: str) -> str:
    email = f"student-{uuid.uuid4().hex[:8]}@example.org"
    async with site.sessions() as session:
        session.add(m.User(email=email, display_name="Alan Turing", password_hash=hash_password(password)))
        await session.commit()
    return email


async def test_signed_out_visitors_are_sent_to_sign_in_and_pages_carry_the_csp(page: Page) -> None:
    response = await page.goto("/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src")).split()[1:]
    assert script_src == ["'self'"], policy
    assert "unsafe-eval" not in policy
    await expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    assert await page.locator("script:not([src]):not([type='application/json'])").count() == 0

    for path in ("/problems", "/problems/aplusb", "/submissions", "/profile"):
        await page.goto(path)
        await expect(page).to_have_url(re.compile(r"/login\?next="))
    await expect(page.get_by_text("Sign in to go on.")).to_be_visible()

    await page.goto("/no-such-page")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")

    # Swagger UI's start-up script is inline: its page allows exactly that script, by hash, and works.
    response = await page.goto("/api/docs")
    assert response is not None
    assert "'sha256-" in response.headers["content-security-policy"]
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Verdict API")


async def test_an_expired_access_cookie_is_renewed_quietly(page: Page, context: BrowserContext) -> None:
    await sign_in(page, "student@example.com", DEMO_PASSWORD)
    # The access cookie lives 15 minutes; the refresh cookie (path /api/auth) a month. Drop the first, as time would.
    kept = [c for c in await context.cookies() if c["name"] != "verdict_access"]
    await context.clear_cookies()
    await context.add_cookies(kept)  # type: ignore[arg-type]
    await page.goto("/problems/aplusb")  # sent to sign in, which renews the session and comes back
    await expect(page).to_have_url(re.compile(r"/problems/aplusb$"))
    await expect(page.locator(".account-name")).to_have_text("Sam Student")


async def test_theme_follows_the_system_and_the_toggle_is_remembered(browser_context_dark: BrowserContext) -> None:
    page = await browser_context_dark.new_page()
    await page.goto("/login")
    background = "getComputedStyle(document.body).backgroundColor"
    assert await page.evaluate(background) == DARK_BG  # prefers-color-scheme: dark
    toggle = page.locator("#theme-toggle")
    await toggle.click()  # auto -> light
    await expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert await page.evaluate(background) == LIGHT_BG
    await page.reload()
    assert await page.evaluate(background) == LIGHT_BG  # remembered
    await toggle.click()  # light -> dark
    await expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    await toggle.click()  # dark -> auto
    await expect(toggle).to_have_accessible_name("Colour theme: Auto")
    assert await page.evaluate("document.documentElement.hasAttribute('data-theme')") is False


async def test_program_output_is_inert_text_and_long_output_is_truncated(page: Page) -> None:
    await sign_in(page, "student@example.com", DEMO_PASSWORD, next_path="/problems/aplusb")
    await editor_ready(page)
    # Prints markup, an escape character, a right-to-left override and 30 000 more characters.
    await type_into_editor(page, 'print("<b>bold</b>" + chr(27) + chr(8238) + "x" * 30000)')
    await page.get_by_role("button", name="Run").click()
    output = page.locator("#run-output")
    await expect(output).to_contain_text("<b>bold</b>", timeout=60_000)
    assert await output.locator("b").count() == 0  # shown, not rendered
    await expect(output.locator("span.ctl").first).to_have_text("\u241b")  # ESC as a visible symbol
    await expect(output.locator("span.ctl").nth(1)).to_have_text("U+202E")
    await expect(page.locator(".truncated-note")).to_contain_text("the judge keeps the first 4 KiB")

    # The same rules for any text the page shows: past 20 000 characters it is cut, and says so.
    note = await page.evaluate(
        """async () => {
          const { showInert } = await import('/static/js/text.js');
          const pre = document.createElement('pre');
          document.body.append(pre);
          showInert(pre, 'y'.repeat(30000) + '<i>');
          return [pre.textContent.length, pre.querySelectorAll('i').length, pre.nextElementSibling.textContent];
        }"""
    )
    assert note == [20000, 0, "Truncated: showing the first 20,000 of 30,003 characters."]


async def test_the_problem_list_filters_as_you_type(page: Page) -> None:
    await sign_in(page, "student@example.com", DEMO_PASSWORD)
    rows = page.locator("#problem-results tbody tr")
    await expect(rows.filter(has_text="A + B")).to_have_count(1)
    await page.get_by_label("Search").fill("reverse")  # no button pressed: htmx asks for the list
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Reverse the words")
    await expect(page).to_have_url(re.compile(r"/problems\?q=reverse"))
    await expect(page.locator("#problem-count")).to_have_text("1 problem matches your filters.")
    await page.get_by_label("Search").fill("")
    await page.get_by_label("Difficulty").select_option("medium")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Sum of N numbers")
    await page.get_by_label("Search").fill("no such problem at all")
    await expect(page.get_by_role("heading", name="No problem matches")).to_be_visible()


async def test_keyboard_use_skip_link_tabs_and_submit_shortcut(page: Page) -> None:
    await sign_in(page, "student@example.com", DEMO_PASSWORD, next_path="/problems/aplusb")
    await editor_ready(page)
    await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_have_text("Skip to content")
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    # The tab list: one tab stop, arrows move between the tabs and show their panels.
    await page.get_by_role("tab", name="Run on your input").focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_role("tab", name="Results")).to_be_focused()
    await expect(page.get_by_role("tabpanel", name="Results")).to_be_visible()
    await expect(page.get_by_role("tab", name="Results")).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowLeft")
    await expect(page.get_by_role("tabpanel", name="Run on your input")).to_be_visible()
    # Ctrl+Enter in the editor submits (a run of the starter code would do too; it only needs to start).
    await page.locator("#editor .monaco-editor textarea").focus()
    await page.keyboard.press("Control+Enter")
    await expect(page.get_by_role("tabpanel", name="Results")).to_be_visible()
    await expect(page.locator("#results")).to_have_attribute("data-state", "done", timeout=60_000)


async def test_the_problem_page_fits_a_phone(phone_context: BrowserContext) -> None:
    page = await phone_context.new_page()
    await sign_in(page, "student@example.com", DEMO_PASSWORD, next_path="/problems/aplusb")
    await editor_ready(page)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    box = await page.locator("#editor").bounding_box()
    assert box is not None
    assert box["width"] <= 390


async def test_password_reset_then_profile_and_password_change(page: Page, site: JudgeFleet, mailbox: MailSink) -> None:
    email = await make_student(site, "the first pass phrase")
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_role("button", name="Send the link").click()
    await expect(page.get_by_text("a link to reset its password is on its way")).to_be_visible()

    await page.goto(await mailbox.link_to(email, "/reset-password"))
    await page.get_by_label("New password", exact=True).fill("the second pass phrase")
    await page.get_by_label("New password, again").fill("the second pass phrase")
    await page.get_by_role("button", name="Set the new password").click()
    await expect(page.get_by_text("Your password has been changed")).to_be_visible()

    await sign_in(page, email, "the second pass phrase", next_path="/profile")
    await page.get_by_role("region", name="Profile").get_by_label("Name").fill("Alan M. Turing")
    await page.get_by_role("button", name="Save profile").click()
    await expect(page.get_by_text("Profile saved.")).to_be_visible()
    await expect(page.locator(".account-name")).to_have_text("Alan M. Turing")

    await page.get_by_label("Current password").fill("not the password")
    await page.get_by_label("New password", exact=True).fill("the third pass phrase")
    await page.get_by_label("New password, again").fill("the third pass phrase")
    await page.get_by_role("button", name="Change password").click()
    # One message, in words, beside the field (not also in the form's alert).
    await expect(page.locator("#f-currentPassword-error")).not_to_be_empty()
    await expect(page.locator("#f-currentPassword-error")).not_to_contain_text("CurrentPassword")
    await expect(page.locator("#password-form [data-form-error]")).to_be_empty()
    await page.get_by_label("Current password").fill("the second pass phrase")
    await page.get_by_role("button", name="Change password").click()
    # No other session was open: no "signed out of 0 other sessions".
    await expect(page.locator("#password-form [data-form-status]")).to_have_text("Password changed.")


async def test_an_instructor_creates_a_problem_and_uploads_its_tests(page: Page, site: JudgeFleet) -> None:
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD)
    await page.get_by_role("link", name="New problem").first.click()
    await page.get_by_label("Slug").fill("add-them-up")
    await page.get_by_label("Title").fill("Add them up")
    await page.get_by_label("Statement").fill("Add the numbers: $\\sum a_i$.")
    await page.get_by_role("button", name="Create the problem").click()
    await expect(page).to_have_url(re.compile(r"/problems/add-them-up/edit$"))
    await expect(page.locator("#test-count")).to_have_text("0")

    archive = site.workdir / "addup.zip"
    archive.write_bytes(zip_bytes(package_files("addup")))
    await page.get_by_label("Problem package").set_input_files(str(archive))
    await page.get_by_label("Judge the package's reference solutions").uncheck()
    await page.get_by_role("button", name="Upload").click()
    await expect(page.locator("#package-form [data-form-status]")).to_contain_text("tests are live", timeout=30_000)
    await expect(page.locator("#test-count")).not_to_have_text("0")

    await page.get_by_label("Visibility").select_option("published")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("#problem-form [data-form-status]")).to_have_text("Saved.")
    await page.get_by_role("link", name="View the problem").click()
    await expect(page.locator("#problem-title")).to_have_text("Add them up")
    # The package's statement replaced the typed one (the form showed it after the upload, so Save kept it).
    await expect(page.locator("#statement")).to_contain_text("print their sum")
    await expect(page.locator("#statement .katex").first).to_be_visible()
