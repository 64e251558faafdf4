"""Fixtures of the accounts tests: a real local SMTP server capturing mail, accounts made straight in the database,
and helpers that sign in the way API clients and browsers do."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.accounts.schemas import UserCreate
from api.domain.accounts.services import UserService
from api.lib.redis_server import find_free_port
from api.settings import Settings

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"  # passes the policy
INVITE_CODE = "let-me-teach-2026"
MAIL_TOKEN = re.compile(r"vmt_[A-Za-z0-9_-]{20,}")


@dataclass
class MailSink:
    """An aiosmtpd handler that keeps every message it receives."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [msg for msg in self.messages if address.lower() in str(msg["To"]).lower()]

    async def wait_for(self, address: str, *, count: int = 1) -> list[EmailMessage]:
        """The messages to ``address`` once there are ``count`` (mail is sent after the response, in the background)."""
        for _ in range(250):  # 5 s; the SMTP server runs in its own thread, so poll
            if len(self.to(address)) >= count:
                return self.to(address)
            await asyncio.sleep(0.02)
        raise AssertionError(f"no mail to {address}; got mail to {[m['To'] for m in self.messages]}")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


def mail_token(message: EmailMessage) -> str:
    found = MAIL_TOKEN.search(text_of(message))
    assert found, text_of(message)
    return found.group(0)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, MailSink]]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=find_free_port())
    controller.start()
    try:
        yield controller, sink
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Controller, MailSink]) -> MailSink:
    sink = smtp_server[1]
    sink.messages.clear()
    return sink


@pytest.fixture
def settings_env(settings_env: dict[str, str], smtp_server: tuple[Controller, MailSink]) -> dict[str, str]:
    controller = smtp_server[0]
    return dict(
        settings_env,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(controller.port),
        SMTP_FROM="Verdict <no-reply@verdict.example.org>",
        PUBLIC_URL="https://verdict.example.org",
        INSTRUCTOR_INVITE_CODE=INVITE_CODE,
    )


MakeUser = Callable[..., Awaitable[m.User]]


@pytest.fixture
async def make_user(settings: Settings) -> AsyncIterator[MakeUser]:
    """Create an account directly in the test database (no mail round trip)."""
    engine = create_engine(settings)

    async def make(
        email: str, *, role: m.Role = m.Role.STUDENT, password: str = PASSWORD, name: str = "Test Person"
    ) -> m.User:
        async with session_factory(engine)() as session:
            user = await UserService(session=session).create_from(
                UserCreate(email=email, display_name=name, role=role, password=password)
            )
            await session.commit()
            return user

    yield make
    await engine.dispose()


@pytest.fixture
async def set_active(settings: Settings) -> AsyncIterator[Callable[[UUID, bool], Awaitable[None]]]:
    engine = create_engine(settings)

    async def apply(user_id: UUID, active: bool) -> None:
        async with session_factory(engine)() as session:
            user = await session.get(m.User, user_id)
            assert user is not None
            user.is_active = active
            await session.commit()

    yield apply
    await engine.dispose()


async def login(client: Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    resp = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def signed_in(client: Client, make_user: MakeUser, email: str, role: m.Role = m.Role.STUDENT) -> dict[str, str]:
    """Make an account and sign it in; returns the Authorization header."""
    await make_user(email, role=role)
    return bearer((await login(client, email))["accessToken"])
