"""A generated course for the dashboards' speed test and benchmark (and for a lived-in demo): students, problems
with several tests, submissions spread over past days with per-test results (later tests fail more often, wrong
outputs repeat), and assessments with attempts and answers. Rows go in with bulk inserts; the random source is
seeded, so the same arguments give the same course."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings

__all__ = ["DEMO_HISTORY_CODE", "GeneratedCourse", "generate_course", "seed_demo_history"]

_BATCH: Final = 2000
DEMO_HISTORY_CODE: Final = "DEMO-HIST"
_LANGUAGES: Final = ("python3", "python3", "cpp17", "java")
_WRONG: Final = ("0", "-1", "42", "", "1 2", "NaN")
_DIFFICULTIES: Final = ("easy", "medium", "hard")
_TAGS: Final = (("math",), ("strings",), ("greedy", "sorting"), ("graphs",), ("dp",), ("math", "implementation"))


@dataclass(frozen=True)
class GeneratedCourse:
    course_id: uuid.UUID
    instructor_id: uuid.UUID
    student_ids: list[uuid.UUID]
    problem_ids: list[uuid.UUID]
    assessment_ids: list[uuid.UUID]
    submissions: int


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _BATCH):
        await session.execute(insert(model), rows[start : start + _BATCH])


def _results(rng: random.Random, tests: int, skill: float, visible: int) -> tuple[list[dict[str, Any]], str, int]:
    results: list[dict[str, Any]] = []
    verdict = "AC"
    for index in range(tests):
        if verdict != "AC":
            results.append({"index": index, "verdict": "AC", "skipped": True, "cpu_ms": 0, "memory_kib": 0})
            continue
        fails = rng.random() > skill - index * 0.04
        case_verdict = rng.choice(("WA", "WA", "WA", "TLE", "RTE")) if fails else "AC"
        stdout = rng.choice(_WRONG) if case_verdict == "WA" and index < visible else None
        results.append(
            {
                "index": index,
                "verdict": case_verdict,
                "cpu_ms": rng.randint(5, 900),
                "memory_kib": rng.randint(4000, 60000),
                "stdout": stdout,
                "message": "wrong answer" if case_verdict == "WA" else "",
                "skipped": False,
            }
        )
        verdict = case_verdict
    passed = sum(1 for r in results if r["verdict"] == "AC" and not r["skipped"])
    return results, verdict, round(100 * passed / tests)


async def generate_course(
    session: AsyncSession,
    *,
    students: int,
    submissions: int,
    problems: int = 6,
    tests: int = 10,
    days: int = 60,
    seed: int = 15,
    code: str | None = None,
    title: str | None = None,
    course_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> GeneratedCourse:
    """Generate into a new course (or into ``course_id``: its students get the history). Commits nothing."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    now = now or datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    instructor = m.User(email=f"gen-instructor-{tag}@example.com", display_name="Generated Instructor")
    instructor.role = m.Role.INSTRUCTOR
    session.add(instructor)
    if course_id is None:
        course = m.Course(title=title or f"Generated course {tag}", code=code or f"GEN-{tag}", term="generated")
        session.add(course)
        await session.flush()
        course_id = course.id
    await session.flush()
    session.add(m.CourseMembership(course_id=course_id, user_id=instructor.id, role=m.CourseRole.INSTRUCTOR))
    student_ids = [uuid.uuid4() for _ in range(students)]
    await _bulk(
        session,
        m.User,
        [
            {"id": uid, "email": f"gen-{tag}-{i}@example.com", "display_name": f"Student {i + 1:04d}"}
            for i, uid in enumerate(student_ids)
        ],
    )
    await _bulk(
        session,
        m.CourseMembership,
        [{"course_id": course_id, "user_id": uid, "role": m.CourseRole.STUDENT} for uid in student_ids],
    )
    problem_ids = [uuid.uuid4() for _ in range(problems)]
    await _bulk(
        session,
        m.Problem,
        [
            {
                "id": pid,
                "slug": f"gen-{tag}-{i}",
                "title": f"Generated problem {i + 1}",
                "languages": list(set(_LANGUAGES)),
                "difficulty": _DIFFICULTIES[i % 3],
                "tags": list(_TAGS[i % len(_TAGS)]),
                "visibility": m.ProblemVisibility.PUBLISHED,
                "course_id": course_id,  # private to the course: the library stays as it was
            }
            for i, pid in enumerate(problem_ids)
        ],
    )
    await _bulk(
        session,
        m.CourseProblem,
        [{"course_id": course_id, "problem_id": pid, "position": i} for i, pid in enumerate(problem_ids)],
    )
    skill = {uid: rng.uniform(0.55, 1.05) for uid in student_ids}
    rows: list[dict[str, Any]] = []
    for _ in range(submissions):
        uid = rng.choice(student_ids)
        created = now - timedelta(days=rng.random() ** 1.5 * days, seconds=rng.randint(60, 3600))
        results, verdict, score = _results(rng, tests, skill[uid], visible=2)
        rows.append(
            {
                "id": uuid.uuid4(),
                "user_id": uid,
                "problem_id": rng.choice(problem_ids),
                "kind": m.SubmissionKind.SUBMISSION,
                "language": rng.choice(_LANGUAGES),
                "files": {},
                "status": m.SubmissionStatus.DONE,
                "verdict": verdict,
                "score": float(score),
                "cpu_ms": max(r["cpu_ms"] for r in results),
                "results": results,
                "created_at": created,
                "updated_at": created,
                "judged_at": created + timedelta(milliseconds=rng.lognormvariate(6.5, 0.8)),
            }
        )
    await _bulk(session, m.Submission, rows)
    assessment_ids = await _assessments(session, rng, course_id, student_ids, now)
    return GeneratedCourse(course_id, instructor.id, student_ids, problem_ids, assessment_ids, submissions)


