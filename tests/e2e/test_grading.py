"""Grading, end to end in the browser: the demo student's program is judged by the real fleet; a TA opens it from
the gradebook, adds a rubric item and applies it with the keyboard, comments on a line in the read-only editor,
releases the grades; the student then sees the rubric item and the comment under that line of their program."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from playwright.async_api import Browser, Page, expect

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed_course import DEMO_COURSE_CODE
from api.domain.accounts.schemas import UserCreate
from api.domain.accounts.services import UserService
from api.settings import Settings
from tests.e2e.helpers import DEMO_PASSWORD, SOLUTION_WA, sign_in
from tests.e2e.test_accessibility import violations
from tests.support.fleet import JudgeFleet

TA_PASSWORD = "correct horse grading"


async def _token(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    resp = await http.post("/api/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['accessToken']}"}


async def _make_ta(site: JudgeFleet) -> str:
    email = f"ta-{uuid.uuid4().hex[:6]}@example.com"
    engine = create_engine(Settings.from_env(site.base_env()))
    try:
        async with session_factory(engine)() as session:
            await UserService(session=session).create_from(
                UserCreate(email=email, display_name="Tess TA", role=m.Role.STUDENT, password=TA_PASSWORD)
            )
            await session.commit()
    finally:
        await engine.dispose()
    return email


async def _graded_lab(site: JudgeFleet, title: str) -> tuple[str, str, str]:
    """The demo course gets a TA and a lab whose code question the demo student answers and hands in (judged for
    real). Answers the course id, the TA's e-mail and the assessment id."""
    ta_email = await _make_ta(site)
    async with httpx.AsyncClient(base_url=site.api_url, timeout=30) as http:
        teacher = await _token(http, "instructor@example.com", DEMO_PASSWORD)
        student = await _token(http, "student@example.com", DEMO_PASSWORD)
        listed = (await http.get("/api/courses", headers=teacher)).json()
        courses = listed["items"] if isinstance(listed, dict) else listed
        course = next(c for c in courses if c["code"] == DEMO_COURSE_CODE)
        cid = course["id"]
        added = await http.post(f"/api/courses/{cid}/members", json={"email": ta_email, "role": "ta"}, headers=teacher)
        assert added.status_code == 201, added.text
        problems = (await http.get(f"/api/courses/{cid}/problems", headers=teacher)).json()
        aplusb = next(p for p in problems if p["slug"] == "aplusb")
        base = f"/api/courses/{cid}/assessments"
        created = await http.post(
            base, json={"title": title, "kind": "assignment", "scoreVisibility": "on_publish"}, headers=teacher
        )
        aid = created.json()["assessment"]["id"]
        question = {"type": "code", "problemId": aplusb["problemId"], "languages": ["python3"], "promptMd": "Add."}
        assert (await http.post(f"{base}/{aid}/questions", json=question, headers=teacher)).status_code == 201
        qid = (await http.get(f"{base}/{aid}", headers=teacher)).json()["questions"][0]["id"]
        assert (await http.post(f"{base}/{aid}/publish", json={"published": True}, headers=teacher)).status_code == 200
        assert (await http.post(f"{base}/{aid}/attempt", headers=student)).status_code == 200
        sent = await http.post(
            f"{base}/{aid}/attempt/questions/{qid}/submissions",
            json={"language": "python3", "source": SOLUTION_WA},
            headers=student,
        )
        assert sent.status_code == 201, sent.text
        for _ in range(120):
            judged = (await http.get(f"/api/submissions/{sent.json()['submissionId']}", headers=student)).json()
            if judged["status"] == "done":
                break
            await asyncio.sleep(0.5)
        assert judged["status"] == "done", judged
        assert (await http.post(f"{base}/{aid}/attempt/submit", headers=student)).status_code == 200
    return cid, ta_email, aid


async def test_a_ta_grades_with_a_rubric_item_and_a_line_comment_and_the_student_sees_both(
    page: Page, browser: Browser, site: JudgeFleet
) -> None:
    title = f"Graded lab {uuid.uuid4().hex[:4]}"
    cid, ta_email, aid = await _graded_lab(site, title)

    await sign_in(page, ta_email, TA_PASSWORD, next_path=f"/courses/{cid}/gradebook")
    await expect(page.get_by_role("heading", name="Gradebook")).to_be_visible()
    assert await violations(page) == []
    await page.get_by_role("link", name=title, exact=True).click()
    await expect(page.get_by_text("1 of 1 answers need a grader")).to_be_visible()
    await page.get_by_role("link", name="Grade the next one").click()
    await expect(page.locator("#source")).to_have_attribute("data-ready", "true", timeout=30_000)
    await expect(page.locator("#source .view-lines")).to_contain_text("print(abs(a + b))")
    await expect(page.locator("#results [data-final-verdict]")).to_contain_text("WA", timeout=20_000)
    derived = await page.locator("[data-grade-score]").inner_text()
    assert await violations(page) == []

    await page.get_by_text("Add a rubric item").click()
    await page.get_by_label("Title").fill("Forgets negative sums")
    await page.get_by_label("Points (% of the question; negative takes away)").fill("-10")
    await page.get_by_role("button", name="Add the item").click()
    item = page.locator("[data-rubric-item]").first
    await expect(item).to_contain_text("Forgets negative sums")
    await expect(item).to_have_attribute("aria-pressed", "false")
    await page.locator("h1").click()  # leave the form: the shortcuts act on the page
    await page.keyboard.press("1")
    await expect(item).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("[data-grade-score]")).to_have_text(f"{float(derived) - 10:g}")

    await page.locator("#source .line-numbers", has_text="2").first.click()  # the gutter opens a comment on line 2
    await expect(page.get_by_label("Line", exact=True)).to_have_value("2")
    await page.get_by_label("Comment", exact=True).fill("abs() turns -2 into 2: print the sum itself.")
    await page.get_by_role("button", name="Add the comment").click()
    await expect(page.locator("[data-comments]")).to_contain_text("Line 2: abs() turns -2 into 2")
    await expect(page.locator("#source .comment-glyph")).to_have_count(1)

    await page.locator("h1").click()
    await page.keyboard.press("?")
    await expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    await page.keyboard.press("Escape")
    await page.get_by_role("link", name=title, exact=True).click()
    await page.get_by_role("button", name="Release grades").click()
    await expect(page.locator("[data-release-state]")).to_contain_text("Students see their grades")

    student_context = await browser.new_context(base_url=site.api_url, viewport={"width": 1280, "height": 900})
    student_context.set_default_timeout(15_000)
    try:
        student = await student_context.new_page()
        await sign_in(student, "student@example.com", DEMO_PASSWORD, next_path=f"/courses/{cid}/assessments/{aid}")
        feedback = student.locator("[data-my-grades]")
        await expect(feedback.get_by_role("heading", name="Your grades and feedback")).to_be_visible()
        await expect(feedback.locator(".applied-rubric")).to_contain_text("Forgets negative sums")
        await expect(feedback.locator(".applied-rubric")).to_contain_text("-10")
        comment = feedback.locator("[data-comment-line='2']")
        await expect(comment).to_contain_text("abs() turns -2 into 2: print the sum itself.")
        line_two = feedback.locator(".source-line[data-line='2']")
        await expect(line_two).to_contain_text("print(abs(a + b))")
        await expect(line_two).to_have_class("source-line commented-line")
        await expect(feedback.get_by_role("button", name="Ask for a regrade")).to_be_visible()
        assert await violations(student) == []
    finally:
        await student_context.close()
