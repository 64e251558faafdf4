"""Fixtures of the AI grading tests: the stand-in OpenAI server, settings pointing at it, and the courses tests'
six callers and their course."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.integration.accounts.conftest import INVITE_CODE, MailSink, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.integration.ai_grading.fake_openai import FakeOpenAI, serve_fake_openai
from tests.integration.courses.conftest import cast, client  # noqa: F401 - fixtures


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with serve_fake_openai() as fake:
        yield fake


@pytest.fixture
def settings_env(
    settings_env: dict[str, str],
    smtp_server: tuple[Controller, MailSink],  # noqa: F811 - the fixture, requested
    fake_openai: FakeOpenAI,
) -> dict[str, str]:
    return dict(
        settings_env,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_server[0].port),
        PUBLIC_URL="https://verdict.example.org",
        INSTRUCTOR_INVITE_CODE=INVITE_CODE,
        OPENAI_BASE_URL=fake_openai.url,
        OPENAI_API_KEY="sk-test-key",
        OPENAI_MODEL=fake_openai.model,
        OPENAI_TIMEOUT="1",
        OPENAI_MAX_RETRIES="2",
        OPENAI_RETRY_BASE="0",
        OPENAI_PRICE_INPUT_PER_MTOK="2.5",
        OPENAI_PRICE_OUTPUT_PER_MTOK="10",
    )
