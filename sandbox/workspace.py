"""Boxes: a fresh size-limited tmpfs per run, files written into it and read back without following anything.

Each slot has a mount point ``<run_dir>/slot<i>``. Every run mounts a new tmpfs there (``size=``, ``nr_inodes=``,
owned by the slot's jailed uid, ``nosuid,nodev``), writes the caller's files, bind-mounts it at ``/box`` in the jail,
reads back the requested files and unmounts it: nothing of a run survives into the next one, and a program cannot
fill the host disk or create more files than the inode cap allows.

Reading back: only regular files directly in the box, opened with ``O_NOFOLLOW | O_NONBLOCK`` relative to the box
directory's fd, checked with ``fstat``, and read up to a byte budget. Symlinks, FIFOs, sockets and directories the
jail made are skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from sandbox._sys import MS_BIND, MS_NODEV, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, mount, mount_points_under, umount
from sandbox.errors import SandboxError

__all__ = ["SlotBox", "acquire_run_dir", "collect_files", "is_world_traversable", "stage_read_only", "valid_name"]

_NAME_MAX: Final = 255


def valid_name(name: str) -> bool:
    """A plain file name: no directories, no '..', no NUL, not hidden-dot-only."""
    return 0 < len(name) <= _NAME_MAX and "/" not in name and "\0" not in name and name not in (".", "..")


def acquire_run_dir(run_dir: Path) -> int:
    """Create ``run_dir`` and take its exclusive lock (one sandbox per run dir); returns the lock fd."""
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o755)
    fd = os.open(run_dir / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SandboxError(f"another sandbox is using {run_dir}; give each one its own SANDBOX_RUN_DIR") from None
    return fd


def is_world_traversable(path: Path) -> bool:
    """Whether a jail's unprivileged user could reach ``path`` (every ancestor has o+x)."""
    current = path.resolve()
    for directory in (current, *current.parents):
        try:
            mode = directory.stat().st_mode
        except OSError:
            return False
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    return True


def stage_read_only(source: Path, target: Path) -> None:
    """Bind ``source`` read-only at ``target`` on the host, so a jail can bind it from a reachable path."""
    target.mkdir(parents=True, exist_ok=True)
    if target in mount_points_under(target.parent):
        return
    mount(str(source), target, None, MS_BIND | MS_REC)
    mount("none", target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


class SlotBox:
    """The box mount point of one slot.

    After a run the used tmpfs is unmounted and a new, empty one is mounted at once (off the critical path), so
    the next run finds a fresh box ready and only resizes it if its limits differ. A box is never used twice.
    """

    def __init__(self, run_dir: Path, index: int, uid: int, gid: int) -> None:
        self.path = run_dir / f"slot{index}"
        self._uid = uid
        self._gid = gid
        self._mounted = False
        self._used = False
        self._size: tuple[int, int] = (0, 0)

    def _options(self, size_bytes: int, inodes: int) -> str:
        return f"size={size_bytes},nr_inodes={inodes},mode=0700,uid={self._uid},gid={self._gid}"

    def spare(self, size_bytes: int, inodes: int) -> None:
        """Mount a new, empty tmpfs box for the next run (nothing to do if one is ready)."""
        if self._mounted:
            return
        self.path.mkdir(mode=0o755, exist_ok=True)
        mount("verdict-box", self.path, "tmpfs", MS_NOSUID | MS_NODEV, self._options(size_bytes, inodes))
        self._mounted, self._used, self._size = True, False, (size_bytes, inodes)

    def fresh(self, size_bytes: int, inodes: int) -> None:
        """Take the spare box for a run, sized as asked (the previous box must have been released)."""
        if self._used:
            raise RuntimeError(f"the box at {self.path} was not released")
        if not self._mounted:
            self.spare(size_bytes, inodes)
        elif self._size != (size_bytes, inodes):
            flags = MS_NOSUID | MS_NODEV | MS_REMOUNT
            mount("verdict-box", self.path, "tmpfs", flags, self._options(size_bytes, inodes))
            self._size = (size_bytes, inodes)
        self._used = True

    def write_files(self, files: Mapping[str, bytes]) -> None:
        """Write the caller's files (new, never through a link) into the box."""
        dir_fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            for name, data in files.items():
                if not valid_name(name):
                    raise ValueError(f"file name {name!r} must be a plain name without '/'")
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                fd = os.open(name, flags, 0o755, dir_fd=dir_fd)
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                finally:
                    os.close(fd)
        finally:
            os.close(dir_fd)

    @property
    def in_use(self) -> bool:
        return self._used

    def spare_is_clean(self) -> bool:
        """The ready box is mounted and empty (true when there is none)."""
        return not self._mounted or self._used or not any(self.path.iterdir())

    def collect(self, patterns: Iterable[str], budget: int) -> dict[str, bytes]:
        return collect_files(self.path, patterns, budget)

    def release(self) -> None:
        """Unmount the box (all its files go with it)."""
        if self._mounted or self.path in mount_points_under(self.path.parent):
            umount(self.path)
        self._mounted = self._used = False

    def remove(self) -> None:
        self.release()
        with contextlib.suppress(OSError):
            self.path.rmdir()


def collect_files(directory: Path, patterns: Iterable[str], budget: int) -> dict[str, bytes]:
    """Regular files directly in ``directory`` whose names match ``patterns``, at most ``budget`` bytes in all.

    Files that would exceed the budget are skipped whole (never truncated). Nothing is followed.
    """
    wanted = tuple(patterns)
    if not wanted:
        return {}
    out: dict[str, bytes] = {}
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        with os.scandir(dir_fd) as entries:
            names = sorted(entry.name for entry in entries)
        for name in names:
            if not valid_name(name) or not any(fnmatch.fnmatchcase(name, p) for p in wanted):
                continue
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError:  # a symlink (ELOOP), vanished, unreadable
                continue
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode) or info.st_size > budget:
                    continue
                chunks: list[bytes] = []
                remaining = info.st_size + 1  # one more byte tells us if it grew
                while remaining > 0:
                    chunk = os.read(fd, min(remaining, 1 << 20))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    remaining -= len(chunk)
                data = b"".join(chunks)
                if len(data) > info.st_size or len(data) > budget:
                    continue
                out[name] = data
                budget -= len(data)
            finally:
                os.close(fd)
    finally:
        os.close(dir_fd)
    return out
