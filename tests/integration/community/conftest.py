"""Fixtures of the community tests: the courses tests' cast (a course with a student, a TA and its instructor,
plus an outsider and an admin, signed in with Bearer tokens), a second student, and live-socket helpers."""

from __future__ import annotations

import pytest

from api.db import models as m
from api.settings import Settings
from tests.integration.accounts.conftest import MailSink, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.integration.courses.conftest import Caller, Cast, Client, cast, client, settings_env, sign_in  # noqa: F401 - fixtures


@pytest.fixture
async def classmate(client: Client, settings: Settings, cast: Cast) -> Caller:  # noqa: F811 - fixtures
    """A second student of the cast's course."""
    other = await sign_in(client, settings, "classmate", m.Role.STUDENT)
    join = await client.post("/api/courses/join", json={"code": cast.join_code}, headers=other.headers)
    assert join.status_code == 200, join.text
    return other
