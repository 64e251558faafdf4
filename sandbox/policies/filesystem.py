"""The jail's root filesystem: a prepared skeleton, read-only toolchains, a box and a /tmp, nothing else.

Never ``--chroot /``. The jail's root is a small skeleton the sandbox builds once at start-up in its own tmpfs
(``<run_dir>/root``): empty mount points, device nodes for null/zero/random/urandom, a copy of ``ld.so.cache``
and of the ``/etc`` pieces the toolchains' symlinks point into, and the merged-/usr top-level links. nsjail binds it
read-only as the root and mounts /usr (read-only), the box and a /tmp tmpfs on top: /etc/passwd, /etc/shadow,
/root, /home, /var, /run, the worker's code and configuration and the test data do not exist in a jail. One bind
for the whole skeleton instead of a dozen small ones also keeps nsjail's start-up short.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import os
import shutil
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from sandbox._sys import mount, mount_points_under, umount
from sandbox.nsjail import Mount

__all__ = ["BASE_ENV", "INIT_PATH", "INIT_STATUS_FD", "JAIL_TMP", "JailRoot"]

INIT_PATH: Final = "/.verdict-init"  # where the jail's PID 1 lives inside the jail
INIT_STATUS_FD: Final = 4  # the fd on which it reports the program's wait status (see jail_init.c)

# The environment every jailed program gets (nsjail itself starts with an empty one); languages may add to it.
JAIL_TMP: Final = "/tmp"  # noqa: S108  (a path inside the jail: its own size-limited tmpfs)
BASE_ENV: Final = (
    ("PATH", "/usr/local/bin:/usr/bin:/bin"),
    ("HOME", JAIL_TMP),
    ("TMPDIR", JAIL_TMP),
    ("LANG", "C.UTF-8"),
    ("LC_ALL", "C.UTF-8"),
)

_TOP_LEVEL: Final = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_ETC_COPIES: Final = ("/etc/ld.so.cache", "/etc/alternatives")
_DEVICES: Final = (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9))
_DEV_LINKS: Final = (
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
)
_SKELETON_BYTES: Final = 16 * 1024 * 1024


class JailRoot:
    """The skeleton root shared (read-only) by every jail of a sandbox."""

    def __init__(self, path: Path, host_root: Path = Path("/")) -> None:
        self.path = path
        self._host = host_root
        self._points: set[str] = set()

    def build(self, etc_extra: Iterable[str] = ()) -> tuple[Mount, ...]:
        """Mount and fill the skeleton; returns the host mounts every jail needs on top of it."""
        self.path.mkdir(parents=True, exist_ok=True)
        if self.path not in mount_points_under(self.path.parent):
            # No nosuid/nodev: the device nodes must work, and nsjail's read-only remount inside the user namespace
            # may not drop flags it did not set. Nothing here is setuid and jails run with no_new_privs anyway.
            mount("verdict-root", self.path, "tmpfs", 0, f"size={_SKELETON_BYTES},nr_inodes=16384,mode=0755")
        root = self.path
        for name in ("usr", "box", "tmp", "proc", "dev", "etc", "opt"):
            (root / name).mkdir(exist_ok=True)
        mounts: list[Mount] = [Mount("/usr", "/usr")]
        for name in _TOP_LEVEL:
            host = self._host / name
            if host.is_symlink():
                _symlink(str(host.readlink()), root / name)
            elif host.is_dir():
                (root / name).mkdir(exist_ok=True)
                mounts.append(Mount(f"/{name}", f"/{name}"))
        for name, major, minor in _DEVICES:
            node = root / "dev" / name
            if not node.exists():
                os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
                node.chmod(0o666)
        for name, target in _DEV_LINKS:
            _symlink(target, root / "dev" / name)
        for piece in (*_ETC_COPIES, *etc_extra):
            self._copy_etc(Path(piece))
        self._points = {"/usr", "/box", JAIL_TMP, "/proc", *(m.dst for m in mounts)}
        return tuple(mounts)

    def install_init(self, compiler: str = "/usr/bin/gcc") -> str:
        """Compile the jail's init (a static C program) into the skeleton; returns why not, or "" on success.

        The binary is cached next to the skeleton by a hash of its source, so a restart does not recompile.
        """
        source = importlib.resources.files("sandbox.policies").joinpath("jail_init.c").read_bytes()
        cached = self.path.parent / f"jail-init-{hashlib.sha256(source).hexdigest()[:16]}"
        if not cached.is_file():
            if not Path(compiler).exists():
                return f"no C compiler at {compiler} to build the jail's init"
            work = self.path.parent / "jail-init.build"
            work.mkdir(exist_ok=True)
            (work / "init.c").write_bytes(source)
            argv = [compiler, "-static", "-Os", "-s", "-o", str(work / "init"), str(work / "init.c")]
            built = subprocess.run(argv, capture_output=True, env={"PATH": "/usr/bin:/bin"}, check=False)
            if built.returncode != 0:
                shutil.rmtree(work, ignore_errors=True)
                return "building the jail's init failed: " + built.stderr.decode(errors="replace")[-300:]
            (work / "init").rename(cached)
            shutil.rmtree(work, ignore_errors=True)
        target = self.path / INIT_PATH.lstrip("/")
        shutil.copyfile(cached, target)
        target.chmod(0o755)
        return ""

    def _copy_etc(self, source: Path) -> None:
        host = self._host / str(source).lstrip("/")
        target = self.path / str(source).lstrip("/")
        if not host.exists() or target.exists() or target.is_symlink():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if host.is_dir() and not host.is_symlink():
            shutil.copytree(host, target, symlinks=True)
        else:
            shutil.copy2(host, target, follow_symlinks=False)

    def ensure_mount_point(self, mount_point: Mount) -> None:
        """Create the (empty) place a bind mount lands on; nsjail cannot create it in a read-only root."""
        if mount_point.dst in self._points:
            return
        target = self.path / mount_point.dst.lstrip("/")
        if Path(mount_point.src).is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch(exist_ok=True)
        self._points.add(mount_point.dst)

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            umount(self.path)
        with contextlib.suppress(OSError):
            self.path.rmdir()


def _symlink(target: str, link: Path) -> None:
    if not link.is_symlink():
        link.symlink_to(target)
