"""The demo course's assessments (``verdict seed --demo``): a quiz with a multiple-choice and a short-answer
question, and an assignment with a code question on the first practice problem. Idempotent: each is created once,
by title; an instructor's later changes are left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.db.seed_course import DEMO_COURSE_CODE

__all__ = ["DEMO_ASSIGNMENT", "DEMO_QUIZ", "seed_demo_assessments"]

DEMO_QUIZ: Final = "Warm-up quiz"
DEMO_ASSIGNMENT: Final = "Assignment 1: first programs"


def _quiz_questions() -> list[tuple[str, str, float, dict[str, Any]]]:
    return [
        (
            "multiple_choice",
            "Which of these are **prime**?",
            2.0,
            {"options": ["2", "4", "7", "9"], "correct": [0, 2], "multiple": True},
        ),
        (
            "short_answer",
            "What does `print(3 * 4)` print in Python?",
            1.0,
            {"accepted": ["12"], "match": "numeric", "tolerance": 0.0},
        ),
    ]


async def seed_demo_assessments(session: AsyncSession, first_problem_slug: str) -> list[str]:
    created: list[str] = []
    course = await session.scalar(select(m.Course).where(m.Course.code == DEMO_COURSE_CODE))
    if course is None:
        return created
    titles = set(await session.scalars(select(m.Assessment.title).where(m.Assessment.course_id == course.id)))
    now = datetime.now(UTC).replace(microsecond=0)
    if DEMO_QUIZ not in titles:
        quiz = m.Assessment(
            course_id=course.id,
            kind="quiz",
            title=DEMO_QUIZ,
            instructions_md="Two short questions. Your score is shown **as soon as you hand in**.",
            published=True,
            score_visibility="immediate",
            time_limit_minutes=15,
        )
        session.add(quiz)
        await session.flush()
        for position, (kind, prompt, weight, config) in enumerate(_quiz_questions()):
            session.add(
                m.AssessmentQuestion(
                    assessment_id=quiz.id, position=position, weight=weight, type=kind, prompt_md=prompt, config=config
                )
            )
        created.append(f"assessment {DEMO_QUIZ}")
    problem = await session.scalar(select(m.Problem).where(m.Problem.slug == first_problem_slug))
    if DEMO_ASSIGNMENT not in titles and problem is not None:
        assignment = m.Assessment(
            course_id=course.id,
            kind="assignment",
            title=DEMO_ASSIGNMENT,
            instructions_md="Solve the problem. Late work loses 10 % per started day; the best try counts.",
            published=True,
            due_at=now + timedelta(days=14),
            closes_at=now + timedelta(days=21),
            late_penalty_mode="per_day",
            late_penalty_percent=10.0,
            score_visibility="after_due",
        )
        session.add(assignment)
        await session.flush()
        session.add(
            m.AssessmentQuestion(
                assessment_id=assignment.id,
                position=0,
                weight=1.0,
                type="code",
                prompt_md=f"Solve **{problem.title}**.",
                config={
                    "problemId": str(problem.id),
                    "languages": [],
                    "maxAttempts": None,
                    "penalties": [0, 5, 10, 20],
                    "count": "best",
                },
            )
        )
        created.append(f"assessment {DEMO_ASSIGNMENT}")
    await session.flush()
    return created
