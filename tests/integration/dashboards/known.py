"""A small course with known numbers (the tests compute every aggregate by hand from what is written here).

Students: A (the cast's student), B, C, D. Problem "Sum" (3 tests) in the course; submissions (today unless said):
  A: [AC, WA "3", AC], then [AC, AC, AC]       B: [AC, WA "3", TLE]            C: [AC, WA "4", skipped]
  D: one compile error 10 days ago (no tests)   A: one exam submission, still queued (linked to the exam)
  time to verdict of the four judged today: 1, 2, 3, 4 s.
Assessment "Quiz 1" (published, due yesterday, scores shown on publication, not published yet), a short answer and a
multiple choice, weight 1 each: A 1+1 (100), B 1+0 (50), C 0 and no MC (0), D never started (missed).
Also open now: "Exam 1" (exam, due in 2 h) and "Quiz 2" (quiz, due in 1 h)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Cast


@dataclass(frozen=True)
class Known:
    cast: Cast
    problem_id: uuid.UUID
    quiz_id: uuid.UUID
    exam_id: uuid.UUID
    quiz2_id: uuid.UUID
    b: uuid.UUID
    c: uuid.UUID
    d: uuid.UUID
    now: datetime


def case(index: int, verdict: str, stdout: str | None = None, *, skipped: bool = False) -> dict[str, Any]:
    return {"index": index, "verdict": verdict, "stdout": stdout, "message": "", "skipped": skipped}


async def build_known(settings: Settings, cast: Cast) -> Known:
    now = datetime.now(UTC).replace(microsecond=0)
    today = max(now - timedelta(minutes=5), now.replace(hour=0, minute=1, second=0))
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as s:
            people = []
            for name in ("Bea", "Cem", "Dan"):
                user = m.User(email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", display_name=name)
                s.add(user)
                people.append(user)
            await s.flush()
            for user in people:
                s.add(m.CourseMembership(course_id=cast.course_id, user_id=user.id, role=m.CourseRole.STUDENT))
            b, c, d = (u.id for u in people)
            a = cast.student.user_id
            assert a is not None
            problem = m.Problem(
                slug=f"sum-{uuid.uuid4().hex[:6]}",
                title="Sum",
                languages=["python3"],
                difficulty="easy",
                tags=["dash-math"],
                visibility=m.ProblemVisibility.PUBLISHED,
            )
            s.add(problem)
            await s.flush()
            s.add(m.CourseProblem(course_id=cast.course_id, problem_id=problem.id))

            def sub(
                user: uuid.UUID, results: list[dict[str, Any]], verdict: str, wait_s: int, **kw: Any
            ) -> m.Submission:
                created = kw.pop("created_at", today)
                row = m.Submission(
                    user_id=user,
                    problem_id=problem.id,
                    language="python3",
                    status=kw.pop("status", m.SubmissionStatus.DONE),
                    verdict=verdict,
                    score=100.0 if verdict == "AC" else 0.0,
                    results=results,
                    created_at=created,
                    judged_at=None if wait_s < 0 else created + timedelta(seconds=wait_s),
                    cpu_ms=kw.pop("cpu_ms", 100),
                    **kw,
                )
                s.add(row)
                return row

            earlier = today - timedelta(seconds=30)
            sub(a, [case(0, "AC"), case(1, "WA", "3"), case(2, "AC")], "WA", 1, created_at=earlier)
            sub(a, [case(0, "AC"), case(1, "AC"), case(2, "AC")], "AC", 2)
            sub(b, [case(0, "AC"), case(1, "WA", "3"), case(2, "TLE")], "WA", 3)
            sub(c, [case(0, "AC"), case(1, "WA", "4"), case(2, "AC", skipped=True)], "WA", 4)
            sub(d, [], "CE", -1, created_at=now - timedelta(days=10), status=m.SubmissionStatus.DONE, cpu_ms=None)
            exam_sub = sub(a, [], None, -1, status=m.SubmissionStatus.QUEUED, cpu_ms=None)  # type: ignore[arg-type]

            quiz = m.Assessment(
                course_id=cast.course_id,
                kind="quiz",
                title="Quiz 1",
                published=True,
                opens_at=now - timedelta(days=3),
                due_at=now - timedelta(days=1),
                score_visibility="on_publish",
            )
            exam = m.Assessment(
                course_id=cast.course_id,
                kind="exam",
                title="Exam 1",
                published=True,
                opens_at=now - timedelta(hours=1),
                due_at=now + timedelta(hours=2),
                time_limit_minutes=60,
            )
            quiz2 = m.Assessment(
                course_id=cast.course_id, kind="quiz", title="Quiz 2", published=True, due_at=now + timedelta(hours=1)
            )
            s.add_all([quiz, exam, quiz2])
            await s.flush()
            sa = m.AssessmentQuestion(
                assessment_id=quiz.id,
                position=0,
                type="short_answer",
                config={"accepted": ["4"], "match": "exact", "tolerance": 0},
            )
            mc = m.AssessmentQuestion(
                assessment_id=quiz.id,
                position=1,
                type="multiple_choice",
                config={"options": ["a", "b"], "correct": [0], "multiple": False},
            )
            code = m.AssessmentQuestion(
                assessment_id=exam.id, position=0, type="code", config={"problemId": str(problem.id)}
            )
            s.add_all([sa, mc, code])
            await s.flush()
            for uid, scores in ((a, (1.0, 1.0)), (b, (1.0, 0.0)), (c, (0.0, None))):
                attempt = m.AssessmentAttempt(
                    assessment_id=quiz.id,
                    user_id=uid,
                    started_at=now - timedelta(days=2),
                    submitted_at=now - timedelta(days=2, minutes=-30),
                )
                s.add(attempt)
                await s.flush()
                for question, value in zip((sa, mc), scores, strict=True):
                    if value is not None:
                        s.add(
                            m.AssessmentAnswer(
                                attempt_id=attempt.id, question_id=question.id, auto_score=value, saved_at=now
                            )
                        )
            exam_attempt = m.AssessmentAttempt(
                assessment_id=exam.id,
                user_id=a,
                started_at=now - timedelta(minutes=10),
                deadline=now + timedelta(minutes=50),
            )
            s.add(exam_attempt)
            await s.flush()
            s.add(m.AssessmentSubmission(attempt_id=exam_attempt.id, question_id=code.id, submission_id=exam_sub.id))
            await s.commit()
            return Known(cast, problem.id, quiz.id, exam.id, quiz2.id, b, c, d, now)
    finally:
        await engine.dispose()


@pytest.fixture
async def known(settings: Settings, cast: Cast) -> Known:
    return await build_known(settings, cast)
