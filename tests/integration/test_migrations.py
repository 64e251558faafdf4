"""Models and migrations agree, on PostgreSQL and on the embedded SQLite default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from api.db.migrate import upgrade_async
from api.db.models import metadata


def _diff(connection: Connection, *, compare_type: bool = True) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
    return list(compare_metadata(context, metadata))


async def test_migrations_on_fresh_postgres_match_the_models(database_url: str) -> None:
    # database_url is cloned from a template that ran every migration from an empty database.
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert diff == []
    assert set(metadata.tables) <= tables


async def test_migrations_on_sqlite_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'v.db'}"
    await upgrade_async(url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            # SQLite reflects advanced-alchemy's GUID as NUMERIC, so types are compared on PostgreSQL only.
            diff = await conn.run_sync(lambda c: _diff(c, compare_type=False))
    finally:
        await engine.dispose()
    assert diff == []


async def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'v.db'}"
    await upgrade_async(url)
    await upgrade_async(url)


def test_migrations_have_one_head() -> None:
    """Work done in parallel is merged into one line: two heads mean a missing merge (or a wrong down_revision)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[2]
    config = Config()
    config.set_main_option("script_location", str(root / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"more than one migration head: {sorted(heads)}"
