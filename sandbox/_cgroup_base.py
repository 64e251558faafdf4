"""What both cgroup versions share: the host layout, the counters of a run, control-file access, the sweeper and
the interface of a slot's cgroups (see ``sandbox.cgroups``)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Final, Literal, Protocol

import msgspec

from sandbox._sys import kill_pids, read_small
from sandbox.limits import Limits

__all__ = [
    "JAIL_EXTRA_PIDS",
    "CgroupLayout",
    "CgroupStats",
    "ControlFiles",
    "SlotCgroup",
    "keyed",
    "procs",
    "read_int",
    "sweep_tree",
    "write",
]

# The jail's init is not counted against ``Limits.processes``.
JAIL_EXTRA_PIDS: Final = 1


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


def write(path: Path, value: str | int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def read_int(path: Path) -> int:
    text = read_small(path).strip()
    return int(text) if text and text != "max" else 0


def keyed(path: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in read_small(path).splitlines():
        key, _, value = line.partition(" ")
        with contextlib.suppress(ValueError):
            out[key] = int(value)
    return out


def procs(path: Path) -> list[int]:
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
            victims = [p for p in procs(directory) if p != me]
            if not victims:
                break
            kill_pids(victims, exclude=me)
            time.sleep(0.01)
        try:
            directory.rmdir()
        except OSError as exc:
            problems.append(f"{directory}: {exc.strerror}")
    return problems


class ControlFiles:
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
