"""Host check, like isolate-check-environment: can this machine enforce every limit? If not, what exactly to fix.

``python -m sandbox check`` prints the report and exits non-zero on any error. The judge worker calls
``await check_host(config, sandbox=its_sandbox)`` at start-up and refuses to start unless ``report.ok``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
from pathlib import Path
from typing import Literal

import msgspec

from sandbox._sys import read_small
from sandbox.cgroups import detect_layout
from sandbox.config import SandboxConfig
from sandbox.errors import SandboxError
from sandbox.limits import MIB, Limits
from sandbox.result import LanguageStatus, RunStatus
from sandbox.runner import Sandbox

__all__ = ["CheckItem", "HostReport", "check_host", "print_report"]

Severity = Literal["ok", "warning", "error"]


class CheckItem(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    severity: Severity
    detail: str
    fix: str = ""


class HostReport(msgspec.Struct, frozen=True, kw_only=True):
    items: tuple[CheckItem, ...]
    cgroup_version: int | None = None
    languages: dict[str, LanguageStatus] = msgspec.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(item.severity != "error" for item in self.items)

    @property
    def errors(self) -> list[CheckItem]:
        return [item for item in self.items if item.severity == "error"]


def _swap_total_kib() -> int:
    for line in read_small("/proc/meminfo").splitlines():
        if line.startswith("SwapTotal:"):
            return int(line.split()[1])
    return 0


def _static_checks(config: SandboxConfig) -> tuple[list[CheckItem], int | None]:
    items: list[CheckItem] = []
    add = items.append
    if os.geteuid() == 0:
        add(CheckItem(name="root", severity="ok", detail="running as root"))
    else:
        add(
            CheckItem(
                name="root",
                severity="error",
                detail=f"running as uid {os.geteuid()}",
                fix="start the judge worker as root (jailed programs run as SANDBOX_UID, never as root)",
            )
        )
    if config.nsjail and os.access(config.nsjail, os.X_OK):
        add(CheckItem(name="nsjail", severity="ok", detail=config.nsjail))
    else:
        add(
            CheckItem(
                name="nsjail",
                severity="error",
                detail=f"not executable: {config.nsjail!r}",
                fix="install the judge extra (uv sync --extra judge) or set SANDBOX_NSJAIL to an nsjail binary",
            )
        )
    try:
        userns = int(read_small("/proc/sys/user/max_user_namespaces").strip() or "0")
    except OSError:
        userns = 0
    add(
        CheckItem(name="user namespaces", severity="ok", detail=f"max_user_namespaces={userns}")
        if userns > 0
        else CheckItem(
            name="user namespaces",
            severity="error",
            detail="user namespaces are disabled",
            fix="sysctl -w user.max_user_namespaces=15000 (and persist it in /etc/sysctl.d)",
        )
    )
    version: int | None = None
    try:
        layout = detect_layout(config.cgroup_version)
        version = layout.version
        where = ", ".join(f"{c}={p}" for c, p in layout.v1_mounts.items()) if version == 1 else layout.v2_mount
        add(CheckItem(name="cgroups", severity="ok", detail=f"cgroup v{version}: {where}"))
        swap = _swap_total_kib()
        if version == 1 and not layout.has_memsw and swap > 0:
            add(
                CheckItem(
                    name="swap",
                    severity="error",
                    detail=f"{swap} KiB of swap and no memory+swap accounting: memory limits can be evaded",
                    fix="boot with swapaccount=1, or turn swap off (swapoff -a)",
                )
            )
        else:
            add(CheckItem(name="swap", severity="ok", detail=f"swap {swap} KiB, jailed swap use is limited to 0"))
    except SandboxError as exc:
        add(CheckItem(name="cgroups", severity="error", detail=str(exc), fix=str(exc).rpartition("; ")[2]))
    if Path("/proc/self/schedstat").exists():
        add(CheckItem(name="cpu accounting", severity="ok", detail="schedstat available: exact jail CPU time"))
    else:
        add(
            CheckItem(
                name="cpu accounting",
                severity="warning",
                detail="no /proc/<pid>/schedstat: CPU times include nsjail's start-up (a few ms)",
                fix="use a kernel with CONFIG_SCHED_INFO",
            )
        )
    try:
        os.close(os.pidfd_open(os.getpid()))
        add(CheckItem(name="pidfd", severity="ok", detail="pidfd_open works"))
    except (OSError, AttributeError):
        add(CheckItem(name="pidfd", severity="error", detail="pidfd_open unavailable", fix="use Linux 5.3 or newer"))
    named = []
    for uid in config.uids:
        with contextlib.suppress(KeyError):
            named.append(f"{uid} ({pwd.getpwuid(uid).pw_name})")
    if named:
        add(
            CheckItem(
                name="sandbox uids",
                severity="warning",
                detail=f"uids used by accounts: {', '.join(named)}",
                fix="set SANDBOX_UID/SANDBOX_GID to a range no account or file owner uses",
            )
        )
    else:
        add(CheckItem(name="sandbox uids", severity="ok", detail=f"{config.uids.start}..{config.uids.stop - 1}"))
    return items, version


# Two tests in one warm jail: the first leaves a file in /tmp and takes every permission off /box, the second must
# find a jail as new (the reset is what a hardened container can refuse: no CAP_FOWNER, no CAP_SYS_PTRACE, ...).
_WARM_PROBE = b"""import os
state = "LEFT" if os.path.exists("/tmp/left") else "clean"
if open("step").read() == "1":
    open("/tmp/left", "w").write("x")
    os.chmod("/box", 0)
