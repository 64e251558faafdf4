"""Thin wrappers over the few Linux system calls the standard library does not expose (mount, umount2).

Everything here is synchronous and cheap; callers run it from start-up code or from a slot's thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = [
    "MS_BIND",
    "MS_NODEV",
    "MS_NOSUID",
    "MS_RDONLY",
    "MS_REC",
    "MS_REMOUNT",
    "kill_pids",
    "mount",
    "mount_points_under",
    "pids_of_uids",
    "read_small",
    "umount",
]

MS_RDONLY: Final = 1
MS_NOSUID: Final = 2
MS_NODEV: Final = 4
MS_REMOUNT: Final = 32
MS_BIND: Final = 4096
MS_REC: Final = 16384
MNT_DETACH: Final = 2

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
_libc.umount2.argtypes = (ctypes.c_char_p, ctypes.c_int)


def mount(source: str, target: str | Path, fstype: str | None, flags: int, data: str | None = None) -> None:
    """mount(2); raises OSError with the errno on failure."""
    rc = _libc.mount(
        source.encode(),
        str(target).encode(),
        fstype.encode() if fstype else None,
        flags,
        data.encode() if data else None,
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount({source!r}, {str(target)!r}, {fstype!r}): {os.strerror(err)}")


def umount(target: str | Path) -> None:
    """Lazily detach a mount point; a path that is not mounted is not an error."""
    rc = _libc.umount2(str(target).encode(), MNT_DETACH)
    if rc != 0:
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):
            raise OSError(err, f"umount2({str(target)!r}): {os.strerror(err)}")


def _unescape_mountinfo(field: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo octal
    out: list[str] = []
    i = 0
    while i < len(field):
        if field[i] == "\\" and i + 4 <= len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mount_points_under(directory: Path) -> list[Path]:
    """Mount points strictly below ``directory`` (deepest first), from /proc/self/mountinfo."""
    prefix = str(directory).rstrip("/") + "/"
    found: list[Path] = []
    for line in read_small("/proc/self/mountinfo", 1 << 22).splitlines():
        parts = line.split()
        if len(parts) > 4:
            point = _unescape_mountinfo(parts[4])
            if point.startswith(prefix):
                found.append(Path(point))
    return sorted(set(found), key=lambda p: len(p.parts), reverse=True)


def read_small(path: str | Path, limit: int = 65536) -> str:
    """Read a kernel file (cgroup, proc) as text, up to ``limit`` bytes. Reads until the end: one ``read`` of a
    seq_file (``/proc/self/mountinfo``, ``cgroup.procs``) returns about a page, however much is asked for, so a
    host with many mounts or a cgroup with many processes would otherwise be seen in part."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks: list[bytes] = []
        left = limit
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks).decode("ascii", errors="replace")
    finally:
        os.close(fd)


def _proc_pids() -> Iterator[int]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            yield int(entry.name)


def pids_of_uids(uids: range | set[int]) -> list[int]:
    """Live host pids (zombies excluded) whose real, effective or saved uid is in ``uids``."""
    hits: list[int] = []
    for pid in _proc_pids():
        try:
            status = read_small(f"/proc/{pid}/status", 8192)
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("State:") and line.split()[1] in ("Z", "X"):
                break
            if line.startswith("Uid:"):
                ids = [int(x) for x in line.split()[1:4]]
                if any(i in uids for i in ids):
                    hits.append(pid)
                break
    return hits


def kill_pids(pids: list[int], *, exclude: int) -> int:
    """SIGKILL each pid except ``exclude`` (our own process); returns how many signals were sent."""
    sent = 0
    for pid in pids:
        if pid in (exclude, 0, 1):
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            sent += 1
        except ProcessLookupError:
            pass
    return sent
