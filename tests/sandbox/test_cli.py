"""The operator CLI (``python -m sandbox``) and the host check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Limits, RunResult, RunStatus, Sandbox, check_host
from sandbox.__main__ import main, result_json
from sandbox._sys import mount_points_under

ROOT = Path(__file__).resolve().parents[2]


def test_result_json_is_text_and_file_sizes() -> None:
    result = RunResult(status=RunStatus.OK, exit_code=0, stdout=b"caf\xc3\xa9\xff", files={"main": b"12345"})
    data = result_json(result)
    assert data is not None
    assert data["status"] == "ok"
    assert data["stdout"] == "café\ufffd"
    assert data["files"] == {"main": 5}
    json.dumps(data)
    assert result_json(None) is None


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--language", "cobol", "x.cob"])
    assert exc.value.code == 2
    assert main(["run", "--language", "c", "--time-limit", "0", "x.c"]) == 2


def test_bad_settings_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SANDBOX_SLOTS", "lots")
    assert main(["check"]) == 2
    assert "SANDBOX_SLOTS must be a whole number" in capsys.readouterr().err


CLI_RUN_DIR = Path("/run/verdict-sandbox-test-cli")


@pytest.fixture(scope="module", autouse=True)
def _remove_cli_run_dir() -> Iterator[None]:
    yield
    if not mount_points_under(CLI_RUN_DIR):
        shutil.rmtree(CLI_RUN_DIR, ignore_errors=True)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # its own cgroup root, run dir and uids: the session's sandbox is running at the same time
        "SANDBOX_CGROUP_ROOT": "verdict-test-cli",
        "SANDBOX_RUN_DIR": str(CLI_RUN_DIR),
        "SANDBOX_UID": "62000",
        "SANDBOX_GID": "62000",
        "SANDBOX_SLOTS": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.sandbox
def test_cli_run_compiles_runs_and_prints_json(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    source = tmp_path / "ab.c"
    source.write_text(
        '#include <stdio.h>\nint main(void) { int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a + b); }\n'
    )
    stdin = tmp_path / "in.txt"
    stdin.write_text("20 22\n")
    done = _cli("run", "--language", "c", "--stdin", str(stdin), "--time-limit", "1", str(source))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["compile"]["status"] == "ok"
    assert out["run"]["status"] == "ok"
    assert out["run"]["stdout"] == "42\n"


@pytest.mark.sandbox
def test_cli_run_reports_a_limit_and_still_exits_0(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    source = tmp_path / "bad.py"
    source.write_text("while True: pass\n")
    done = _cli("run", "--language", "python3", "--time-limit", "0.2", str(source))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["compile"]["status"] == "ok"  # Python's check-only compile step: the program parses
    assert out["run"]["status"] == "time_limit"
    assert out["run"]["limit"] == "cpu_time"


@pytest.mark.sandbox
def test_cli_check_passes_on_this_host() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    done = _cli("check", "--no-languages", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert {item["name"] for item in report["items"]} >= {"root", "nsjail", "cgroups", "jail", "memory limit"}
    assert all(item["severity"] != "error" for item in report["items"])


@pytest.mark.sandbox
async def test_check_host_with_the_running_sandbox(sandbox: Sandbox) -> None:
    report = await check_host(sandbox.config, sandbox=sandbox, languages=False)
    assert report.ok, report.errors
    assert report.cgroup_version in (1, 2)
    names = [item.name for item in report.items]
    assert "jail init" in names
    result = await sandbox.run(["/bin/true"], limits=Limits())
    assert result.status is RunStatus.OK  # the sandbox is still usable afterwards
