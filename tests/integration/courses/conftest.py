"""Fixtures of the courses tests: the six kinds of caller (anonymous, outsider, student, TA, instructor, admin)
signed in the way API clients are (Bearer session tokens), and a course with one of each in it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.accounts.schemas import UserCreate
from api.domain.accounts.services import UserService
from api.settings import Settings
from tests.integration.accounts.conftest import MailSink, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.integration.accounts.conftest import settings_env as _accounts_env

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"
settings_env = _accounts_env


@dataclass(frozen=True)
class Caller:
    name: str
    user_id: uuid.UUID | None
    email: str | None
    headers: dict[str, str]


@dataclass(frozen=True)
class Cast:
    course_id: uuid.UUID
    join_code: str
    anonymous: Caller
    outsider: Caller
    student: Caller
    ta: Caller
    instructor: Caller
    admin: Caller

    @property
    def all(self) -> list[Caller]:
        return [self.anonymous, self.outsider, self.student, self.ta, self.instructor, self.admin]


async def make_account(settings: Settings, email: str, role: m.Role, name: str = "Test Person") -> uuid.UUID:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            user = await UserService(session=session).create_from(
                UserCreate(email=email, display_name=name, role=role, password=PASSWORD)
            )
            await session.commit()
            return user.id
    finally:
        await engine.dispose()


async def sign_in(client: Client, settings: Settings, name: str, role: m.Role) -> Caller:
    email = f"{name}-{uuid.uuid4().hex[:6]}@example.com"
    user_id = await make_account(settings, email, role, name=name.title())
    resp = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return Caller(name, user_id, email, {"Authorization": f"Bearer {resp.json()['accessToken']}"})


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def cast(client: Client, settings: Settings) -> Cast:
    return await build_cast(client, settings)


async def build_cast(client: Client, settings: Settings) -> Cast:
    """A course with a student, a TA and its instructor; plus an outsider, an admin and an anonymous caller."""
    instructor = await sign_in(client, settings, "instructor", m.Role.INSTRUCTOR)
    admin = await sign_in(client, settings, "admin", m.Role.ADMIN)
    outsider = await sign_in(client, settings, "outsider", m.Role.STUDENT)
    student = await sign_in(client, settings, "student", m.Role.STUDENT)
    ta = await sign_in(client, settings, "ta", m.Role.STUDENT)
    resp = await client.post(
        "/api/courses",
        json={"title": "Programming 1", "code": f"P1-{uuid.uuid4().hex[:6]}", "term": "2026 fall"},
        headers=instructor.headers,
    )
    assert resp.status_code == 201, resp.text
    course = resp.json()
    join = await client.post("/api/courses/join", json={"code": course["joinCode"]}, headers=student.headers)
    assert join.status_code == 200, join.text
    add = await client.post(
        f"/api/courses/{course['id']}/members", json={"email": ta.email, "role": "ta"}, headers=instructor.headers
    )
    assert add.status_code == 201, add.text
    return Cast(
        course_id=uuid.UUID(course["id"]),
        join_code=course["joinCode"],
        anonymous=Caller("anonymous", None, None, {}),
        outsider=outsider,
        student=student,
        ta=ta,
        instructor=instructor,
        admin=admin,
    )
