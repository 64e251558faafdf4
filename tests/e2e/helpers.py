"""What a person does in the browser, as small steps the tests share."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

DEMO_PASSWORD: Final = "verdict-demo"
SOLUTION_AC: Final = "import sys, time\ntime.sleep(0.3)\nprint(sum(map(int, sys.stdin.read().split())))\n"
# Forgets that a sum can be negative: only the fourth test (7 + -9) fails.
SOLUTION_WA: Final = "a, b = map(int, input().split())\nprint(abs(a + b))\n"


async def sign_in(page: Page, email: str, password: str, *, next_path: str = "/problems") -> None:
    await page.goto(f"/login?next={next_path}")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    try:
        await page.wait_for_url(lambda url: urlsplit(url).path == next_path)
    except PlaywrightTimeoutError as exc:  # say what the page said, not only "timeout"
        said = (await page.locator("main").inner_text())[:500]
        raise AssertionError(f"signing in as {email} did not reach {next_path}; the page says: {said!r}") from exc


async def editor_ready(page: Page) -> None:
    await expect(page.locator("#editor")).to_have_attribute("data-ready", "true", timeout=30_000)


async def type_into_editor(page: Page, source: str) -> None:
    """Select everything in Monaco and type ``source`` key by key, as a person would."""
    await editor_ready(page)
    await page.locator("#editor .monaco-editor textarea").focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    for line in source.splitlines():  # the solutions here have no line that Monaco would auto-indent after
        await page.keyboard.type(line)
        await page.keyboard.press("Enter")


async def editor_text(page: Page) -> str:
    """The editor's text, as Monaco's view shows it (non-breaking spaces back to spaces)."""
    lines = await page.locator("#editor .view-lines .view-line").all_inner_texts()
    return "\n".join(line.replace("\u00a0", " ") for line in lines)
