"""A sandbox that starts where a killed one ran sweeps what it left, stacked mounts included."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sandbox import Sandbox, SandboxConfig
from sandbox._sys import mount, mount_points_under, umount
from tests.sandbox.conftest import _can_sandbox

pytestmark = [pytest.mark.sandbox, pytest.mark.skipif(bool(_can_sandbox()), reason=_can_sandbox() or "root")]


async def test_a_start_sweeps_boxes_mounted_over_each_other_by_killed_runs(tmp_path: Path) -> None:
    run_dir = Path(f"/run/verdict-sweep-test-{os.getpid()}")
    config = SandboxConfig(slots=1, uid=62900, gid=62900, cgroup_root=f"verdict-sweep-{os.getpid()}", run_dir=run_dir)
    stale = run_dir / "slot0"
    stale.mkdir(parents=True)
    for _ in range(3):  # a judge killed three times, each time after mounting its box again
        mount("verdict-box", stale, "tmpfs", 0, "size=65536")
    box = Sandbox(config)
    try:
        await box.start()
        assert box.leftovers() == []
    finally:
        await box.close()
        left = mount_points_under(run_dir)
        for _ in range(4):
            for point in mount_points_under(run_dir):
                umount(point)
        shutil.rmtree(run_dir, ignore_errors=True)
    assert left == []
