"""The nsjail command line (a pure function of a ``JailSpec``), the seccomp policy and nsjail's log.

nsjail runs once per run (``-Mo``): it clones the jail with every namespace, maps the jail's user 65534 to an
unprivileged host uid (never plain ``--user 65534``, which maps to host root), builds a minimal read-only root of
bind mounts and tmpfs, applies rlimits and the seccomp policy, and execs the command with an allow-listed
environment. Its log goes to a separate pipe (fd 3) that the jailed program cannot write to (nsjail marks every fd
but 0-2 close-on-exec), so the outcome lines cannot be forged by the program's output.
"""

from __future__ import annotations

import os
from typing import Final

import msgspec

from sandbox.limits import Limits
from sandbox.policies.seccomp import SECCOMP_POLICY

__all__ = [
    "LOG_FD",
    "InitReport",
    "JailSpec",
    "Mount",
    "NsjailLog",
    "Symlink",
    "Tmpfs",
    "build_argv",
    "parse_init_report",
    "parse_log",
]

LOG_FD: Final = 3
JAIL_USER: Final = 65534  # the jailed user's id *inside* the user namespace


class Mount(msgspec.Struct, frozen=True):
    """A bind mount of host ``src`` at ``dst`` in the jail (read-only unless ``writable``)."""

    src: str
    dst: str
    writable: bool = False


class Symlink(msgspec.Struct, frozen=True):
    target: str
    link: str


class Tmpfs(msgspec.Struct, frozen=True):
    dst: str
    size_bytes: int
    inodes: int


class JailSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Everything that goes on one nsjail command line."""

    command: tuple[str, ...]
    root: str  # the prepared skeleton bound read-only as /
    uid: int
    gid: int
    limits: Limits
    mounts: tuple[Mount, ...] = ()
    symlinks: tuple[Symlink, ...] = ()
    tmpfs: tuple[Tmpfs, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    cwd: str = "/box"
    hostname: str = "sandbox"
    nice: int = 0
    seccomp: str = SECCOMP_POLICY
    cgroup_args: tuple[str, ...] = ()
    proc: bool = True
    init: str = ""  # a PID 1 to run the command under (it reports on ``init_fd``); "" runs the command as PID 1
    init_fd: int = 4
    time_limit_s: int | None = None  # nsjail's own backstop; None: the run's wall limit plus 2 s (warm jails: longer)


def _check_path(value: str, what: str) -> str:
    # nsjail splits mount specs on ':' and we never want NULs or relative destinations
    if not value or "\0" in value or ":" in value:
        raise ValueError(f"{what} {value!r} must be non-empty and contain no ':' or NUL")
    return value


def build_argv(nsjail: str, spec: JailSpec) -> list[str]:
    """The argv for one jailed run; nsjail itself is started with an empty environment."""
    if not spec.command:
        raise ValueError("command must not be empty")
    limits = spec.limits
    argv = [
        nsjail,
        "-Mo",
        "--chroot",
        _check_path(spec.root, "root"),
        "--log_fd",
        str(LOG_FD),
        "--hostname",
        spec.hostname,
        "--cwd",
        _check_path(spec.cwd, "cwd"),
        "--user",
        f"{JAIL_USER}:{spec.uid}",
        "--group",
        f"{JAIL_USER}:{spec.gid}",
        "--time_limit",
        str(limits.wall_time_ms // 1000 + 2 if spec.time_limit_s is None else spec.time_limit_s),  # backstop only
        "--nice_level",
        str(spec.nice),
        "--iface_no_lo",
        "--rlimit_as",
        "inf",
        "--rlimit_core",
        "0",
        "--rlimit_cpu",
        str(limits.rlimit_cpu_s),
        "--rlimit_fsize",
        str(limits.file_size_mib),
        "--rlimit_nofile",
        str(limits.open_files),
        "--rlimit_stack",
        str(limits.memory_mib),
        "--seccomp_string",
        spec.seccomp,
    ]
    if not spec.proc:
        argv.append("--disable_proc")
    if spec.init:
        # the init reports the program's status, so nsjail's info lines are not needed: warnings and errors only
        argv += ["--pass_fd", str(spec.init_fd), "--quiet"]
    argv.extend(spec.cgroup_args)
    for mount in spec.mounts:
        flag = "--bindmount" if mount.writable else "--bindmount_ro"
        argv += [flag, f"{_check_path(mount.src, 'mount source')}:{_check_path(mount.dst, 'mount target')}"]
    for link in spec.symlinks:
        argv += ["--symlink", f"{_check_path(link.target, 'symlink target')}:{_check_path(link.link, 'symlink')}"]
    for fs in spec.tmpfs:
        argv += ["--mount", f"none:{_check_path(fs.dst, 'tmpfs')}:tmpfs:size={fs.size_bytes},nr_inodes={fs.inodes}"]
    for key, value in spec.env:
        if not key or "=" in key or "\0" in key or "\0" in value:
            raise ValueError(f"invalid environment variable {key!r}")
        argv += ["--env", f"{key}={value}"]
    argv.append("--")
    if spec.init:
        argv.append(spec.init)
    argv.extend(spec.command)
    return argv


class InitReport(msgspec.Struct, frozen=True, kw_only=True):
    """What the jail's init said about the program: its exit code or signal, or why it could not run it."""

    exit_code: int | None = None
    signal: int | None = None
    self_ns: int = 0  # the init's own CPU time: nsjail's set-up of the jail plus fork and wait
    error: str = ""


