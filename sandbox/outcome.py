"""From the facts of a finished run to a neutral status: a pure function, unit-tested on its own.

Sources, in order of trust: what the sandbox itself did (killed the jail for output, CPU or wall time), the
kernel's counters (OOM kills in the memory cgroup, CPU time from wait4), and nsjail's own log (the jailed
process's exit status or signal, seccomp violations). The program's output is never consulted.
"""

from __future__ import annotations

import signal

from sandbox.cgroups import CgroupStats
from sandbox.limits import Limits
from sandbox.nsjail import NsjailLog
from sandbox.result import LimitKind, RunStatus

__all__ = ["classify"]


def classify(
    *,
    log: NsjailLog,
    kill_reason: LimitKind | None,
    cpu_ms: int,
    limits: Limits,
    stats: CgroupStats | None,
) -> tuple[RunStatus, LimitKind | None, str]:
    """The status, the limit that fired (if any) and a message (for internal errors)."""
    if kill_reason in (LimitKind.STDOUT, LimitKind.STDERR):
        return RunStatus.OUTPUT_LIMIT, kill_reason, ""
    if stats is None:
        return RunStatus.INTERNAL_ERROR, None, "the slot's cgroup counters could not be read"
    sig = log.signal
    if stats.oom_kills > 0 or (sig == signal.SIGKILL and kill_reason is None and stats.memory_failures > 0):
        return RunStatus.MEMORY_LIMIT, LimitKind.MEMORY, ""  # whichever jailed process the OOM killer chose
    if not log.child_finished and kill_reason is None:
        detail = "; ".join(log.errors[-3:]) or "nsjail ended without starting the program"
        return RunStatus.INTERNAL_ERROR, None, detail
    if kill_reason is LimitKind.CPU_TIME or cpu_ms > limits.cpu_time_ms or sig == signal.SIGXCPU:
        return RunStatus.TIME_LIMIT, LimitKind.CPU_TIME, ""
    if kill_reason is LimitKind.WALL_TIME or log.time_limit:
        return RunStatus.WALL_LIMIT, LimitKind.WALL_TIME, ""
    if log.seccomp_violation or sig == signal.SIGSYS:
        return RunStatus.SANDBOX_VIOLATION, LimitKind.SECCOMP, "a forbidden system call was made"
    if sig is not None:
        return RunStatus.SIGNALED, LimitKind.FILE_SIZE if sig == signal.SIGXFSZ else None, ""
    if log.exit_code:
        return RunStatus.NONZERO_EXIT, None, ""
    return RunStatus.OK, None, ""
