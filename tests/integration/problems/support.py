"""Helpers shared by the problems and submissions integration tests: people with tokens, clients on a given Redis,
packages uploaded the way CI does, and a judge's report recorded without a judge."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.accounts.services import ApiTokenService
from api.domain.assessments.visibility import owner_hidden_until
from api.domain.submissions.judging import publish_final, record_report
from api.settings import Settings
from judge_worker.contracts import CaseResult, JudgeReport, Verdict
from tests.packages import package_files, zip_bytes

Client = AsyncTestClient[Litestar]

# Generous limits, so that tests about something else never meet them; the fairness tests set their own.
ROOMY_LIMITS = {"SUBMISSION_RATE_PER_MINUTE": "1000", "RUN_RATE_PER_MINUTE": "1000", "SUBMISSION_MAX_QUEUED": "1000"}


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    token: str
    role: m.Role

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class People:
    instructor: Person
    student: Person
    other: Person  # another student
    reader: Person  # an instructor's token with only the 'read' scope


async def make_people(settings: Settings) -> People:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            tokens = ApiTokenService(session=session)

            async def person(role: m.Role, scopes: list[m.ApiScope]) -> Person:
                user = m.User(email=f"{role.value}-{uuid.uuid4().hex[:8]}@example.com", display_name="T", role=role)
                session.add(user)
                await session.flush()
                _, raw = await tokens.create_token(user=user, name="tests", scopes=scopes, expires_at=None)
                return Person(user_id=user.id, token=raw, role=role)

            staff_scopes = [m.ApiScope.READ, m.ApiScope.PROBLEMS_WRITE, m.ApiScope.SUBMISSIONS_WRITE]
            student_scopes = [m.ApiScope.READ, m.ApiScope.SUBMISSIONS_WRITE]
            people = People(
                instructor=await person(m.Role.INSTRUCTOR, staff_scopes),
                student=await person(m.Role.STUDENT, student_scopes),
                other=await person(m.Role.STUDENT, student_scopes),
                reader=await person(m.Role.INSTRUCTOR, [m.ApiScope.READ]),
            )
            await session.commit()
            return people
    finally:
        await engine.dispose()


@asynccontextmanager
async def app_client(settings_env: dict[str, str], **overrides: str) -> AsyncIterator[tuple[Client, Settings]]:
    """An in-process app and client on ``settings_env`` with ``overrides`` (e.g. the fleet's REDIS_URL)."""
    from api.app import create_app

    settings = Settings.from_env({**settings_env, **ROOMY_LIMITS, **overrides})
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client, settings


async def push(
    client: Client,
    person: Person,
    slug: str,
    files: dict[str, bytes] | str,
    *,
    validate: bool = False,
    check_inputs: bool | None = None,
    archive: bytes | None = None,
) -> Any:
    """PUT a package the way ``verdict push`` does; returns the response."""
    if archive is None:
        archive = zip_bytes(package_files(files) if isinstance(files, str) else files)
    query = ["validate=true"] if validate else []
    if check_inputs is not None:
        query.append(f"check_inputs={'true' if check_inputs else 'false'}")
    return await client.put(
        f"/api/problems/{slug}/package" + ("?" + "&".join(query) if query else ""),
        content=archive,
        headers={**person.headers, "Content-Type": "application/zip"},
    )


async def counts(settings: Settings) -> dict[str, int]:
    """How many rows the problem-side tables hold (to show a failed upload stored nothing)."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            result: dict[str, int] = {}
            for name, model in (
                ("problems", m.Problem),
                ("testsets", m.TestSet),
                ("packages", m.ProblemPackage),
                ("submissions", m.Submission),
            ):
                result[name] = int(await session.scalar(select(func.count()).select_from(model)) or 0)
            return result
    finally:
        await engine.dispose()


def leftovers(settings: Settings) -> list[Path]:
    """Files left in the API's temporary directory (uploads must leave none, whatever happened)."""
    root = settings.data_dir / "tmp"
    return sorted(root.rglob("*")) if root.exists() else []


async def teach(settings: Settings, people: People, *problems: str) -> uuid.UUID:
    """A course that the instructor (and the read-only instructor) teach, with both students in it and ``problems``
    (slugs or ids) in its problem set: instructors see the submissions of the courses they teach only (#11)."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            course = m.Course(title="Tests", code=f"T-{uuid.uuid4().hex[:8]}")
            session.add(course)
            await session.flush()
            for person, role in (
                (people.instructor, m.CourseRole.INSTRUCTOR),
                (people.reader, m.CourseRole.INSTRUCTOR),
                (people.student, m.CourseRole.STUDENT),
                (people.other, m.CourseRole.STUDENT),
            ):
                session.add(m.CourseMembership(course_id=course.id, user_id=person.user_id, role=role))
            for name in problems:
                try:
                    problem = await session.get(m.Problem, uuid.UUID(name))
                except ValueError:
                    problem = await session.scalar(select(m.Problem).where(m.Problem.slug == name))
                assert problem is not None, name
                session.add(m.CourseProblem(course_id=course.id, problem_id=problem.id))
            await session.commit()
            return course.id
    finally:
        await engine.dispose()


async def record_judged(
    settings: Settings,
    submission_id: str,
    *,
    verdict: Verdict = Verdict.WA,
    score: float = 37.5,
    attempt: int = 1,
    message: str = "",
    publish: bool = True,
) -> None:
    """Record a judge's report for the submission (two tests, the second with ``verdict``) and, unless ``publish``
    is off (a lost final event), publish its final event, as api-tasks does."""
    report = JudgeReport(
        submission_id=uuid.UUID(submission_id),
        attempt=attempt,
        verdict=verdict,
        score=score,
        cpu_ms=12,
        memory_kib=9000,
        message=message,
        cases=(CaseResult(index=0, verdict=Verdict.AC, cpu_ms=12), CaseResult(index=1, verdict=verdict, cpu_ms=11)),
    )
    engine = create_engine(settings)
    redis = Redis.from_url(settings.redis_url)
    try:
        async with session_factory(engine)() as session:
            recorded = await record_report(session, report)
            assert recorded is not None
            hidden_until = await owner_hidden_until(session, recorded)
        if publish:
            await publish_final(redis, recorded, seq=5, hidden_until=hidden_until)
    finally:
        await redis.aclose()
        await engine.dispose()
