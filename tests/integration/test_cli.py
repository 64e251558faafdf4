"""The `verdict` command, run as operators run it: a real process against a real database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.lib.redis_server import find_free_port

VERDICT = [sys.executable, "-m", "api.cli"]


def _run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VERDICT, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _base_env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "VERDICT_DATA_DIR": str(tmp_path / "var"), "HOME": str(tmp_path)}


@pytest.mark.parametrize(
    "args", [[], ["dev"], ["serve"], ["migrate"], ["seed"], ["worker"], ["worker", "judge"], ["worker", "tasks"]]
)
def test_every_command_has_help(args: list[str], tmp_path: Path) -> None:
    result = _run([*args, "--help"], _base_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "usage: verdict" in result.stdout


def test_migrate_then_seed_on_sqlite_is_idempotent(tmp_path: Path) -> None:
    env = _base_env(tmp_path)
    migrated = _run(["migrate"], env)
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "var" / "verdict.db").is_file()
    first = _run(["seed"], env)
    assert first.returncode == 0, first.stderr
    assert "problem aplusb" in first.stdout
    assert "user " not in first.stdout  # demo accounts only with --demo (verdict dev)
    again = _run(["seed"], env)
    assert again.returncode == 0, again.stderr
    assert "nothing new" in again.stdout


def test_seed_on_postgres(database_url: str, tmp_path: Path) -> None:
    env = dict(_base_env(tmp_path), DATABASE_URL=database_url)
    result = _run(["seed", "--demo"], env)
    assert result.returncode == 0, result.stderr
    assert "user admin@example.com" in result.stdout
    assert "problem sum-of-n" in result.stdout


def test_a_malformed_setting_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    env = dict(_base_env(tmp_path), DATABASE_URL="postgresql://db:port/x")
    result = _run(["migrate"], env)
    assert result.returncode == 2
    assert "DATABASE_URL is not a valid URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_dev_runs_everything_and_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
    port = find_free_port()
    tag = f"dev-test-{os.getpid()}"
    env = dict(
        _base_env(tmp_path),
        PORT=str(port),
        # Its own sandbox, apart from any other on this host (a developer's `make dev`, other test fleets).
        SANDBOX_RUN_DIR=f"/run/verdict-{tag}",
        SANDBOX_CGROUP_ROOT=f"verdict-{tag}",
        SANDBOX_UID="61900",
        SANDBOX_GID="61900",
        SANDBOX_LANGUAGES="python3",
    )
    # Output goes to a file, not a pipe: a pipe nobody reads until the end fills up and blocks every process.
    log_path = tmp_path / "dev.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [*VERDICT, "dev"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    try:
        try:
            ready = _wait_json(f"http://127.0.0.1:{port}/ready", lambda body: body["judge"]["workers"] >= 1, 120)
        except AssertionError as exc:
            said = log_path.read_text(errors="replace")[-4000:]
            raise AssertionError(f"{exc}\n--- verdict dev said ---\n{said}") from None
        assert ready["database"]["ok"]
        assert ready["redis"]["ok"]
        # The judge can register before dev prints its banner (it polls /health every 0.2 s): wait for what the
        # person reads, so Ctrl-C does not race the banner.
        deadline = time.monotonic() + 30
        while "verdict-demo" not in log_path.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # leave nothing behind, then fail
            proc.wait()
            pytest.fail(f"verdict dev did not stop within 60 s of Ctrl-C:\n{log_path.read_text()[-3000:]}")
    output = log_path.read_text(errors="replace")
    run_dir = Path(env["SANDBOX_RUN_DIR"])
    if not any(line.split()[1].startswith(str(run_dir)) for line in Path("/proc/mounts").read_text().splitlines()):
        shutil.rmtree(run_dir, ignore_errors=True)  # only the lock and the cached jail init are left
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}" in output
    assert "student@example.com" in output
    assert "verdict-demo" in output
    # Every child (API, api-tasks, judge, embedded Redis) has gone with it.
    leftovers = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True, check=False)
    assert leftovers.stdout.strip() == ""


def _wait_json(url: str, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
    import json

    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                body: dict[str, Any] = json.loads(resp.read())
                if predicate(body):
                    return body
                last = body
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise AssertionError(f"{url} did not become ready: {last}")
