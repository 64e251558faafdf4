"""A similarity report in the browser: the instructor opens it from the results page, starts it, watches it finish
(htmx polling, no reload) and compares the top pair side by side, the matched code marked."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect
from sqlalchemy import select

from api.db import models as m
from api.lib.timeutil import utcnow
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.e2e.test_accessibility import violations
from tests.support.fleet import JudgeFleet
from tests.unit.similarity.test_engine import DISGUISED, INDEPENDENT_1, ORIGINAL


async def _seed(site: JudgeFleet) -> tuple[str, str, str]:
    """An assessment of the demo course with a code question and three students' submissions."""
    async with site.sessions() as session:
        course = await session.scalar(select(m.Course).where(m.Course.title == "Programming 101 (demo)"))
        assert course is not None
        assessment = m.Assessment(course_id=course.id, title=f"Copy check {uuid.uuid4().hex[:4]}", kind="assignment")
        session.add(assessment)
        await session.flush()
        question = m.AssessmentQuestion(assessment_id=assessment.id, type="code", prompt_md="Running maximum")
        session.add(question)
        await session.flush()
        for name, source in (("Ada Copy", ORIGINAL), ("Bo Copy", DISGUISED), ("Cy Own", INDEPENDENT_1)):
            user = m.User(email=f"{uuid.uuid4().hex[:8]}@example.com", display_name=name)
            session.add(user)
            await session.flush()
            attempt = m.AssessmentAttempt(assessment_id=assessment.id, user_id=user.id, started_at=utcnow())
            submission = m.Submission(user_id=user.id, language="python3", files={"main.py": source}, score=100.0)
            session.add_all([attempt, submission])
            await session.flush()
            session.add(
                m.AssessmentSubmission(attempt_id=attempt.id, question_id=question.id, submission_id=submission.id)
            )
        await session.commit()
        return str(course.id), str(assessment.id), assessment.title


async def test_an_instructor_runs_a_similarity_report_and_compares_a_pair(page: Page, site: JudgeFleet) -> None:
    course_id, assessment_id, title = await _seed(site)
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path="/courses")
    await page.goto(f"/courses/{course_id}/assessments/{assessment_id}/results")
    await page.get_by_role("link", name="Similarity of question 1: Running maximum").click()
    await expect(page.get_by_role("heading", name=f"Similarity: {title}, question 1")).to_be_visible()
    await expect(page.get_by_text("No report yet.")).to_be_visible()
    await page.get_by_role("button", name="Compare the submissions").click()
    table = page.get_by_role("table", name="Most similar pairs")
    await expect(table).to_be_visible(timeout=60_000)  # the status fragment polled until the report was done
    first = table.locator("tbody tr").first
    await expect(first).to_contain_text("Ada Copy")
    await expect(first).to_contain_text("Bo Copy")
    assert await violations(page) == []

    await first.get_by_role("link", name="Side by side").click()
    await expect(page.get_by_role("heading", name="Pair 1: Ada Copy and Bo Copy")).to_be_visible()
    marks = page.locator("mark.similarity-match")
    assert await marks.count() >= 2
    await expect(page.locator(".similarity-side").first).to_contain_text("running_maximum")
    assert await violations(page) == []


async def test_an_instructor_sets_a_questions_code_checks(page: Page, site: JudgeFleet) -> None:
    course_id, assessment_id, _title = await _seed(site)
    await sign_in(page, "instructor@example.com", DEMO_PASSWORD, next_path="/courses")
    await page.goto(f"/courses/{course_id}/assessments/{assessment_id}/results")
    await page.get_by_role("link", name="code checks").click()
    rules = page.get_by_label("Rules, one per line")
    await rules.fill("forbid_call sorted: sort it yourself\nrequire_function solve\nforbid_magic x")
    await page.get_by_label("Points: percent of the question").fill("25")
    await page.get_by_role("button", name="Save the checks").click()
    # the unknown kind is refused, beside the rules, by its line; nothing is saved
    await expect(page.locator("[data-error-for='rules']")).to_contain_text("Rule on line 3: kind")
    await rules.fill("forbid_call sorted: sort it yourself\nrequire_function solve")
    await page.get_by_role("button", name="Save the checks").click()
    await expect(page.get_by_role("button", name="Remove the checks")).to_be_visible()  # reloaded, saved
    await expect(rules).to_have_value("forbid_call sorted: sort it yourself\nrequire_function solve\n")
    await expect(page.get_by_label("Points: percent of the question")).to_have_value("25.0")
    assert await violations(page) == []