print(state)
"""


async def _warm_session_problem(sandbox: Sandbox) -> str:
    """Why a warm jail does not work on this host ("" when two tests ran, the second in a clean jail)."""
    limits = Limits(cpu_time_ms=2000, wall_time_ms=5000, memory_bytes=64 * MIB)
    command = ["/usr/bin/python3", "-S", "probe.py"]
    try:
        async with sandbox.warm_command(command, artifacts={"probe.py": _WARM_PROBE}, limits=limits) as jail:
            if not jail.warm:
                return "the jail ran cold"
            results = [await jail.run(files={"step": step}, stdin=None) for step in (b"1", b"2")]
            cause = getattr(jail, "last_failure", "")
    except (SandboxError, OSError) as exc:
        return str(exc)
    for result in results:
        if result.status is not RunStatus.OK or result.stdout != b"clean\n":
            said = result.message or (result.stdout + result.stderr)[-200:].decode(errors="replace")
            return f"a test in a warm jail ended {result.status}: {said.strip()}" + (f" ({cause})" if cause else "")
    return ""


async def _jail_checks(sandbox: Sandbox) -> list[CheckItem]:
    items: list[CheckItem] = []
    if not sandbox.warm_problem and (problem := await _warm_session_problem(sandbox)):
        # the judge calls this at start-up: from here on its tests start cold instead of failing
        sandbox.warm_problem = sandbox.zygote_problem = f"self-test failed ({problem})"
    if sandbox.init_problem:
        items.append(
            CheckItem(
                name="jail init",
                severity="warning",
                detail=f"{sandbox.init_problem}; programs run as PID 1 (abort() ends in SIGSEGV, SIGXFSZ ignored)",
                fix="install gcc and the static C library (libc6-dev)",
            )
        )
    else:
        items.append(CheckItem(name="jail init", severity="ok", detail="programs run under the jail's own init"))
    for name, problem, fix in (
        ("warm jails", sandbox.warm_problem, "SANDBOX_WARM=1 on a cgroup v1 host with gcc (libc6-dev)"),
        ("python zygote", sandbox.zygote_problem, "install python3-dev (python3-config and libpython)"),
    ):
        if problem and sandbox.config.warm:
            items.append(CheckItem(name=name, severity="warning", detail=f"{problem}; tests start cold", fix=fix))
        elif not problem:
            items.append(CheckItem(name=name, severity="ok", detail="a submission's tests share one reset jail"))
    limits = Limits(cpu_time_ms=2000, wall_time_ms=5000, memory_bytes=64 * MIB)
    result = await sandbox.run(["/usr/bin/id", "-u"], limits=limits)
    if result.status is RunStatus.OK and result.stdout.strip() == b"65534":
        items.append(CheckItem(name="jail", severity="ok", detail=f"a jailed program ran in {result.wall_ms} ms"))
    else:
        items.append(
            CheckItem(
                name="jail",
                severity="error",
                detail=f"{result.status}: {result.message or result.stderr[-300:].decode(errors='replace')}",
                fix="see the message; run with SANDBOX_NSJAIL pointing at a working nsjail",
            )
        )
    bomb = "x = bytearray(1 << 30)\nprint(len(x))\n"
    result = await sandbox.run(["/usr/bin/python3", "-S", "-c", bomb], limits=limits)
    if result.status is RunStatus.MEMORY_LIMIT:
        items.append(CheckItem(name="memory limit", severity="ok", detail="a 1 GiB allocation was stopped at 64 MiB"))
    else:
        items.append(
            CheckItem(
                name="memory limit",
                severity="error",
                detail=f"a 1 GiB allocation under a 64 MiB limit ended as {result.status}",
                fix="check the memory cgroup (and swap accounting) of this host",
            )
        )
    return items


async def check_host(config: SandboxConfig, *, sandbox: Sandbox | None = None, languages: bool = True) -> HostReport:
    """Everything the sandbox needs, checked; pass the worker's started ``sandbox`` to reuse its slots."""
    items, version = _static_checks(config)
    statuses: dict[str, LanguageStatus] = {}
    if any(i.severity == "error" for i in items):
        return HostReport(items=tuple(items), cgroup_version=version)
    own = sandbox is None
    box = sandbox or Sandbox(config)
    try:
        if own:
            await box.start()
        items += await _jail_checks(box)
        if languages:
            statuses = await box.available_languages()
            for status in statuses.values():
                severity: Severity = "ok" if status.available else "warning"
                items.append(CheckItem(name=f"language {status.id}", severity=severity, detail=status.reason or "ok"))
            if not any(s.available for s in statuses.values()):
                items.append(
                    CheckItem(
                        name="languages",
                        severity="error",
                        detail="no language passed its self-test",
                        fix="install the toolchains (gcc, g++, openjdk-17-jdk-headless, nodejs, python3)",
                    )
                )
    except SandboxError as exc:
        items.append(CheckItem(name="sandbox", severity="error", detail=str(exc), fix=str(exc).rpartition("; ")[2]))
    finally:
        if own:
            await box.close()
    return HostReport(items=tuple(items), cgroup_version=version, languages=statuses)


def print_report(report: HostReport) -> None:
    marks = {"ok": "ok  ", "warning": "WARN", "error": "FAIL"}
    for item in report.items:
        print(f"[{marks[item.severity]}] {item.name}: {item.detail}")
        if item.fix and item.severity != "ok":
            print(f"       fix: {item.fix}")
    print("host can run the sandbox" if report.ok else "host CANNOT enforce the sandbox's limits (see FAIL above)")
