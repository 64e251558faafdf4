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


def _mount_table_bytes() -> int:
    return len(Path("/proc/self/mountinfo").read_bytes())  # Python's reader reads to the end


async def _start_where_a_killed_judge_ran(tag: str) -> list[Path]:
    """Stack three box mounts in a run directory, as a judge killed three times leaves them, start a sandbox there
    and return the mounts left under it after the start (and close)."""
    run_dir = Path(f"/run/verdict-sweep-test-{tag}")
    config = SandboxConfig(slots=1, uid=62900, gid=62900, cgroup_root=f"verdict-sweep-{tag}", run_dir=run_dir)
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
    return left


async def test_a_start_sweeps_boxes_mounted_over_each_other_by_killed_runs() -> None:
    assert await _start_where_a_killed_judge_ran(str(os.getpid())) == []


async def test_a_host_with_a_long_mount_table_is_read_whole() -> None:
    """One read of /proc/self/mountinfo returns about a page: a judge host with many mounts (Docker, Kubernetes,
    the suite's own sandboxes) once had its newest mounts, the killed judge's among them, go unseen and stay."""
    filler = Path(f"/run/verdict-sweep-filler-{os.getpid()}")
    points = [filler / f"m{i}" for i in range(100)]
    try:
        for point in points:
            point.mkdir(parents=True)
            mount("verdict-filler", point, "tmpfs", 0, "size=4096")
        assert _mount_table_bytes() > 2 * os.sysconf("SC_PAGE_SIZE")
        assert sorted(mount_points_under(filler)) == sorted(points)
        assert await _start_where_a_killed_judge_ran(f"{os.getpid()}-long") == []
    finally:
        for point in points:  # not mount_points_under: the very reader under test
            umount(point)
        shutil.rmtree(filler, ignore_errors=True)
