"""AI-assisted grading, end to end in the browser: an admin points the demo course at a stand-in OpenAI-compatible
server (started by the test), a TA runs AI grading over an essay question on the real api-tasks worker and watches
the progress (n of m), opens the demo student's answer, edits and approves its proposal (marked AI), releases the
grades; the student then sees exactly the approved feedback and rubric item, and nothing of the model's draft."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Browser, Page, expect

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed_course import DEMO_COURSE_CODE
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import violations
from tests.e2e.test_grading import TA_PASSWORD, _make_ta, _token
from tests.integration.ai_grading.fake_openai import serve_fake_openai
from tests.support.fleet import JudgeFleet

APPROVED = "You explain the running total clearly. Next time, say how long the loop takes."
DRAFT = "Clear explanation of the loop (line 1). Well done."


async def _essay_lab(site: JudgeFleet, title: str) -> tuple[str, str, str, str, dict[str, str]]:
    """A lab with one essay question and a rubric; the demo student and two more students answer and hand in."""
    ta_email = await _make_ta(site)
    async with httpx.AsyncClient(base_url=site.api_url, timeout=30) as http:
        teacher = await _token(http, "instructor@example.com", DEMO_PASSWORD)
        student = await _token(http, "student@example.com", DEMO_PASSWORD)
        listed = (await http.get("/api/courses", headers=teacher)).json()
        courses = listed["items"] if isinstance(listed, dict) else listed
        cid = next(c for c in courses if c["code"] == DEMO_COURSE_CODE)["id"]
        added = await http.post(f"/api/courses/{cid}/members", json={"email": ta_email, "role": "ta"}, headers=teacher)
        assert added.status_code == 201, added.text
        base = f"/api/courses/{cid}/assessments"
        created = await http.post(
            base, json={"title": title, "kind": "assignment", "scoreVisibility": "on_publish"}, headers=teacher
        )
        aid = created.json()["assessment"]["id"]
        question = {"type": "essay", "promptMd": "How does a loop add up a list?"}
        assert (await http.post(f"{base}/{aid}/questions", json=question, headers=teacher)).status_code == 201
        qid = (await http.get(f"{base}/{aid}", headers=teacher)).json()["questions"][0]["id"]
        rubric = f"/api/courses/{cid}/grading/questions/{qid}/rubric"
        item = await http.post(rubric, json={"title": "Explains the running total", "points": 70}, headers=teacher)
        assert item.status_code == 201, item.text
        other = await http.post(rubric, json={"title": "Says it is linear", "points": 30}, headers=teacher)
        assert other.status_code == 201, other.text
        assert (await http.post(f"{base}/{aid}/publish", json={"published": True}, headers=teacher)).status_code == 200
        assert (await http.post(f"{base}/{aid}/attempt", headers=student)).status_code == 200
        text = "The loop keeps a running total.\nEach element is added to it once."
        saved = await http.put(f"{base}/{aid}/attempt/answers/{qid}", json={"text": text}, headers=student)
        assert saved.status_code == 200, saved.text
        assert (await http.post(f"{base}/{aid}/attempt/submit", headers=student)).status_code == 200
        admin = await _token(http, "admin@example.com", DEMO_PASSWORD)
    engine = create_engine(Settings.from_env(site.base_env()))
    try:
        async with session_factory(engine)() as session:
            for name in ("Una", "Viktor"):
                user = m.User(email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", display_name=name)
                session.add(user)
                await session.flush()
                session.add(m.CourseMembership(course_id=uuid.UUID(cid), user_id=user.id, role=m.CourseRole.STUDENT))
                attempt = m.AssessmentAttempt(
                    assessment_id=uuid.UUID(aid), user_id=user.id, started_at=utcnow(), submitted_at=utcnow()
                )
                session.add(attempt)
                await session.flush()
                session.add(
                    m.AssessmentAnswer(
                        attempt_id=attempt.id,
                        question_id=uuid.UUID(qid),
                        text=f"{name} sums with a loop.",
                        saved_at=utcnow(),
                    )
                )
            await session.commit()
    finally:
        await engine.dispose()
    return cid, ta_email, aid, qid, admin


async def test_staff_run_ai_grading_approve_one_proposal_and_the_student_sees_exactly_that(
    page: Page, browser: Browser, site: JudgeFleet
) -> None:
    title = f"AI lab {uuid.uuid4().hex[:4]}"
    cid, ta_email, aid, _qid, admin = await _essay_lab(site, title)
    config = f"/api/courses/{cid}/ai/config"
    with serve_fake_openai() as fake:
        fake.default, fake.slow_s = "slow", 0.6  # slow enough to watch the progress
        async with httpx.AsyncClient(base_url=site.api_url, timeout=30) as http:
            body = {"baseUrl": fake.url, "apiKey": "sk-e2e", "model": "e2e-model"}
            assert (await http.put(config, json=body, headers=admin)).status_code == 200
        try:
            await sign_in(page, ta_email, TA_PASSWORD, next_path=f"/courses/{cid}/grading/assessments/{aid}")
            await page.get_by_role("link", name="AI grading").click()
            await expect(page.locator("[data-ai-available]")).to_contain_text("e2e-model")
            assert await violations(page) == []
            await page.get_by_role("button", name="Run AI grading", exact=True).click()
            run = page.locator("[data-ai-runs] li").first
            await expect(run.locator("[data-run-progress]")).to_contain_text("of 3", timeout=20_000)
            await expect(run.locator("[data-run-state]")).to_have_text("done", timeout=30_000)
            await expect(run.locator("[data-run-progress]")).to_have_text("3 of 3")
            assert len(fake.requests) == 3

            await page.get_by_role("link", name="Review the proposals in the grading queue").click()
            await (
                page.get_by_role("link", name="Stu Student")
                .or_(page.get_by_role("link", name="Sam Student"))
                .first.click()
            )
            proposal = page.locator("[data-ai-proposal]")
            await expect(proposal.locator(".tag-ai")).to_have_text("AI")
            await expect(proposal.get_by_label("Feedback for the student")).to_have_value(DRAFT)
            await expect(proposal.get_by_label("Explains the running total (+70)")).to_be_checked()
            await expect(page.locator("[data-grade-score]")).to_have_text("—")  # nothing applied before approval
            await proposal.get_by_label("Feedback for the student").fill(APPROVED)
            await proposal.get_by_role("button", name="Accept").click()
            await expect(page.locator("[data-ai-decided]")).to_contain_text("accepted")
            await expect(page.locator("#overall-comment")).to_have_value(APPROVED)
            await expect(page.locator("[data-grade-score]")).to_have_text("70")
            assert await violations(page) == []

            await page.get_by_role("link", name=title, exact=True).click()
            await page.get_by_role("button", name="Release grades").click()
            await expect(page.locator("[data-release-state]")).to_contain_text("Students see their grades")
        finally:
            async with httpx.AsyncClient(base_url=site.api_url, timeout=30) as http:
                await http.put(config, json={}, headers=admin)  # back to the platform's (unconfigured) endpoint

    student_context = await browser.new_context(base_url=site.api_url, viewport={"width": 1280, "height": 900})
    student_context.set_default_timeout(15_000)
    try:
        student = await student_context.new_page()
        await sign_in(student, "student@example.com", DEMO_PASSWORD, next_path=f"/courses/{cid}/assessments/{aid}")
        feedback = student.locator("[data-my-grades]")
        await expect(feedback.get_by_role("heading", name="Your grades and feedback")).to_be_visible()
        await expect(feedback.locator(".overall-comment")).to_have_text(APPROVED)
        await expect(feedback.locator(".applied-rubric")).to_contain_text("Explains the running total")
        await expect(feedback.locator(".applied-rubric")).not_to_contain_text("Says it is linear")
        assert DRAFT not in await feedback.inner_text()
        assert "AI" not in (await feedback.inner_text()).split()  # the student sees the grader's marks
        assert await violations(student) == []
    finally:
        await student_context.close()
