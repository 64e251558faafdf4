"""``verdict push`` from a CI job, against a real API server (uvicorn, as deployed)."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import make_people
from tests.packages import PACKAGES_DIR


async def _verdict(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_push_creates_then_is_a_no_op_then_reports_refusals(
    fleet_factory: FleetFactory, settings: Settings, tmp_path: Path
) -> None:
    people = await make_people(settings)
    async with fleet_factory(judges=0, tasks=False) as fleet:
        package = tmp_path / "addup"
        shutil.copytree(PACKAGES_DIR / "addup", package)
        (package / "__pycache__").mkdir()
        (package / "__pycache__" / "junk.pyc").write_bytes(b"\0")  # skipped by the packer

        token_env = {"VERDICT_TOKEN": people.instructor.token}
        code, out, err = await _verdict("push", str(package), "--url", fleet.api_url, env=token_env)
        assert code == 0, err
        assert out.startswith("addup: created, 6 tests")
        assert "test set " in out
        assert "input validators not run (push with --check-inputs or --validate to run them)" in out

        args = ("push", str(package), "--url", fleet.api_url, "--slug", "checked", "--check-inputs")
        code, _out, err = await _verdict(*args, env=token_env)
        assert code == 1
        assert "refused (503)" in err
        assert "no judge worker is running, so the package's input validators cannot be run" in err

        code, out, err = await _verdict("push", str(package), "--url", fleet.api_url, env=token_env)
        assert code == 0, err
        assert out.startswith("addup: unchanged, 6 tests")

        (package / "problem.yaml").write_text("name: Broken\nlimits: {memory: -1}\n")
        code, _out, err = await _verdict("push", str(package), "--url", fleet.api_url, "--slug", "other", env=token_env)
        assert code == 1
        assert "refused (422)" in err
        assert "problem.yaml [limits.memory]" in err

        code, _out, err = await _verdict(
            "push", str(PACKAGES_DIR / "twosum"), "--url", fleet.api_url, "--token", people.student.token
        )
        assert code == 1
        assert "refused (403)" in err

        code, _out, err = await _verdict("push", str(PACKAGES_DIR / "twosum"), "--url", fleet.api_url)
        assert code == 2
        assert "VERDICT_TOKEN" in err

        (package / "link").symlink_to("/etc/passwd")
        code, _out, err = await _verdict("push", str(package), "--url", fleet.api_url, env=token_env)
        assert code == 2
        assert "symbolic link" in err


async def test_an_oversized_package_is_refused_by_the_real_server(
    fleet_factory: FleetFactory, settings: Settings
) -> None:
    people = await make_people(settings)
    async with fleet_factory(judges=0, tasks=False, env={"PACKAGE_MAX_BYTES": "2048"}) as fleet:
        code, _out, err = await _verdict(
            "push", str(PACKAGES_DIR / "addup"), "--url", fleet.api_url, "--token", people.instructor.token
        )
        assert code == 1
        assert "refused (413)" in err
        assert "2048 bytes" in err
