"""Community, end to end in two (then three) browsers: two students of the demo course chat live; one asks a
question about a failing visible test of a submission; a TA answers; the student sees the toast and the bell."""

from __future__ import annotations

import uuid

from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed_course import DEMO_COURSE_CODE
from api.domain.accounts.schemas import UserCreate
from api.domain.accounts.services import UserService
from api.settings import Settings
from tests.e2e.helpers import DEMO_PASSWORD, sign_in
from tests.support.fleet import JudgeFleet

PASSWORD = "a long community pass phrase"


async def _setup(site: JudgeFleet, tag: str) -> tuple[uuid.UUID, str, str, uuid.UUID]:
    """A second student and a TA in the demo course, and a WA submission of the demo student on a problem of the
    course with a visible sample and a hidden test. Returns (course id, classmate e-mail, TA e-mail, submission)."""
    engine = create_engine(Settings.from_env(site.base_env()))
    try:
        async with session_factory(engine)() as session:
            course_id = await session.scalar(select(m.Course.id).where(m.Course.code == DEMO_COURSE_CODE))
            student_id = await session.scalar(select(m.User.id).where(m.User.email == "student@example.com"))
            assert course_id is not None
            assert student_id is not None
            users = UserService(session=session)
            emails = (f"carla.{tag}@example.org", f"tom.{tag}@example.org")
            for email, name, role in zip(
                emails, ("Carla Classmate", "Tom Assistant"), (m.CourseRole.STUDENT, m.CourseRole.TA), strict=True
            ):
                user = await users.create_from(
                    UserCreate(email=email, display_name=name, role=m.Role.STUDENT, password=PASSWORD)
                )
                session.add(m.CourseMembership(course_id=course_id, user_id=user.id, role=role))
            problem = m.Problem(slug=f"e2e-qa-{tag}", title=f"Pairs {tag}")
            session.add(problem)
            await session.flush()
            session.add(m.CourseProblem(course_id=course_id, problem_id=problem.id))
            digest = uuid.uuid4().hex * 2
            manifest = {
                "version": 1,
                "tests": [
                    {"name": "sample-1", "sample": True, "visibility": "visible"},
                    {"name": "secret-huge", "visibility": "hidden"},
                ],
                "groups": [],
                "samples": [],
            }
            session.add(m.TestSet(digest=digest, data=b"", size_bytes=0, test_count=2, manifest=manifest))
            await session.flush()
            submission = m.Submission(
                user_id=student_id,
                problem_id=problem.id,
                language="python3",
                files={"main.py": "print(0)"},
                testset_digest=digest,
                status=m.SubmissionStatus.DONE,
                verdict="WA",
                results=[{"index": 0, "verdict": "WA"}, {"index": 1, "verdict": "WA"}],
            )
            session.add(submission)
            await session.commit()
            return course_id, emails[0], emails[1], submission.id
    finally:
        await engine.dispose()


async def test_two_students_chat_one_asks_a_ta_answers_and_the_student_is_notified(
    page: Page, browser: Browser, site: JudgeFleet
) -> None:
    tag = uuid.uuid4().hex[:6]
    course_id, classmate_email, ta_email, submission_id = await _setup(site, tag)
    classmate_ctx = await browser.new_context(base_url=site.api_url)
    ta_ctx = await browser.new_context(base_url=site.api_url)
    try:
        # two students in the course chat
        await sign_in(page, "student@example.com", DEMO_PASSWORD, next_path=f"/courses/{course_id}/chat")
        other = await classmate_ctx.new_page()
        await sign_in(other, classmate_email, PASSWORD, next_path=f"/courses/{course_id}/chat")
        await expect(page.locator("[data-room-name]")).to_have_text("General")
        await expect(other.locator("[data-room-name]")).to_have_text("General")
        for chatting in (page, other):  # both pages follow the room on their live connection
            await expect(chatting.locator("[data-chat][data-subscribed]")).to_have_count(1)
        text = f"hello from the demo student {tag}"
        await page.get_by_label("Message", exact=True).fill(text + " <script>window.pwned=1</script>")
        await page.get_by_role("button", name="Send").click()
        await expect(other.locator("[data-messages]")).to_contain_text(text)
        await expect(other.locator("[data-messages]")).to_contain_text("<script>window.pwned=1</script>")
        assert await other.evaluate("window.pwned === undefined")
        await other.get_by_label("Message", exact=True).fill(f"hi back {tag}")
        await other.keyboard.press("Enter")
        await expect(page.locator("[data-messages]")).to_contain_text(f"hi back {tag}")

        # the student asks about the failing visible test of a submission
        await page.goto(f"/courses/{course_id}/questions?submission={submission_id}&test=0")
        await expect(page.locator(".linked-test")).to_contain_text("sample-1")
        await page.get_by_label("Question", exact=True).fill(f"Why does sample-1 fail? {tag}")
        await page.get_by_label("Details (Markdown)").fill("My output is `0`.")
        await page.get_by_role("button", name="Ask").click()
        await expect(page.get_by_role("heading", name=f"Why does sample-1 fail? {tag}", level=1)).to_be_visible()
        await expect(page.locator("main")).not_to_contain_text("secret-huge")
        await expect(page.locator("[data-bell][data-live=ready]")).to_have_count(1)  # the live connection is up
        unread = int((await page.locator("[data-bell-count]").text_content() or "").strip() or 0)  # earlier tests

        # a TA finds it grouped by test and answers
        ta = await ta_ctx.new_page()
        await sign_in(ta, ta_email, PASSWORD, next_path=f"/courses/{course_id}/questions/by-test")
        await expect(ta.locator("main")).to_contain_text("test sample-1")
        await ta.get_by_role("link", name=f"Why does sample-1 fail? {tag}").click()
        await ta.get_by_label("Answer (Markdown)").fill("Read the input **twice**.")
        await ta.get_by_role("button", name="Answer").click()
        await expect(ta.locator(".answers")).to_contain_text("Read the input twice.")

        # the student is notified live: a toast and the bell's count
        toast = page.locator(".toast")
        await expect(toast).to_contain_text("answered your question")
        await expect(page.locator("[data-bell-count]")).to_have_text(str(unread + 1))
        await toast.click()
        await expect(page.locator(".answers")).to_contain_text("Read the input twice.")
    finally:
        await classmate_ctx.close()
        await ta_ctx.close()
