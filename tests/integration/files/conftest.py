"""Fixtures of the files tests: the courses tests' callers and course, small caps so limits are reached with small
bodies, and the storage back end as a parameter (``local`` disk, or ``s3`` against moto's S3 server on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.courses.conftest import cast, client  # noqa: F401 - fixtures
from tests.support.s3 import LocalS3, local_s3

SMALL_CAPS = {
    "FILES_MAX_FILE_BYTES": "4096",
    "FILES_MAX_ANSWER_BYTES": "6144",
    "FILES_USER_QUOTA_BYTES": "12288",
    "FILES_COURSE_QUOTA_BYTES": "1048576",
    "FILES_MAX_ZIP_MEMBERS": "20",
}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[LocalS3]:
    with local_s3() as server:
        yield server


def s3_env(server: LocalS3, prefix: str) -> dict[str, str]:
    return {
        "FILES_STORAGE": "s3",
        "FILES_S3_BUCKET": server.bucket,
        "FILES_S3_ENDPOINT_URL": server.endpoint_url,
        "FILES_S3_REGION": server.region,
        "FILES_S3_ACCESS_KEY_ID": server.access_key_id,
        "FILES_S3_SECRET_ACCESS_KEY": server.secret_access_key,
        "FILES_S3_PREFIX": prefix,
    }


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_env(
    settings_env: dict[str, str], backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> dict[str, str]:
    env = dict(settings_env, **SMALL_CAPS)
    if backend == "s3":
        env.update(s3_env(request.getfixturevalue("s3_server"), f"t-{tmp_path.name}"))
    return env
