"""Shared fixtures.

Unit tests need nothing. Integration tests get a real PostgreSQL and a real Redis, started once per session on free
ports (``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` point at existing servers instead) and stopped afterwards. Each test
gets a fresh database cloned from a migrated template, and an empty Redis.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from api.lib.redis_server import EmbeddedRedis
from api.settings import Settings
from tests.support.postgres import EphemeralPostgres

TEMPLATE_DB = "verdict_template"


def _plain_pg_url(url: str, database: str) -> str:
    base = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    return base.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of the session's PostgreSQL server (any database name; tests clone their own)."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    server = EphemeralPostgres()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis | None]:
    if os.environ.get("TEST_REDIS_URL"):
        yield None
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server_url(redis_server: EmbeddedRedis | None) -> str:
    return os.environ.get("TEST_REDIS_URL") or (redis_server.url if redis_server else "")


@pytest.fixture(scope="session")
async def migrated_template(postgres_server_url: str) -> str:
    """A database migrated to head once per session; each test clones it (fast, and truly clean)."""
    from api.db.migrate import upgrade_async

    admin = await asyncpg.connect(_plain_pg_url(postgres_server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    finally:
        await admin.close()
    url = _plain_pg_url(postgres_server_url, TEMPLATE_DB).replace("postgresql://", "postgresql+asyncpg://", 1)
    await upgrade_async(url)
    return TEMPLATE_DB


@pytest.fixture
async def database_url(postgres_server_url: str, migrated_template: str) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(_plain_pg_url(postgres_server_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    finally:
        await admin.close()
    yield _plain_pg_url(postgres_server_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)
    admin = await asyncpg.connect(_plain_pg_url(postgres_server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def redis_url(redis_server_url: str) -> str:
    client = Redis.from_url(redis_server_url)
    await client.flushall()
    await client.aclose()
    return redis_server_url


@pytest.fixture
def settings_env(database_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "VERDICT_ENV": "test",
        "VERDICT_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "JUDGE_TOKEN": "test-judge-token-" + "y" * 32,
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def settings(settings_env: dict[str, str]) -> Settings:
    return Settings.from_env(settings_env)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    from api.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/integration are integration tests, whatever else they are marked."""
    for item in items:
        if "/tests/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)
