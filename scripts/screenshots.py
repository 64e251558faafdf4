"""Screenshots of Verdict's main pages, in the light and the dark theme, at desktop and phone width.

Run against a running platform with the demo data (``make dev`` in another terminal, or ``verdict dev``)::

    .venv/bin/python scripts/screenshots.py                       # http://127.0.0.1:8000 -> test-results/screenshots
    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8123 --out /tmp/shots

It signs in as the demo student (and the demo instructor for the instructor pages), makes one submission so that
the history and the results have something to show, and writes ``<page>-<theme>[-phone].png``. The browser is
Debian's Chromium (``/usr/bin/chromium``) driven by Playwright; nothing is downloaded.

``--manual`` takes instead the images of the manuals (``MANUAL_SHOTS``, light theme, desktop width) into
``docs/images/<name>.png``, where the pages of ``docs/`` show them::

    .venv/bin/python scripts/screenshots.py --manual --base-url http://127.0.0.1:8123
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect, sync_playwright

CHROMIUM_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD: Final = "verdict-demo"  # noqa: S105 - the demo accounts' documented password (make dev)
DESKTOP: Final = ViewportSize(width=1280, height=860)
PHONE: Final = ViewportSize(width=390, height=844)
Theme = Literal["light", "dark"]
SOLUTION: Final = "a, b = map(int, input().split())\nprint(abs(a + b))\n"  # WA on one test: a mixed result
MANUAL_DIR: Final = Path(__file__).resolve().parent.parent / "docs" / "images"
MANUAL_SHOTS: Final = (
    "problems-list",
    "problem-editor",
    "submission-results",
    "problem-edit",
    "feedback-form",
    "admin-feedback",
)
FEEDBACK: Final = "The sample in A + B could show a negative number too."
SLOW_SOLUTION: Final = "import time\ntime.sleep(0.6)\na, b = map(int, input().split())\nprint(a + b)\n"


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/problems")


def new_context(browser: Browser, base_url: str, theme: Theme, *, phone: bool = False) -> BrowserContext:
    context = browser.new_context(
        base_url=base_url, viewport=PHONE if phone else DESKTOP, color_scheme=theme, device_scale_factor=1
    )
    context.add_init_script(f"window.localStorage.setItem('verdict-theme', '{theme}')")
    return context


def shoot(page: Page, out: Path, name: str, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    sys.stdout.write(f"{path}\n")


def make_submission(page: Page) -> str:
    """Submit a solution to A + B (typed into the editor) and wait for its verdict; return the submission's path."""
    page.goto("/problems/aplusb")
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true", timeout=30_000)
    page.locator("#editor .monaco-editor textarea").focus()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(SOLUTION)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#results")).to_have_attribute("data-state", "done", timeout=60_000)
    href = page.locator("#results-link").get_attribute("href")
    return href or "/submissions"


