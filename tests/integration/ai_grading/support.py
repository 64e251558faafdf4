"""An assignment with an essay question and a code question (on the ``addup`` package, with one long hidden test),
rubrics on both, and students who handed in; running the AI grading job in-process as the worker would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.ai_grading.jobs import grade_with_ai
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.courses.conftest import Cast
from tests.packages import package_files, zip_bytes

Client = AsyncTestClient[Litestar]
HIDDEN_INPUT = "5\n1000000000000 2000000000000 3000000000000 4000000000000 5123456789012\n"
HIDDEN_ANSWER = "15123456789012\n"
ANA_PROGRAM = "import sys\nnums = sys.stdin.read().split()\nprint(sum(map(int, nums[1:])))\n"
ESSAYS = {
    "ana": "A loop visits every element once.\nSo the sum takes linear time.",
    "ben": "I used recursion.\nIt is slow.",
    "cleo": "Loops repeat code.\nEach element is added to the total.",
}


@dataclass(frozen=True)
class Lab:
    cast: Cast
    assessment_id: str
    essay_id: str
    code_id: str
    essay_items: list[dict[str, Any]]
    code_items: list[dict[str, Any]]
    attempts: dict[str, uuid.UUID]  # by student key
    student_attempt: uuid.UUID  # the cast's student (answered the essay)

    @property
    def course(self) -> str:
        return f"/api/courses/{self.cast.course_id}"

    @property
    def ai(self) -> str:
        return f"{self.course}/ai"

    def answer(self, attempt: uuid.UUID, question: str) -> str:
        return f"{self.course}/grading/answers/{attempt}/{question}"


def addup_with_long_hidden_test() -> dict[str, bytes]:
    files = package_files("addup")
    files["data/secret/group2/09.in"] = HIDDEN_INPUT.encode()
    files["data/secret/group2/09.ans"] = HIDDEN_ANSWER.encode()
    return files


async def make_lab(client: Client, cast: Cast, settings: Settings, *, score_visibility: str = "on_publish") -> Lab:
    staff = cast.instructor.headers
    slug = f"addup-{uuid.uuid4().hex[:6]}"
    pushed = await client.put(
        f"/api/problems/{slug}/package",
        content=zip_bytes(addup_with_long_hidden_test()),
        headers={**staff, "Content-Type": "application/zip"},
    )
    assert pushed.status_code == 201, pushed.text
    published = await client.patch(f"/api/problems/{slug}", json={"visibility": "published"}, headers=staff)
    assert published.status_code == 200, published.text
    attached = await client.post(f"/api/courses/{cast.course_id}/problems", json={"slug": slug}, headers=staff)
    assert attached.status_code == 201, attached.text
    base = f"/api/courses/{cast.course_id}/assessments"
    created = await client.post(
        base, json={"title": "Lab 4", "kind": "assignment", "scoreVisibility": score_visibility}, headers=staff
    )
    assert created.status_code == 201, created.text
    aid = created.json()["assessment"]["id"]
    essay = await client.post(
        f"{base}/{aid}/questions", json={"type": "essay", "promptMd": "Why does a loop sum a list?"}, headers=staff
    )
    assert essay.status_code == 201, essay.text
    code = await client.post(
        f"{base}/{aid}/questions",
        json={
            "type": "code",
            "problemId": attached.json()[0]["problemId"],
            "languages": ["python3"],
            "promptMd": "Add up.",
        },
        headers=staff,
    )
    assert code.status_code == 201, code.text
    essay_id, code_id = (q["id"] for q in code.json()["questions"])
    assert (await client.post(f"{base}/{aid}/publish", json={"published": True}, headers=staff)).status_code == 200
    rubric = f"/api/courses/{cast.course_id}/grading/questions"
    essay_items = [
        (await client.post(f"{rubric}/{essay_id}/rubric", json={"title": t, "points": p}, headers=staff)).json()
        for t, p in (("Explains the loop", 60), ("Mentions linear time", 40))
    ]
    code_items = [
        (await client.post(f"{rubric}/{code_id}/rubric", json={"title": t, "points": p}, headers=staff)).json()
        for t, p in (("Reads all input", 50), ("Readable names", 50))
    ]
    student = cast.student.headers
    assert (await client.post(f"{base}/{aid}/attempt", headers=student)).status_code == 200
    saved = await client.put(
        f"{base}/{aid}/attempt/answers/{essay_id}",
        json={"text": "A loop adds each element to a running total.\nThat is all it takes."},
        headers=student,
    )
    assert saved.status_code == 200, saved.text
    assert (await client.post(f"{base}/{aid}/attempt/submit", headers=student)).status_code == 200
    attempts = await add_students(settings, aid, essay_id, code_id, attached.json()[0]["problemId"])
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            mine = await session.scalar(
                select(m.AssessmentAttempt.id).where(
                    m.AssessmentAttempt.assessment_id == uuid.UUID(aid),
                    m.AssessmentAttempt.user_id == cast.student.user_id,
                )
            )
    finally:
        await engine.dispose()
    assert mine is not None
    return Lab(cast, aid, essay_id, code_id, essay_items, code_items, attempts, mine)


async def add_students(
    settings: Settings, assessment_id: str, essay_id: str, code_id: str, problem_id: str
) -> dict[str, uuid.UUID]:
    """Students who answered the essay and handed in (ana also submitted a program)."""
    engine = create_engine(settings)
    attempts: dict[str, uuid.UUID] = {}
    try:
        async with session_factory(engine)() as session:
            problem = await session.get(m.Problem, uuid.UUID(problem_id))
            assert problem is not None
            for key, text in ESSAYS.items():
                user = m.User(email=f"{key}-{uuid.uuid4().hex[:6]}@example.com", display_name=key.title())
                session.add(user)
                await session.flush()
                attempt = m.AssessmentAttempt(
                    assessment_id=uuid.UUID(assessment_id), user_id=user.id, started_at=utcnow(), submitted_at=utcnow()
                )
                session.add(attempt)
                await session.flush()
                session.add(
                    m.AssessmentAnswer(
                        attempt_id=attempt.id, question_id=uuid.UUID(essay_id), text=text, saved_at=utcnow()
                    )
                )
                if key == "ana":
                    submission = m.Submission(
                        user_id=user.id,
                        problem_id=problem.id,
                        language="python3",
                        files={
                            "main.py": "import sys\nnums = sys.stdin.read().split()\nprint(sum(map(int, nums[1:])))\n"
                        },
                        status=m.SubmissionStatus.DONE,
                        verdict="AC",
                        score=100.0,
                        results=[{"index": 0, "verdict": "AC"}, {"index": 1, "verdict": "AC"}],
                        testset_digest=problem.testset_digest,
                        judged_at=utcnow(),
                    )
                    session.add(submission)
                    await session.flush()
                    session.add(
                        m.AssessmentSubmission(
                            attempt_id=attempt.id, question_id=uuid.UUID(code_id), submission_id=submission.id
                        )
                    )
                attempts[key] = attempt.id
            await session.commit()
    finally:
        await engine.dispose()
    return attempts


async def run_job(settings: Settings, run_id: str) -> str:
    """The api-tasks job, run in-process with the worker's context (no waiting between retries)."""
    engine = create_engine(settings)

    async def no_wait(_seconds: float) -> None:
        return None

    try:
        return await grade_with_ai(
            {"sessions": session_factory(engine), "settings": settings, "sleep": no_wait}, run_id
        )
    finally:
        await engine.dispose()
