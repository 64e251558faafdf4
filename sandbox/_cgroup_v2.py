"""cgroup v2 slots: nsjail's own v2 support places each jail in a fresh ``<root>/slot<i>/run`` leaf made per run.
See ``sandbox.cgroups`` for why."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sandbox._cgroup_base import (
    JAIL_EXTRA_PIDS,
    CgroupLayout,
    CgroupStats,
    keyed,
    procs,
    read_int,
    sweep_tree,
    write,
)
from sandbox._sys import kill_pids
from sandbox.limits import Limits

__all__ = ["V2SlotCgroup", "ensure_v2_root"]


class V2SlotCgroup:
    """A slot on cgroup v2: ``slot<i>`` with a fresh ``run`` leaf per run, handed to nsjail's cgroup v2 mode."""

    def __init__(self, layout: CgroupLayout, root: str, index: int) -> None:
        self._mount = Path(layout.v2_mount)
        self._root = self._mount / root
        self._slot = self._root / f"slot{index}"
        self.run_dir = self._slot / "run"
        self._swap = True

    @property
    def description(self) -> str:
        return f"cgroup v2 {self._slot}"

    @property
    def counts_supervisor(self) -> bool:
        return False

    def create(self) -> None:
        ensure_v2_root(self._mount, self._slot)
        self._swap = (self._slot / "memory.swap.max").exists()  # absent without swap accounting

    def join_current_thread(self) -> None:
        """Threads cannot be split across v2 domain cgroups; nsjail places the jail instead."""

    def prepare(self, limits: Limits) -> list[str]:
        if self.run_dir.exists():
            sweep_tree(self.run_dir, keep_self=False)
        self.run_dir.mkdir()
        write(self.run_dir / "cgroup.subtree_control", "+memory +pids")
        write(self.run_dir / "memory.max", limits.memory_bytes)
        if self._swap:
            write(self.run_dir / "memory.swap.max", 0)
        write(self.run_dir / "pids.max", limits.processes + JAIL_EXTRA_PIDS)
        swap = ["--cgroup_mem_swap_max", "0"] if self._swap else []
        return [
            "--use_cgroupv2",
            "--cgroupv2_mount",
            str(self.run_dir),
            "--cgroup_mem_max",
            str(limits.memory_bytes),
            *swap,
            "--cgroup_pids_max",
            str(limits.processes + JAIL_EXTRA_PIDS),
        ]

    def cpu_usage_ns(self) -> int:
        try:
            return keyed(self.run_dir / "cpu.stat").get("usage_usec", 0) * 1000
        except FileNotFoundError:
            return 0

    def jailed_pids(self) -> list[int]:
        me = os.getpid()
        pids: list[int] = []
        for directory in (self.run_dir, *[p for p in self.run_dir.glob("*") if p.is_dir()]):
            pids.extend(p for p in procs(directory) if p != me)
        return pids

    def kill_all(self, exclude: int = 0) -> None:
        # nsjail is not in the run cgroup on v2, so cgroup.kill never hits it (``exclude`` is for v1's sake)
        try:
            write(self.run_dir / "cgroup.kill", 1)
        except OSError:
            kill_pids([p for p in self.jailed_pids() if p != exclude], exclude=os.getpid())

    def stats(self) -> CgroupStats:
        events = keyed(self.run_dir / "memory.events")
        try:
            peak = read_int(self.run_dir / "memory.peak")
        except FileNotFoundError:  # kernels before 5.19
            peak = read_int(self.run_dir / "memory.current")
        return CgroupStats(
            peak_bytes=peak,
            oom_kills=events.get("oom_kill", 0),
            memory_failures=events.get("max", 0),
            cpu_ns=self.cpu_usage_ns(),
        )

    def finish(self) -> None:
        sweep_tree(self.run_dir, keep_self=False)

    def leftovers(self) -> list[str]:
        found = [f"cgroup {child}" for child in self._slot.iterdir() if child.is_dir()]
        return found + [f"process {pid} in {self._slot}" for pid in procs(self._slot)]

    def destroy(self) -> None:
        sweep_tree(self._slot, keep_self=False)


def ensure_v2_root(mount: Path, root: Path) -> None:
    """Create the sandbox's v2 sub-tree below ``mount`` with memory and pids delegated all the way down.

    cgroup v2 forbids controllers in a cgroup that has processes of its own (except the real root), so where our
    process sits in a level (a container with a private cgroup namespace), it moves itself into a leaf first.
    """
    levels = [mount]
    for part in root.relative_to(mount).parts:
        levels.append(levels[-1] / part)
    for level in levels:
        level.mkdir(exist_ok=True)
        try:
            write(level / "cgroup.subtree_control", "+memory +pids")
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise
            leaf = level / "verdict-supervisor"
            leaf.mkdir(exist_ok=True)
            write(leaf / "cgroup.procs", os.getpid())
            write(level / "cgroup.subtree_control", "+memory +pids")
