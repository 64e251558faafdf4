"""`verdict users create` and `verdict tokens create`, run as operators run them, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.accounts.conftest import Client, login

VERDICT = [sys.executable, "-m", "api.cli"]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VERDICT, *args], env=env, capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL
    )


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "VERDICT_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
    }


async def test_the_first_admin_and_a_token_from_the_shell(client: Client, env: dict[str, str]) -> None:
    made = _run(
        ["users", "create", "--email", "Root@Example.com", "--role", "admin", "--password", "fleet keeper 2026"], env
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "created admin root@example.com"
    tokens = await login(client, "root@example.com", "fleet keeper 2026")
    assert tokens["user"]["role"] == "admin"

    minted = _run(["tokens", "create", "--email", "root@example.com", "--scope", "read", "--scope", "judge0"], env)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    assert token.startswith("vdt_")
    assert "\n" not in token  # only the token, so TOKEN=$(verdict tokens create ...) works
    me = await client.get("/api/me", headers={"X-Auth-Token": token})
    assert me.status_code == 200
    assert me.json()["email"] == "root@example.com"


def _in_process(
    args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """The same command run in this process (no interpreter start-up): for the many small error cases."""
    from api.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_without_a_terminal_a_password_is_generated_and_shown_once(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _in_process(
        ["users", "create", "--email", "ines@example.com", "--role", "instructor", "--name", "Ines"],
        env,
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert "generated password (shown once): " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "--email", "x@example.com", "--role", "admin", "--password", "short"], "at least 10"),
        (["users", "create", "--email", "not-an-address", "--role", "admin", "--password", "long enough pw"], "@-sign"),
        (["tokens", "create", "--email", "nobody@example.com", "--scope", "read"], "no account has the address"),
        (["tokens", "create", "--email", "x@example.com", "--scope", "read", "--expires-days", "0"], "between 1 and"),
    ],
)
def test_mistakes_are_one_clear_line(
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, _out, err = _in_process(args, env, monkeypatch, capsys)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_a_taken_address_and_a_forbidden_scope_are_refused(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    create = ["users", "create", "--email", "sam@example.com", "--role", "student"]
    assert _in_process(create, env, monkeypatch, capsys)[0] == 0
    code, _out, err = _in_process(create, env, monkeypatch, capsys)
    assert code == 1
    assert "already exists" in err
    scoped = ["tokens", "create", "--email", "sam@example.com", "--scope", "problems:write"]
    code, _out, err = _in_process(scoped, env, monkeypatch, capsys)
    assert code == 1
    assert "cannot create tokens with scope problems:write" in err
    code, _out, err = _in_process(
        ["tokens", "create", "--email", "sam@example.com", "--scope", "root"], env, monkeypatch, capsys
    )
    assert code == 2  # argparse names the valid choices
    assert "invalid choice" in err
