"""A course's code question with students' submissions, written the way the assessments area stores them."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.lib.timeutil import utcnow
from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client, build_cast
from tests.integration.problems.support import make_people, push


@dataclass(frozen=True)
class CodeQuestion:
    cast: Cast
    assessment_id: str
    question_id: str

    @property
    def api(self) -> str:
        base = f"/api/courses/{self.cast.course_id}/assessments/{self.assessment_id}"
        return f"{base}/questions/{self.question_id}/similarity"

    @property
    def page(self) -> str:
        return self.api.removeprefix("/api")


async def code_question(client: Client, settings: Settings) -> CodeQuestion:
    people = await make_people(settings)
    slug = f"addup-{uuid.uuid4().hex[:6]}"
    assert (await push(client, people.instructor, slug, "addup")).status_code == 201
    published = await client.patch(
        f"/api/problems/{slug}", json={"visibility": "published"}, headers=people.instructor.headers
    )
    assert published.status_code == 200, published.text
    cast = await build_cast(client, settings)
    staff = cast.instructor.headers
    attached = await client.post(f"/api/courses/{cast.course_id}/problems", json={"slug": slug}, headers=staff)
    assert attached.status_code == 201, attached.text
    base = f"/api/courses/{cast.course_id}/assessments"
    created = await client.post(base, json={"title": "Lab 3", "kind": "assignment"}, headers=staff)
    assert created.status_code == 201, created.text
    aid = created.json()["assessment"]["id"]
    question: dict[str, Any] = {"type": "code", "problemId": attached.json()[0]["problemId"], "languages": ["python3"]}
    added = await client.post(f"{base}/{aid}/questions", json=question, headers=staff)
    assert added.status_code == 201, added.text
    return CodeQuestion(cast=cast, assessment_id=aid, question_id=added.json()["questions"][0]["id"])


async def add_submissions(
    settings: Settings, question: CodeQuestion, sources: dict[str, list[tuple[str, float | None]]]
) -> dict[str, uuid.UUID]:
    """One student per key of ``sources`` with their tries (source, score) in order; returns each student's
    submission ids by ``"<key>:<try>"``."""
    engine = create_engine(settings)
    ids: dict[str, uuid.UUID] = {}
    try:
        async with session_factory(engine)() as session:
            for key, tries in sources.items():
                user = m.User(email=f"{key}-{uuid.uuid4().hex[:6]}@example.com", display_name=key)
                session.add(user)
                await session.flush()
                attempt = m.AssessmentAttempt(
                    assessment_id=uuid.UUID(question.assessment_id), user_id=user.id, started_at=utcnow()
                )
                session.add(attempt)
                await session.flush()
                for index, (text, score) in enumerate(tries):
                    submission = m.Submission(
                        user_id=user.id,
                        language="python3",
                        files={"main.py": text},
                        status=m.SubmissionStatus.DONE if score is not None else m.SubmissionStatus.QUEUED,
                        score=score,
                    )
                    session.add(submission)
                    await session.flush()
                    session.add(
                        m.AssessmentSubmission(
                            attempt_id=attempt.id,
                            question_id=uuid.UUID(question.question_id),
                            submission_id=submission.id,
                        )
                    )
                    ids[f"{key}:{index}"] = submission.id
            await session.commit()
    finally:
        await engine.dispose()
    return ids


def filler_programs(count: int, seed: int = 7) -> list[str]:
    """Unrelated programs (random arithmetic, so no two share a run of tokens), to give a report some work."""
    rng = random.Random(seed)
    ops = ["+", "-", "*", "//", "%", "^", "|", "&"]
    out = []
    for _ in range(count):
        lines = ["x = int(input())"]
        for _ in range(rng.randint(6, 12)):
            a, b, c = rng.randint(2, 9999), rng.randint(2, 9999), rng.randint(2, 9999)
            lines.append(f"x = (x {rng.choice(ops)} {a}) {rng.choice(ops)} ({b} {rng.choice(ops)} {c})")
        lines.append("print(x)")
        out.append("\n".join(lines) + "\n")
    return out