def run(base_url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        submission = ""
        themes: tuple[Theme, ...] = ("light", "dark")
        for theme in themes:
            anonymous = new_context(browser, base_url, theme)
            page = anonymous.new_page()
            for name, path in (("home", "/"), ("login", "/login"), ("register", "/register")):
                page.goto(path)
                shoot(page, out, f"{name}-{theme}")
            page.goto("/no-such-page")
            shoot(page, out, f"not-found-{theme}")
            anonymous.close()

            student = new_context(browser, base_url, theme)
            page = student.new_page()
            sign_in(page, "student@example.com")
            shoot(page, out, f"problems-{theme}")
            if not submission:
                submission = make_submission(page)
            page.goto("/problems/aplusb")
            expect(page.locator("#editor")).to_have_attribute("data-ready", "true", timeout=30_000)
            shoot(page, out, f"problem-{theme}", full_page=False)
            # Live results half-way: a slow solution, caught after its first test is judged.
            page.locator("#editor .monaco-editor textarea").focus()
            page.keyboard.press("Control+A")
            page.keyboard.insert_text(SLOW_SOLUTION)
            page.get_by_role("button", name="Submit").click()
            expect(page.locator('#results tr[data-verdict="AC"]').first).to_be_visible(timeout=60_000)
            page.locator("#panel-results").scroll_into_view_if_needed()
            page.screenshot(path=str(out / f"problem-live-{theme}.png"))
            sys.stdout.write(f"{out / f'problem-live-{theme}.png'}\n")
            expect(page.locator("#results")).to_have_attribute("data-state", "done", timeout=60_000)
            page.get_by_role("button", name="Run").click()
            expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)
            shoot(page, out, f"problem-run-{theme}")
            page.goto(submission)
            shoot(page, out, f"submission-{theme}")
            page.goto("/submissions")
            shoot(page, out, f"submissions-{theme}")
            page.goto("/profile")
            shoot(page, out, f"profile-{theme}")
            student.close()

            phone = new_context(browser, base_url, theme, phone=True)
            page = phone.new_page()
            sign_in(page, "student@example.com")
            shoot(page, out, f"problems-{theme}-phone")
            page.goto("/problems/aplusb")
            expect(page.locator("#editor")).to_have_attribute("data-ready", "true", timeout=30_000)
            shoot(page, out, f"problem-{theme}-phone")
            page.goto(submission)
            shoot(page, out, f"submission-{theme}-phone")
            page.goto("/profile")
            shoot(page, out, f"profile-{theme}-phone")
            phone.close()

            for wide in (True, False):
                admin = new_context(browser, base_url, theme, phone=not wide)
                page = admin.new_page()
                sign_in(page, "admin@example.com")
                for name in ("admin", "admin-users", "admin-fleet"):
                    page.goto("/" + name.replace("-", "/"))
                    shoot(page, out, f"{name}-{theme}{'' if wide else '-phone'}")
                admin.close()

            instructor = new_context(browser, base_url, theme)
            page = instructor.new_page()
            sign_in(page, "instructor@example.com")
            page.goto("/problems/new")
            shoot(page, out, f"problem-new-{theme}")
            page.goto("/problems/aplusb/edit")
            shoot(page, out, f"problem-edit-{theme}")
            instructor.close()
        browser.close()


def run_manual(base_url: str, out: Path = MANUAL_DIR) -> None:
    """The manuals' images: what each page of docs/ shows, taken the same way every time."""
    out.mkdir(parents=True, exist_ok=True)
    taken: list[str] = []

    def take(page: Page, name: str, *, full_page: bool = False) -> None:
        assert name in MANUAL_SHOTS, name
        shoot(page, out, name, full_page=full_page)
        taken.append(name)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        student = new_context(browser, base_url, "light")
        page = student.new_page()
        sign_in(page, "student@example.com")
        take(page, "problems-list")
        submission = make_submission(page)
        page.goto("/problems/aplusb")
        expect(page.locator("#editor")).to_have_attribute("data-ready", "true", timeout=30_000)
        take(page, "problem-editor")
        page.goto(submission)
        take(page, "submission-results")
        page.goto("/problems")
        page.locator("#feedback > summary").click()
        page.get_by_label("Your feedback").fill(FEEDBACK)
        page.get_by_label("Kind").select_option("idea")
        page.locator("#feedback").scroll_into_view_if_needed()
        take(page, "feedback-form")
        page.get_by_role("button", name="Send feedback").click()
        expect(page.locator("#feedback [data-form-status]")).to_contain_text("Thank you")
        student.close()

        instructor = new_context(browser, base_url, "light")
        page = instructor.new_page()
        sign_in(page, "instructor@example.com")
        page.goto("/problems/aplusb/edit")
        take(page, "problem-edit")
        instructor.close()

        admin = new_context(browser, base_url, "light")
        page = admin.new_page()
        sign_in(page, "admin@example.com")
        page.goto("/admin/feedback")
        expect(page.locator(".feedback-item").first).to_be_visible()
        take(page, "admin-feedback")
        admin.close()
        browser.close()
    missing = set(MANUAL_SHOTS) - set(taken)
    assert not missing, f"not taken: {sorted(missing)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="a running Verdict with the demo data")
    parser.add_argument("--out", type=Path, default=None, help="where the PNGs go (default: test-results/screenshots)")
    parser.add_argument("--manual", action="store_true", help="take the manuals' images into docs/images instead")
    args = parser.parse_args(argv)
    if args.manual:
        run_manual(args.base_url.rstrip("/"), args.out or MANUAL_DIR)
    else:
        run(args.base_url.rstrip("/"), args.out or Path("test-results/screenshots"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
