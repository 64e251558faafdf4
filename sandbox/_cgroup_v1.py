"""cgroup v1 slots: memory, pids and cpuacct cgroups created once, which the slot's thread (and so nsjail and the
jail) lives in. See ``sandbox.cgroups`` for why."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from pathlib import Path
from typing import Final

from sandbox._cgroup_base import (
    JAIL_EXTRA_PIDS,
    CgroupLayout,
    CgroupStats,
    ControlFiles,
    procs,
    write,
)
from sandbox._sys import kill_pids, read_small
from sandbox.limits import MIB, Limits

__all__ = ["NSJAIL_ALLOWANCE_BYTES", "V1_CONTROLLERS", "V1SlotCgroup"]

V1_CONTROLLERS: Final = ("memory", "pids", "cpuacct")
# nsjail's own pages are charged to the slot's memory cgroup on v1 (it is born there); the limit allows for them.
NSJAIL_ALLOWANCE_BYTES: Final = 4 * MIB
# Besides the jail's init, the slot thread and nsjail count in the slot's pids.current.
V1_EXTRA_PIDS: Final = 2 + JAIL_EXTRA_PIDS
# Page cache that jails read for the first time stays charged to the slot's memory cgroup after the run; past this
# much it is dropped before the next run, so that the next run's peak (usage minus this baseline) stays exact.
_V1_BASELINE_DRIFT: Final = 4 * MIB


class V1SlotCgroup:
    """A slot on cgroup v1: memory, pids and cpuacct cgroups that the slot thread (and so nsjail) lives in."""

    def __init__(self, layout: CgroupLayout, root: str, index: int) -> None:
        self._layout = layout
        self._dirs = {c: Path(layout.v1_mounts[c]) / root / f"slot{index}" for c in V1_CONTROLLERS}
        self._mem = ControlFiles(self._dirs["memory"])
        self._pids = ControlFiles(self._dirs["pids"])
        self._cpu = ControlFiles(self._dirs["cpuacct"])
        self._procs_path = str(self._dirs["pids"] / "cgroup.procs")
        self._limit_bytes = -1
        self._pids_max = -1
        self._baseline_bytes = 0
        self._oom_baseline = 0

    @property
    def description(self) -> str:
        return f"cgroup v1 {self._dirs['memory']}"

    @property
    def counts_supervisor(self) -> bool:
        return True

    def create(self) -> None:
        for directory in self._dirs.values():
            directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            self._mem.write("memory.swappiness", 0)
        self._mem.write("memory.oom_control", 0)  # the OOM killer acts; nothing hangs waiting for memory
        self._limit_bytes = self._mem.read_int("memory.limit_in_bytes")

    def join_current_thread(self) -> None:
        """Move the calling thread (only it) into the slot's cgroups; call once, from the slot's thread."""
        tid = str(threading.get_native_id())
        for directory in self._dirs.values():
            write(directory / "tasks", tid)

    def _set_memory_limit(self, limit: int) -> None:
        if not self._layout.has_memsw:
            self._mem.write("memory.limit_in_bytes", limit)
        elif limit >= self._limit_bytes:  # memsw must stay >= mem: raise memsw first, lower mem first
            self._mem.write("memory.memsw.limit_in_bytes", limit)
            self._mem.write("memory.limit_in_bytes", limit)
        else:
            self._mem.write("memory.limit_in_bytes", limit)
            self._mem.write("memory.memsw.limit_in_bytes", limit)
        self._limit_bytes = limit

    def prepare(self, limits: Limits) -> list[str]:
        limit = limits.memory_bytes + NSJAIL_ALLOWANCE_BYTES
        if limit != self._limit_bytes:
            self._set_memory_limit(limit)
        pids = limits.processes + V1_EXTRA_PIDS
        if pids != self._pids_max:
            self._pids.write("pids.max", pids)
            self._pids_max = pids
        mem = self._mem
        usage_file = "memory.memsw.usage_in_bytes" if self._layout.has_memsw else "memory.usage_in_bytes"
        if mem.read_int(usage_file) > _V1_BASELINE_DRIFT:
            with contextlib.suppress(OSError):
                mem.write("memory.force_empty", 0)
        mem.write("memory.max_usage_in_bytes", 0)
        mem.write("memory.failcnt", 0)
        if self._layout.has_memsw:
            mem.write("memory.memsw.max_usage_in_bytes", 0)
            mem.write("memory.memsw.failcnt", 0)
        self._baseline_bytes = mem.read_int(usage_file)
        self._oom_baseline = mem.keyed("memory.oom_control").get("oom_kill", 0)
        self._cpu.write("cpuacct.usage", 0)  # last: from here on the slot thread's own work is measured apart
        return []

    def reset_counters(self, limits: Limits) -> None:
        """Before each test of a warm jail: the test's limits, and the counters reset while the jail's init (and the
        Python zygote) stay resident. Their pages are the baseline; nothing is forced out of the cgroup."""
        limit = limits.memory_bytes + NSJAIL_ALLOWANCE_BYTES
        if limit != self._limit_bytes:
            self._set_memory_limit(limit)
        mem = self._mem
        memsw = self._layout.has_memsw
        mem.write("memory.max_usage_in_bytes", 0)
        mem.write("memory.failcnt", 0)
        if memsw:
            mem.write("memory.memsw.max_usage_in_bytes", 0)
            mem.write("memory.memsw.failcnt", 0)
        self._baseline_bytes = mem.read_int("memory.memsw.usage_in_bytes" if memsw else "memory.usage_in_bytes")
        self._oom_baseline = mem.keyed("memory.oom_control").get("oom_kill", 0)
        self._cpu.write("cpuacct.usage", 0)

    def cpu_usage_ns(self) -> int:
        return self._cpu.read_int("cpuacct.usage")

    def jailed_pids(self) -> list[int]:
        me = os.getpid()
        return [int(p) for p in read_small(self._procs_path, 1 << 20).split() if int(p) != me]

    def kill_all(self, exclude: int = 0) -> None:
        kill_pids([p for p in self.jailed_pids() if p != exclude], exclude=os.getpid())

    def stats(self) -> CgroupStats:
        mem = self._mem
        memsw = self._layout.has_memsw
        peak = mem.read_int("memory.memsw.max_usage_in_bytes" if memsw else "memory.max_usage_in_bytes")
        failures = mem.read_int("memory.failcnt") + (mem.read_int("memory.memsw.failcnt") if memsw else 0)
        oom = mem.keyed("memory.oom_control").get("oom_kill", 0) - self._oom_baseline
        return CgroupStats(
            peak_bytes=max(0, peak - self._baseline_bytes),
            oom_kills=max(0, oom),
            memory_failures=failures,
            cpu_ns=self.cpu_usage_ns(),
        )

    def finish(self) -> None:
        """Nothing per run on v1: the slot's cgroups live as long as the sandbox."""

    def leftovers(self) -> list[str]:
        """Processes (other than the slot thread) or child cgroups in the slot: there must be none between runs."""
        found = [f"process {pid} in {self._dirs['pids']}" for pid in self.jailed_pids()]
        for directory in self._dirs.values():
            found += [f"cgroup {child}" for child in directory.iterdir() if child.is_dir()]
        return found

    def destroy(self) -> None:
        for files in (self._mem, self._pids, self._cpu):
            files.close()
        for directory in self._dirs.values():
            for _ in range(100):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        raise
                    kill_pids([p for p in procs(directory) if p != os.getpid()], exclude=os.getpid())
                    time.sleep(0.01)
