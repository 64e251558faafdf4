"""classify(): the mapping from a run's facts to a neutral status is a pure table."""

from __future__ import annotations

import signal

import pytest

from sandbox.cgroups import CgroupStats
from sandbox.limits import Limits
from sandbox.nsjail import NsjailLog
from sandbox.outcome import classify
from sandbox.result import LimitKind, RunStatus

LIMITS = Limits(cpu_time_ms=1000)
CALM = CgroupStats(peak_bytes=1 << 20, oom_kills=0, memory_failures=0, cpu_ns=0)
OOM = CgroupStats(peak_bytes=64 << 20, oom_kills=1, memory_failures=9, cpu_ns=0)
EXIT0 = NsjailLog(exit_code=0)
EXIT3 = NsjailLog(exit_code=3)
KILLED = NsjailLog(signal=signal.SIGKILL)


@pytest.mark.parametrize(
    ("log", "reason", "cpu_ms", "stats", "status", "limit"),
    [
        (EXIT0, None, 10, CALM, RunStatus.OK, None),
        (EXIT3, None, 10, CALM, RunStatus.NONZERO_EXIT, None),
        (NsjailLog(signal=signal.SIGSEGV), None, 10, CALM, RunStatus.SIGNALED, None),
        (NsjailLog(signal=signal.SIGXFSZ), None, 10, CALM, RunStatus.SIGNALED, LimitKind.FILE_SIZE),
        (KILLED, None, 10, OOM, RunStatus.MEMORY_LIMIT, LimitKind.MEMORY),
        # no oom_kill counter (old kernel): a SIGKILL nobody sent, with allocation failures, is the OOM killer
        (
            KILLED,
            None,
            10,
            CgroupStats(peak_bytes=0, oom_kills=0, memory_failures=3, cpu_ns=0),
            RunStatus.MEMORY_LIMIT,
            LimitKind.MEMORY,
        ),
        (KILLED, LimitKind.CPU_TIME, 1012, CALM, RunStatus.TIME_LIMIT, LimitKind.CPU_TIME),
        (EXIT0, None, 1001, CALM, RunStatus.TIME_LIMIT, LimitKind.CPU_TIME),  # finished, but over the limit
        (NsjailLog(signal=signal.SIGXCPU), None, 990, CALM, RunStatus.TIME_LIMIT, LimitKind.CPU_TIME),
        (KILLED, LimitKind.WALL_TIME, 3, CALM, RunStatus.WALL_LIMIT, LimitKind.WALL_TIME),
        (NsjailLog(signal=signal.SIGKILL, time_limit=True), None, 3, CALM, RunStatus.WALL_LIMIT, LimitKind.WALL_TIME),
        (KILLED, LimitKind.STDOUT, 3, CALM, RunStatus.OUTPUT_LIMIT, LimitKind.STDOUT),
        (KILLED, LimitKind.STDERR, 3, OOM, RunStatus.OUTPUT_LIMIT, LimitKind.STDERR),
        (
            NsjailLog(signal=signal.SIGSYS, seccomp_violation=True),
            None,
            3,
            CALM,
            RunStatus.SANDBOX_VIOLATION,
            LimitKind.SECCOMP,
        ),
        (NsjailLog(errors=("[F] Launching child process failed",)), None, 0, CALM, RunStatus.INTERNAL_ERROR, None),
        (EXIT0, None, 0, None, RunStatus.INTERNAL_ERROR, None),
        # memory beats time: an OOM-killed program that also used a lot of CPU ran out of memory first
        (KILLED, LimitKind.CPU_TIME, 1500, OOM, RunStatus.MEMORY_LIMIT, LimitKind.MEMORY),
    ],
)
def test_classify(
    log: NsjailLog,
    reason: LimitKind | None,
    cpu_ms: int,
    stats: CgroupStats | None,
    status: RunStatus,
    limit: LimitKind | None,
) -> None:
    got_status, got_limit, message = classify(log=log, kill_reason=reason, cpu_ms=cpu_ms, limits=LIMITS, stats=stats)
    assert (got_status, got_limit) == (status, limit)
    assert bool(message) == (status in (RunStatus.INTERNAL_ERROR, RunStatus.SANDBOX_VIOLATION))


def test_internal_error_message_names_nsjail_errors() -> None:
    log = NsjailLog(errors=("[E] mount('/x'): Permission denied", "[F] Launching child process failed"))
    _, _, message = classify(log=log, kill_reason=None, cpu_ms=0, limits=LIMITS, stats=CALM)
    assert "Permission denied" in message
    assert "Launching child process failed" in message
