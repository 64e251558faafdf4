from __future__ import annotations

import subprocess
import sys

import pytest

from api.settings import Environment, Settings, SettingsError

STRONG = "s" * 40


def test_embedded_defaults_when_nothing_is_set(tmp_path: object) -> None:
    settings = Settings.from_env({"VERDICT_DATA_DIR": "/tmp/verdict-x"})
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.database_url == "sqlite+aiosqlite:////tmp/verdict-x/verdict.db"
    assert settings.uses_embedded_redis
    assert settings.port == 8000
    assert settings.secret_key.startswith("dev-insecure-")


def test_postgres_url_gets_the_async_driver() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u:p@db:5432/verdict"})
    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/verdict"
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL is not a valid URL: scheme 'mysql'"),
        ({"DATABASE_URL": "postgresql://db:notaport/v"}, "DATABASE_URL is not a valid URL:"),
        ({"DATABASE_URL": "postgresql:///nohost"}, "DATABASE_URL is not a valid URL: it names no host"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL is not a valid URL"),
        ({"PORT": "eighty"}, "PORT must be a whole number, got 'eighty'"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535, got 70000"),
        ({"DATABASE_ECHO": "maybe"}, "DATABASE_ECHO must be true or false"),
        ({"VERDICT_ENV": "staging"}, "VERDICT_ENV must be one of development, test, production"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
    ],
)
def test_malformed_values_are_named_with_what_is_wrong(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_production_refuses_to_start_without_secrets() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY and JUDGE_TOKEN must be set in production"):
        Settings.from_env({"VERDICT_ENV": "production"})
    with pytest.raises(SettingsError, match="JUDGE_TOKEN must be set"):
        Settings.from_env({"VERDICT_ENV": "production", "SECRET_KEY": STRONG})


def test_production_refuses_weak_secrets() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY is too weak"):
        Settings.from_env({"VERDICT_ENV": "production", "SECRET_KEY": "short", "JUDGE_TOKEN": STRONG})


def test_production_accepts_strong_secrets() -> None:
    settings = Settings.from_env(
        {"VERDICT_ENV": "production", "SECRET_KEY": STRONG, "JUDGE_TOKEN": "j" * 40, "REDIS_URL": "redis://r:6379/0"}
    )
    assert settings.is_production
    assert settings.log_json


def test_importing_the_app_reads_no_environment() -> None:
    """Settings are read at start-up, never at import time: a broken variable must not break an import."""
    code = "import api.app, api.tasks, api.cli, judge_worker.main; print('ok')"
    env = {"DATABASE_URL": "mysql://broken", "PORT": "nope", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
