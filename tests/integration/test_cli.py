"""The `verdict` command, run as operators run it: a real process against a real database."""

from __future__ import annotations

import os
import re
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
from sandbox._sys import mount_points_under, umount
from tests.integration.fleet.test_docker_fleet import sweep_cgroups

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
def test_dev_runs_everything_restarts_what_dies_and_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
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
        JUDGE_HEARTBEAT_TTL="3",
        VERDICT_DEV_MAX_CRASHES="2",  # the second crash of one child within the window: give up on it
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
    ready_url = f"http://127.0.0.1:{port}/ready"
    try:
        try:
            ready = _wait_json(ready_url, lambda body: body["judge"]["workers"] >= 1, 120)
            assert ready["database"]["ok"]
            assert ready["redis"]["ok"]
            # The judge can register before dev prints its banner: wait for what the person reads first.
            _wait_log(log_path, "verdict-demo", 30)
            # Each child killed (SIGKILL) comes back, with a line that says why.
            for name in ("api-tasks", "judge", "redis", "api"):
                pid = _child_pid(log_path, name, "started")
                os.kill(pid, signal.SIGKILL)
                _wait_log(log_path, f"verdict dev: {name} stopped unexpectedly (killed by signal SIGKILL)", 30)
                new_pid = _child_pid(log_path, name, "restarted", within=30)
                assert new_pid != pid
            # The new judge worker is up (its own start-up line: host check and self-tests passed).
            _wait_log(log_path, "", 90, until=lambda said: len(re.findall(r"judge worker \S+ started with", said)) >= 2)
            ready = _wait_json(ready_url, lambda body: body["ready"] and body["judge"]["workers"] >= 1, 90)
            assert ready["redis"]["ok"]
            # A second crash within the window: it gives up on the judge, loudly, and keeps the rest running.
            os.kill(_child_pid(log_path, "judge", "restarted"), signal.SIGKILL)
            _wait_log(log_path, "verdict dev: ERROR: judge killed by signal SIGKILL", 30)
            assert proc.poll() is None
            _wait_json(ready_url, lambda body: body["ready"] and body["judge"]["workers"] == 0, 30)
            judges = _get(f"http://127.0.0.1:{port}/ready/judges")
            assert judges == (503, {"ok": False, "workers": 0, "slots": 0, "busy": 0, "queue_depth": 0, "error": None})
        except AssertionError as exc:
            said = log_path.read_text(errors="replace")[-4000:]
            raise AssertionError(f"{exc}\n--- verdict dev said ---\n{said}") from None
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
    for _ in range(8):  # the boxes of the judges this test killed with SIGKILL (stacked: one layer per pass)
        for point in mount_points_under(run_dir):
            umount(point)
    if not mount_points_under(run_dir):
        shutil.rmtree(run_dir, ignore_errors=True)  # only the lock and the cached jail init are left
    sweep_cgroups(env["SANDBOX_CGROUP_ROOT"])
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}" in output
    assert "student@example.com" in output
    assert "verdict-demo" in output
    # Every child (API, api-tasks, judge, embedded Redis) has gone with it.
    leftovers = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True, check=False)
    assert leftovers.stdout.strip() == ""


def _wait_log(path: Path, text: str, timeout: float, until: Callable[[str], bool] | None = None) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        said = path.read_text(errors="replace")
        if until(said) if until is not None else text in said:
            return said
        time.sleep(0.1)
    raise AssertionError(f"verdict dev did not say {text!r} within {timeout} s")


def _child_pid(path: Path, name: str, verb: str, within: float = 5) -> int:
    """The pid of the last '<verb> <name> (pid N)' line verdict dev printed."""
    said = _wait_log(path, f"verdict dev: {verb} {name} (pid ", within)
    found = re.findall(rf"verdict dev: {verb} {re.escape(name)} \(pid (\d+)\)", said)
    return int(found[-1])


def _get(url: str) -> tuple[int, Any]:
    import json
    import urllib.error

    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


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
