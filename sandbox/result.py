"""The neutral facts a run produces (the sandbox knows nothing about verdicts)."""

from __future__ import annotations

import enum

import msgspec

__all__ = ["CompileOutcome", "LanguageStatus", "LimitKind", "RunResult", "RunStatus"]


class RunStatus(enum.StrEnum):
    OK = "ok"  # exited 0 within every limit
    NONZERO_EXIT = "nonzero_exit"  # exited with another code
    SIGNALED = "signaled"  # killed by a signal it caused (SIGSEGV, SIGABRT, SIGFPE, SIGXFSZ, ...)
    TIME_LIMIT = "time_limit"  # CPU time limit
    WALL_LIMIT = "wall_limit"  # wall-clock limit (sleeping, blocked on input)
    MEMORY_LIMIT = "memory_limit"  # the memory cgroup killed it
    OUTPUT_LIMIT = "output_limit"  # stdout or stderr past its cap
    SANDBOX_VIOLATION = "sandbox_violation"  # a forbidden system call (seccomp)
    INTERNAL_ERROR = "internal_error"  # the sandbox failed, not the program; see ``message``


class LimitKind(enum.StrEnum):
    """Which limit fired (``RunResult.limit``)."""

    CPU_TIME = "cpu_time"
    WALL_TIME = "wall_time"
    MEMORY = "memory"
    STDOUT = "stdout"
    STDERR = "stderr"
    FILE_SIZE = "file_size"
    SECCOMP = "seccomp"


class RunResult(msgspec.Struct, frozen=True, kw_only=True):
    """What happened in one run. ``cpu_ms`` counts every jailed process and thread, not nsjail itself."""

    status: RunStatus
    exit_code: int | None = None
    signal: int | None = None
    cpu_ms: int = 0
    wall_ms: int = 0
    memory_kib: int = 0
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    limit: str | None = None
    message: str = ""
    files: dict[str, bytes] = msgspec.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK


class CompileOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """A compile step: ``result`` is None for languages without one; ``artifacts`` are what later runs get."""

    result: RunResult | None
    artifacts: dict[str, bytes]

    @property
    def ok(self) -> bool:
        return self.result is None or (self.result.status is RunStatus.OK and bool(self.artifacts))


class LanguageStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a language can be offered on this host, and why not."""

    id: str
    name: str
    available: bool
    reason: str = ""
