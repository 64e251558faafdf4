"""Per-slot cgroups: limits, counters and clean-up for cgroup v1 and v2.

cgroup v1 (this is the fast path). Each slot owns ``<root>/slot<i>`` in the memory, pids and cpuacct hierarchies,
created once. A dedicated thread of the worker joins them once (v1 cgroup membership is per thread), and nsjail is
spawned from that thread, so nsjail and the jail are *born* in the slot's cgroups: no per-run mkdir, no per-run
migration (a migration takes the global cgroup_threadgroup_rwsem and stalls 5-10 ms after an idle period). Limits
are written to the slot before each run and the counters reset. The OOM killer only considers thread-group leaders,
so the worker (whose non-leader thread sits in the slot) is never a candidate.

cgroup v2. Threads cannot sit in a different domain cgroup than their process, so nsjail creates its per-run cgroup
itself (``--use_cgroupv2``) under a fresh ``<root>/slot<i>/run`` leaf we make per run; peak, OOM events and CPU
come from that leaf, which we remove afterwards.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from pathlib import Path
from typing import Final, Literal, Protocol

import msgspec

from sandbox._sys import kill_pids, read_small
from sandbox.errors import SandboxError
from sandbox.limits import MIB, Limits

__all__ = [
    "NSJAIL_ALLOWANCE_BYTES",
    "CgroupLayout",
    "CgroupStats",
    "SlotCgroup",
    "V1SlotCgroup",
    "V2SlotCgroup",
    "detect_layout",
    "make_slot_cgroup",
    "sweep_tree",
]

V1_CONTROLLERS: Final = ("memory", "pids", "cpuacct")
# nsjail's own pages are charged to the slot's memory cgroup on v1 (it is born there); the limit allows for them.
NSJAIL_ALLOWANCE_BYTES: Final = 4 * MIB
# The jail's init is not counted against ``Limits.processes``; on v1 neither are the slot thread and nsjail.
JAIL_EXTRA_PIDS: Final = 1
# Page cache that jails read for the first time stays charged to the slot's memory cgroup after the run; past this
# much it is dropped before the next run, so that the next run's peak (usage minus this baseline) stays exact.
_V1_BASELINE_DRIFT: Final = 4 * MIB
V1_EXTRA_PIDS: Final = 2 + JAIL_EXTRA_PIDS


class CgroupLayout(msgspec.Struct, frozen=True, kw_only=True):
    """Where the cgroup hierarchies are mounted on this host."""

    version: Literal[1, 2]
    v1_mounts: dict[str, str] = msgspec.field(default_factory=dict)  # controller -> mount point
    v2_mount: str = ""
    v2_controllers: tuple[str, ...] = ()
    has_memsw: bool = False


class CgroupStats(msgspec.Struct, frozen=True, kw_only=True):
    peak_bytes: int
    oom_kills: int
    memory_failures: int
    cpu_ns: int


def _parse_mounts() -> tuple[dict[str, str], str]:
    v1: dict[str, str] = {}
    v2 = ""
    for line in read_small("/proc/self/mountinfo", 1 << 22).splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        rest = right.split()
        if len(fields) < 5 or len(rest) < 3:
            continue
        fstype, options = rest[0], rest[2].split(",")
        if fstype == "cgroup2" and not v2:
            v2 = fields[4]
        elif fstype == "cgroup":
            for opt in options:
                if opt in ("memory", "pids", "cpuacct", "cpu", "cpuset") and opt not in v1:
                    v1[opt] = fields[4]
    return v1, v2


def detect_layout(preference: Literal["auto", "v1", "v2"] = "auto") -> CgroupLayout:
    """Find the cgroup hierarchies; raises SandboxError with the fix when limits cannot be enforced."""
    v1, v2 = _parse_mounts()
    v2_controllers: tuple[str, ...] = ()
    if v2:
        with contextlib.suppress(OSError):
            v2_controllers = tuple(read_small(Path(v2) / "cgroup.controllers").split())
    v2_ok = bool(v2) and {"memory", "pids"} <= set(v2_controllers)
    v1_ok = all(c in v1 for c in V1_CONTROLLERS)
    if preference == "v2" or (preference == "auto" and v2_ok):
        if not v2_ok:
            raise SandboxError(
                f"cgroup v2 needs the memory and pids controllers at {v2 or '/sys/fs/cgroup'} "
                f"(found: {' '.join(v2_controllers) or 'none'}); boot with systemd.unified_cgroup_hierarchy=1 "
                "or set SANDBOX_CGROUP_VERSION=v1"
            )
        return CgroupLayout(version=2, v2_mount=v2, v2_controllers=v2_controllers)
    if not v1_ok:
        missing = [c for c in V1_CONTROLLERS if c not in v1]
        raise SandboxError(
            f"cgroup v1 controllers not mounted: {', '.join(missing)}; mount them "
            f"(e.g. mount -t cgroup -o {missing[0]} cgroup /sys/fs/cgroup/{missing[0]}) or use a cgroup v2 host"
        )
    has_memsw = (Path(v1["memory"]) / "memory.memsw.limit_in_bytes").exists()
    return CgroupLayout(version=1, v1_mounts=v1, has_memsw=has_memsw)


def _write(path: Path, value: str | int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def _read_int(path: Path) -> int:
    text = read_small(path).strip()
    return int(text) if text and text != "max" else 0


def _keyed(path: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in read_small(path).splitlines():
        key, _, value = line.partition(" ")
        with contextlib.suppress(ValueError):
            out[key] = int(value)
    return out


def _procs(path: Path) -> list[int]:
    try:
        return [int(p) for p in read_small(path / "cgroup.procs", 1 << 20).split()]
    except FileNotFoundError:
        return []


def sweep_tree(top: Path, *, keep_self: bool = True) -> list[str]:
    """Kill every process below ``top`` (never our own) and remove its cgroups, deepest first.

    Returns what could not be removed. ``top`` itself is kept when ``keep_self``.
    """
    problems: list[str] = []
    if not top.is_dir():
        return problems
    me = os.getpid()
    dirs = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
    if not keep_self:
        dirs.append(top)
    for directory in dirs:
        for _ in range(50):
            victims = [p for p in _procs(directory) if p != me]
            if not victims:
                break
            kill_pids(victims, exclude=me)
            time.sleep(0.01)
        try:
            directory.rmdir()
        except OSError as exc:
            problems.append(f"{directory}: {exc.strerror}")
    return problems


class _Files:
    """Open-once descriptors for a cgroup's control files (pread/pwrite at offset 0 re-read / re-write them)."""

    def __init__(self, directory: Path) -> None:
        self._directory = str(directory)
        self._fds: dict[str, int] = {}

    def _fd(self, name: str) -> int:
        fd = self._fds.get(name)
        if fd is None:
            fd = os.open(f"{self._directory}/{name}", os.O_RDWR | os.O_CLOEXEC)
            self._fds[name] = fd
        return fd

    def write(self, name: str, value: str | int) -> None:
        os.pwrite(self._fd(name), str(value).encode(), 0)

    def read(self, name: str) -> str:
        return os.pread(self._fd(name), 4096, 0).decode("ascii", errors="replace")

    def read_int(self, name: str) -> int:
        text = self.read(name).strip()
        return int(text) if text and text != "max" else 0

    def keyed(self, name: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.read(name).splitlines():
            key, _, value = line.partition(" ")
            with contextlib.suppress(ValueError):
                out[key] = int(value)
        return out

    def close(self) -> None:
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()


class SlotCgroup(Protocol):
    """The cgroup side of one slot."""

    @property
    def description(self) -> str: ...

    @property
    def counts_supervisor(self) -> bool:
        """Whether the CPU counter includes nsjail and the spawning thread (v1) besides the jail (v2: no)."""
        ...

    def create(self) -> None: ...

    def join_current_thread(self) -> None: ...

    def prepare(self, limits: Limits) -> list[str]: ...

    def cpu_usage_ns(self) -> int: ...

    def jailed_pids(self) -> list[int]: ...

    def kill_all(self, exclude: int = 0) -> None: ...

    def stats(self) -> CgroupStats: ...

    def finish(self) -> None: ...

    def leftovers(self) -> list[str]: ...

    def destroy(self) -> None: ...


class V1SlotCgroup:
    """A slot on cgroup v1: memory, pids and cpuacct cgroups that the slot thread (and so nsjail) lives in."""

    def __init__(self, layout: CgroupLayout, root: str, index: int) -> None:
        self._layout = layout
        self._dirs = {c: Path(layout.v1_mounts[c]) / root / f"slot{index}" for c in V1_CONTROLLERS}
        self._mem = _Files(self._dirs["memory"])
        self._pids = _Files(self._dirs["pids"])
        self._cpu = _Files(self._dirs["cpuacct"])
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
            _write(directory / "tasks", tid)

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
                    kill_pids([p for p in _procs(directory) if p != os.getpid()], exclude=os.getpid())
                    time.sleep(0.01)


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
        _write(self.run_dir / "cgroup.subtree_control", "+memory +pids")
        _write(self.run_dir / "memory.max", limits.memory_bytes)
        if self._swap:
            _write(self.run_dir / "memory.swap.max", 0)
        _write(self.run_dir / "pids.max", limits.processes + JAIL_EXTRA_PIDS)
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
            return _keyed(self.run_dir / "cpu.stat").get("usage_usec", 0) * 1000
        except FileNotFoundError:
            return 0

    def jailed_pids(self) -> list[int]:
        me = os.getpid()
        pids: list[int] = []
        for directory in (self.run_dir, *[p for p in self.run_dir.glob("*") if p.is_dir()]):
            pids.extend(p for p in _procs(directory) if p != me)
        return pids

    def kill_all(self, exclude: int = 0) -> None:
        # nsjail is not in the run cgroup on v2, so cgroup.kill never hits it (``exclude`` is for v1's sake)
        try:
            _write(self.run_dir / "cgroup.kill", 1)
        except OSError:
            kill_pids([p for p in self.jailed_pids() if p != exclude], exclude=os.getpid())

    def stats(self) -> CgroupStats:
        events = _keyed(self.run_dir / "memory.events")
        try:
            peak = _read_int(self.run_dir / "memory.peak")
        except FileNotFoundError:  # kernels before 5.19
            peak = _read_int(self.run_dir / "memory.current")
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
        return found + [f"process {pid} in {self._slot}" for pid in _procs(self._slot)]

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
            _write(level / "cgroup.subtree_control", "+memory +pids")
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise
            leaf = level / "verdict-supervisor"
            leaf.mkdir(exist_ok=True)
            _write(leaf / "cgroup.procs", os.getpid())
            _write(level / "cgroup.subtree_control", "+memory +pids")


def make_slot_cgroup(layout: CgroupLayout, root: str, index: int) -> SlotCgroup:
    if layout.version == 1:
        return V1SlotCgroup(layout, root, index)
    return V2SlotCgroup(layout, root, index)
