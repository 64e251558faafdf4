"""End-to-end fixtures: the whole platform running for real, driven by a real browser.

One fleet for all the e2e tests (the API from ``verdict serve``, the api-tasks worker and a judge worker with the real
sandbox, from ``tests/support/fleet.py``) on a fresh PostgreSQL database seeded with the practice problems and the
demo accounts, a local SMTP server that keeps the mail the API sends (registration links), and Debian's Chromium
driven headless by Playwright (its own driver, no browser download). Every test gets a fresh browser context
(cookies, localStorage) and fails if a page logged an error or broke the Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Final

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from api.db.seed import seed
from api.lib.redis_server import find_free_port
from api.settings import Settings
from tests.support.fleet import JudgeFleet

CHROMIUM: Final = Path("/usr/bin/chromium")
_CLIENT_ERROR_NOTE: Final = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d ")
CHROMIUM_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@dataclass
class MailSink:
    """An aiosmtpd handler that keeps every message it receives."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    async def link_to(self, address: str, path: str, *, within: float = 10.0) -> str:
        """The first link to ``path`` in the newest mail to ``address`` (waiting for it to arrive)."""
        pattern = re.compile(rf"https?://[^\s]+{re.escape(path)}\?token=[A-Za-z0-9_%-]+")
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for message in reversed(self.messages):
                if address.lower() in str(message["To"]).lower():
                    body = message.get_body(preferencelist=("plain",))
                    assert body is not None
                    found = pattern.search(body.get_content())
                    if found:
                        return found.group(0)
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no mail to {address} with a {path} link within {within} s")
            await asyncio.sleep(0.05)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed browser test shows what the platform's processes logged last (API, api-tasks, judge): a page
    that waits forever says nothing about why."""
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    site = getattr(item, "funcargs", {}).get("site")
    if report.when == "call" and report.failed and isinstance(site, JudgeFleet):
        report.sections.append(("the platform's logs (last lines of each process)", site.logs()))


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=find_free_port())
    controller.start()
    try:
        yield sink, int(controller.port)
    finally:
        controller.stop()


def _plain(url: str, database: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1).rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="session")
async def e2e_database_url(postgres_server_url: str, migrated_template: str) -> AsyncIterator[str]:
    """A database for the e2e tests, cloned from the migrated template (the per-test ``database_url`` is too
    short-lived for a fleet that all of them share)."""
    name = f"e2e_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_plain(postgres_server_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    finally:
        await admin.close()
    yield _plain(postgres_server_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)
    admin = await asyncpg.connect(_plain(postgres_server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def site(
    e2e_database_url: str, mail_sink: tuple[MailSink, int], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[JudgeFleet]:
    """The running platform: API (``site.api_url``), api-tasks and one judge worker, practice problems and demo
    accounts seeded, mail going to ``mail_sink``."""
    _sink, smtp_port = mail_sink
    fleet = JudgeFleet(
        database_url=e2e_database_url,
        workdir=tmp_path_factory.mktemp("e2e-fleet"),
        env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port)},
    )
    try:
        await fleet.open()
        await seed(Settings.from_env(fleet.base_env()), demo=True)
        await fleet.start(judges=1, slots=2)
        yield fleet
    finally:
        await fleet.close()


@pytest.fixture(scope="session")
def mailbox(mail_sink: tuple[MailSink, int]) -> MailSink:
    return mail_sink[0]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `apt-get install chromium` (scripts/ensure-system.sh test installs it)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class PageProblems:
    """Errors a page reported: console errors (a CSP violation is one) and uncaught exceptions. The browser's own
    note about an HTTP 4xx answer is not one: pages show those to the person (a wrong password, a 404 page)."""

    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not _CLIENT_ERROR_NOTE.match(message.text):
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Exception) -> None:
        stack = getattr(error, "stack", None) or ""
        self.errors.append(f"uncaught: {error}\n{stack}"[:2000])


@pytest.fixture(autouse=True)
async def fresh_sign_in_limits(site: JudgeFleet) -> None:
    """Each test is a different person at a different time: forget earlier tests' sign-ins, which count against the
    per-account and per-address limits (10 per account in 5 minutes) and would otherwise refuse the 11th sign-in of
    the demo student within one run of the suite."""
    async for key in site.redis.scan_iter(match="rl:login-*"):
        await site.redis.delete(key)
    async for key in site.redis.scan_iter(match="backoff:login:*"):
        await site.redis.delete(key)


@pytest.fixture
async def context(browser: Browser, site: JudgeFleet) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (no cookies, empty localStorage) pointed at the site."""
    ctx = await browser.new_context(base_url=site.api_url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def browser_context_dark(browser: Browser, site: JudgeFleet) -> AsyncIterator[BrowserContext]:
    """A fresh profile on a system set to the dark colour scheme."""
    ctx = await browser.new_context(base_url=site.api_url, color_scheme="dark")
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def phone_context(browser: Browser, site: JudgeFleet) -> AsyncIterator[BrowserContext]:
    """A fresh profile on a phone-sized screen."""
    ctx = await browser.new_context(base_url=site.api_url, viewport={"width": 390, "height": 844}, is_mobile=True)
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A tab that fails the test if any page it showed logged an error (a CSP violation included)."""
    problems = PageProblems()
    tab = await context.new_page()
    tab.on("console", problems.on_console)
    tab.on("pageerror", problems.on_page_error)
    yield tab
    assert problems.errors == [], "the pages reported errors:\n" + "\n".join(problems.errors)