async def _assessments(
    session: AsyncSession, rng: random.Random, course_id: uuid.UUID, student_ids: list[uuid.UUID], now: datetime
) -> list[uuid.UUID]:
    """Four quizzes due 5 weeks, 3 weeks and 1 week ago and in 3 days; most students sat the past ones."""
    ids: list[uuid.UUID] = []
    attempts: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for number, due_days in enumerate((-35, -21, -7, 3), start=1):
        due = now + timedelta(days=due_days)
        assessment = m.Assessment(
            course_id=course_id,
            kind="quiz" if number % 2 else "assignment",
            title=f"Quiz {number}",
            published=True,
            opens_at=due - timedelta(days=7),
            due_at=due,
            closes_at=due + timedelta(days=2),  # two days of late hand-ins
            late_penalty_mode="per_day",
            late_penalty_percent=10.0,
            score_visibility="on_publish",
            scores_published=due_days < 0,
        )
        session.add(assessment)
        await session.flush()
        ids.append(assessment.id)
        questions = []
        for position, weight in enumerate((1.0, 2.0)):
            question = m.AssessmentQuestion(
                assessment_id=assessment.id,
                position=position,
                weight=weight,
                type="short_answer" if position == 0 else "multiple_choice",
                config={"accepted": ["4"], "match": "exact", "tolerance": 0}
                if position == 0
                else {"options": ["a", "b", "c"], "correct": [0], "multiple": False},
            )
            session.add(question)
            questions.append(question)
        await session.flush()
        sat = 0.9 if due_days < 0 else 0.3
        for uid in student_ids:
            if rng.random() > sat:
                continue
            attempt_id = uuid.uuid4()
            started = min(now, due) - timedelta(hours=rng.uniform(1, 72))
            attempts.append(
                {
                    "id": attempt_id,
                    "assessment_id": assessment.id,
                    "user_id": uid,
                    "started_at": started,
                    "submitted_at": started + timedelta(minutes=20) if due_days < 0 else None,
                }
            )
            for question in questions:
                answers.append(
                    {
                        "attempt_id": attempt_id,
                        "question_id": question.id,
                        "auto_score": float(rng.random() < 0.7),
                        "saved_at": started,
                    }
                )
    await _bulk(session, m.AssessmentAttempt, attempts)
    await _bulk(session, m.AssessmentAnswer, answers)
    return ids


async def seed_demo_history(settings: Settings) -> list[str]:
    """For ``make dev``: a second demo course with two months of history (60 students, 3,000 submissions, four
    quizzes), taught by the demo instructor, with the demo student enrolled, so every dashboard has something to
    show. Once: nothing happens when the course exists."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            if await session.scalar(select(m.Course.id).where(m.Course.code == DEMO_HISTORY_CODE)) is not None:
                return []
            generated = await generate_course(
                session, students=60, submissions=3000, code=DEMO_HISTORY_CODE, title="Algorithms (demo history)"
            )
            for email, role in (("instructor@example.com", m.CourseRole.INSTRUCTOR), ("student@example.com", None)):
                user = await session.scalar(select(m.User).where(m.User.email == email))
                if user is not None:
                    session.add(
                        m.CourseMembership(
                            course_id=generated.course_id, user_id=user.id, role=role or m.CourseRole.STUDENT
                        )
                    )
            await session.commit()
            return [f"course {DEMO_HISTORY_CODE} (60 students, 3000 submissions of history)"]
    finally:
        await engine.dispose()
