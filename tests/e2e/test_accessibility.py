"""Accessibility, checked by axe-core (web/package.json's dev dependency, the engine browsers' audit tools use) on
the main pages in both themes: WCAG 2 A and AA rules, colour contrast included. Monaco's own widget is left out
(it is a third-party editor with its own screen-reader mode); everything around it is checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal
from uuid import UUID

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy import select

from api.db import models as m
from tests.e2e.helpers import DEMO_PASSWORD, SOLUTION_WA, editor_ready, sign_in
from tests.support.fleet import JudgeFleet

AXE: Final = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE: Final = """async () => {
  const rules = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } };
  const result = await axe.run({ exclude: [['#editor']] }, rules);
  return result.violations.map((v) => ({
    id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}"""


async def judged_submission(site: JudgeFleet) -> UUID:
    """A judged submission of the demo student with a mixed result (AC and WA rows, a score, a message)."""
    async with site.sessions() as session:
        student = await session.scalar(select(m.User).where(m.User.email == "student@example.com"))
        problem = await session.scalar(select(m.Problem).where(m.Problem.slug == "aplusb"))
    assert student is not None
    assert problem is not None
    submission = await site.submit(problem.id, "python3", SOLUTION_WA, user_id=student.id)
    await site.wait_final(submission)
    return submission


async def violations(page: Page) -> list[dict[str, Any]]:
    await page.wait_for_load_state("networkidle")
    await page.evaluate(AXE.read_text())  # evaluated by the test, not loaded by the page: the page's CSP is unchanged
    found: list[dict[str, Any]] = await page.evaluate(RUN_AXE)
    return found


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_main_pages_pass_axe(browser: Browser, site: JudgeFleet, theme: Literal["light", "dark"]) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/build-web.sh (make test does)")
    context = await browser.new_context(base_url=site.api_url, color_scheme=theme)
    try:
        page = await context.new_page()
        report: dict[str, list[dict[str, Any]]] = {}
        for path in ("/", "/login", "/register", "/forgot-password"):
            await page.goto(path)
            report[path] = await violations(page)
        submission = await judged_submission(site)
        await sign_in(page, "student@example.com", DEMO_PASSWORD)
        for path in ("/problems", "/problems/aplusb", "/submissions", "/profile", f"/submissions/{submission}"):
            await page.goto(path)
            if path == "/problems/aplusb":
                await editor_ready(page)
            report[path] = await violations(page)
        await page.get_by_role("button", name="Sign out", exact=True).click()
        await page.wait_for_url(lambda url: url.endswith("/"))
        await sign_in(page, "instructor@example.com", DEMO_PASSWORD)
        for path in ("/problems/new", "/problems/aplusb/edit"):
            await page.goto(path)
            report[path] = await violations(page)
        failing = {path: found for path, found in report.items() if found}
        assert failing == {}, f"accessibility violations ({theme}): {failing}"
    finally:
        await context.close()
