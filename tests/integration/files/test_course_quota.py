"""The course's quota holds across people: staff and students together cannot store more than it."""

from __future__ import annotations

import pytest
from litestar import Litestar

from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client
from tests.integration.files.support import remember_course, stored_nothing, upload


@pytest.fixture
def backend() -> str:
    return "local"


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    return {**settings_env, "FILES_COURSE_QUOTA_BYTES": "10240"}  # below two people's quotas (2 x 12288)


async def test_the_course_quota_counts_everyone_s_files(
    client: Client, cast: Cast, app: Litestar, settings: Settings
) -> None:
    remember_course(cast)
    for index in range(2):
        made = await upload(client, cast.instructor, f"data{index}.bin", b"d" * 4000, purpose="attachment")
        assert made.status_code == 201, made.text
    over = await upload(client, cast.ta, "more.bin", b"d" * 4000, purpose="attachment")
    assert over.status_code == 413
    assert "the course's quota of 10240 bytes" in over.json()["detail"]
    student = await upload(client, cast.student, "main.py", b"p" * 2300, purpose="submission_source")
    assert student.status_code == 413
    assert "the course's quota" in student.json()["detail"]
    assert await stored_nothing(app, settings, allow=2)
