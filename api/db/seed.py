"""Seed data: practice problems for every installation, demo accounts for ``verdict dev`` only.

Idempotent: running it again creates only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed_assessments import seed_demo_assessments
from api.db.seed_course import seed_demo_course
from api.db.seed_grading import seed_demo_rubric
from api.domain.problems.testsets import manifest_of
from api.lib.crypto import hash_password
from api.settings import Settings
from judge_worker.contracts import TestCaseData, TestSetData, pack_testset

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "PRACTICE_PROBLEMS", "seed", "seed_session"]

DEMO_PASSWORD: Final = "verdict-demo"  # noqa: S105 - the documented demo password, dev only
DEMO_ACCOUNTS: Final = (
    ("admin@example.com", "Ada Admin", m.Role.ADMIN),
    ("instructor@example.com", "Ines Instructor", m.Role.INSTRUCTOR),
    ("student@example.com", "Sam Student", m.Role.STUDENT),
)
ALL_LANGUAGES: Final = ("python3", "c", "cpp17", "cpp20", "java", "javascript")


@dataclass(frozen=True)
class PracticeProblem:
    slug: str
    title: str
    statement: str
    tests: tuple[tuple[str, str], ...]
    samples: int = 1
    difficulty: str = "easy"
    tags: tuple[str, ...] = field(default_factory=tuple)


PRACTICE_PROBLEMS: Final = (
    PracticeProblem(
        slug="aplusb",
        title="A + B",
        statement=(
            "Read two integers $a$ and $b$ and print their sum.\n\n"
            "## Input\nOne line with two integers $a$ and $b$ ($-10^9 \\le a, b \\le 10^9$).\n\n"
            "## Output\nOne line with $a + b$."
        ),
        tests=(("1 2\n", "3\n"), ("-5 5\n", "0\n"), ("1000000000 1000000000\n", "2000000000\n"), ("7 -9\n", "-2\n")),
        tags=("math", "beginner"),
    ),
    PracticeProblem(
        slug="reverse-words",
        title="Reverse the words",
        statement=(
            "Read one line of words separated by single spaces and print the words in reverse order.\n\n"
            "## Input\nOne line of at most 1000 characters.\n\n## Output\nThe same words, last first."
        ),
        tests=(
            ("hello world\n", "world hello\n"),
            ("one\n", "one\n"),
            ("a b c d e\n", "e d c b a\n"),
            ("judge all the things\n", "things the all judge\n"),
        ),
        tags=("strings",),
    ),
    PracticeProblem(
        slug="sum-of-n",
        title="Sum of N numbers",
        statement=(
            "Read $n$ and then $n$ integers; print their sum.\n\n"
            "## Input\nThe first line holds $n$ ($1 \\le n \\le 2 \\cdot 10^5$); the second line $n$ integers of "
            "absolute value at most $10^9$.\n\n## Output\nThe sum (it may not fit in 32 bits)."
        ),
        tests=(
            ("3\n1 2 3\n", "6\n"),
            ("1\n-7\n", "-7\n"),
            ("5\n1000000000 1000000000 1000000000 1000000000 1000000000\n", "5000000000\n"),
            ("4\n-1 1 -1 1\n", "0\n"),
        ),
        difficulty="medium",
        tags=("math", "overflow"),
    ),
)


async def seed(settings: Settings, *, demo: bool) -> list[str]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            created = await seed_session(session, demo=demo)
            await session.commit()
    finally:
        await engine.dispose()
    return created


async def seed_session(session: AsyncSession, *, demo: bool) -> list[str]:
    created: list[str] = []
    author: m.User | None = None
    if demo:
        password_hash = hash_password(DEMO_PASSWORD)
        for email, name, role in DEMO_ACCOUNTS:
            user = await session.scalar(select(m.User).where(m.User.email == email))
            if user is None:
                user = m.User(email=email, display_name=name, role=role, password_hash=password_hash)
                session.add(user)
                created.append(f"user {email}")
            if role is m.Role.INSTRUCTOR:
                author = user
        await session.flush()
    for problem in PRACTICE_PROBLEMS:
        if await session.scalar(select(m.Problem.id).where(m.Problem.slug == problem.slug)) is not None:
            continue
        digest = await _store_testset(session, problem)
        session.add(
            m.Problem(
                slug=problem.slug,
                title=problem.title,
                statement_md=problem.statement,
                time_limit_ms=1000,
                memory_limit_mb=256,
                languages=list(ALL_LANGUAGES),
                checker={"kind": "default"},
                visibility=m.ProblemVisibility.PUBLISHED,
                difficulty=problem.difficulty,
                tags=list(problem.tags),
                author_id=author.id if author else None,
                testset_digest=digest,
            )
        )
        created.append(f"problem {problem.slug}")
    await session.flush()
    if demo:
        created += await seed_demo_course(session, tuple(p.slug for p in PRACTICE_PROBLEMS))
        created += await seed_demo_assessments(session, PRACTICE_PROBLEMS[0].slug)
        created += await seed_demo_rubric(session)
    return created


async def _store_testset(session: AsyncSession, problem: PracticeProblem) -> str:
    tests = tuple(
        TestCaseData(
            name=f"{index + 1:02d}",
            input=given.encode(),
            expected=expected.encode(),
            points=1.0,
            visibility="visible" if index < problem.samples else "hidden",
            sample=index < problem.samples,
        )
        for index, (given, expected) in enumerate(problem.tests)
    )
    data = TestSetData(tests=tests)
    digest, packed = pack_testset(data)
    if await session.get(m.TestSet, digest) is None:
        session.add(
            m.TestSet(
                digest=digest,
                data=packed,
                size_bytes=len(packed),
                test_count=len(tests),
                manifest=manifest_of(data),  # what the problems API reads: tests, samples' text, previews
            )
        )
        await session.flush()  # the problem row refers to it
    return digest