def parse_init_report(text: str) -> InitReport | None:
    """``S <wait status> <init cpu ns>`` or ``E <what> <errno>`` lines from the jail's init; None if it said
    nothing (it was killed)."""
    error = ""
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        fields = rest.split()
        if kind == "S" and len(fields) == 2 and all(f.isdigit() for f in fields):
            status, self_ns = int(fields[0]), int(fields[1])
            if os.WIFEXITED(status):
                return InitReport(exit_code=os.WEXITSTATUS(status), self_ns=self_ns, error=error)
            if os.WIFSIGNALED(status):
                return InitReport(signal=os.WTERMSIG(status), self_ns=self_ns, error=error)
        elif kind == "E":
            what, _, number = rest.partition(" ")
            code = int(number) if number.strip().isdigit() else 0
            error = f"{what} failed: {os.strerror(code)}" if code else f"{what} failed"
    return InitReport(error=error) if error else None


class NsjailLog(msgspec.Struct, frozen=True, kw_only=True):
    """What nsjail's own log says happened to the jailed process."""

    exit_code: int | None = None
    signal: int | None = None
    seccomp_violation: bool = False
    time_limit: bool = False
    errors: tuple[str, ...] = ()

    @property
    def child_finished(self) -> bool:
        return self.exit_code is not None or self.signal is not None


_EXITED: Final = ") exited with status: "
_SIGNALED: Final = ") terminated with signal: "


def _number_after(text: str, marker: str, end: str) -> int | None:
    at = text.rfind(marker)
    if at < 0:
        return None
    start = at + len(marker)
    stop = text.find(end, start)
    try:
        return int(text[start : stop if stop >= 0 else None])
    except ValueError:
        return None


def parse_log(text: str) -> NsjailLog:
    """nsjail's log (info level): the last exit or signal line of the jailed process, and any errors."""
    exit_code = _number_after(text, _EXITED, ",")
    signal = None
    at = text.rfind(_SIGNALED)
    if at >= 0:  # "... terminated with signal: SIGKILL (9), (PIDs left: 0)"
        opening = text.find("(", at + len(_SIGNALED))
        closing = text.find(")", opening)
        if opening >= 0 and closing > opening and text[opening + 1 : closing].isdigit():
            signal = int(text[opening + 1 : closing])
    errors = tuple(line[:500] for line in text.splitlines() if line.startswith(("[E]", "[F]")))
    return NsjailLog(
        exit_code=exit_code,
        signal=signal,
        seccomp_violation="seccomp violation" in text,
        time_limit="run time >= time limit" in text,
        errors=errors,
    )
