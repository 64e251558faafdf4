"""From the sandbox's neutral facts to verdicts. A program's failure is a verdict; a host failure is an exception."""

from __future__ import annotations

import signal
from typing import Final

import msgspec

from judge_worker.contracts import Verdict
from sandbox.errors import SandboxError
from sandbox.result import RunResult, RunStatus

__all__ = ["HostFaultError", "RunVerdict", "run_verdict"]

_STATUS_VERDICTS: Final = {
    RunStatus.TIME_LIMIT: Verdict.TLE,
    RunStatus.WALL_LIMIT: Verdict.TLE,
    RunStatus.MEMORY_LIMIT: Verdict.MLE,
    RunStatus.OUTPUT_LIMIT: Verdict.OLE,
    RunStatus.NONZERO_EXIT: Verdict.RTE,
    RunStatus.SIGNALED: Verdict.RTE,
    RunStatus.SANDBOX_VIOLATION: Verdict.RTE,
}


class HostFaultError(SandboxError):
    """The sandbox reported ``internal_error``: the host failed, not the program. The job is retried."""


class RunVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """A run's verdict before any checker: None when the program ended normally (the checker decides)."""

    verdict: Verdict | None
    message: str = ""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_verdict(result: RunResult) -> RunVerdict:
    """Map a finished run to a verdict; raise :class:`HostFaultError` on ``internal_error``."""
    status = result.status
    if status is RunStatus.OK:
        return RunVerdict(verdict=None)
    if status is RunStatus.INTERNAL_ERROR:
        raise HostFaultError(result.message or "the sandbox failed without a message")
    verdict = _STATUS_VERDICTS[status]
    if status is RunStatus.TIME_LIMIT:
        message = "CPU time limit exceeded"
    elif status is RunStatus.WALL_LIMIT:
        message = "wall-clock time limit exceeded (sleeping or waiting for input?)"
    elif status is RunStatus.MEMORY_LIMIT:
        message = "memory limit exceeded"
    elif status is RunStatus.OUTPUT_LIMIT:
        message = "output limit exceeded"
    elif status is RunStatus.NONZERO_EXIT:
        message = f"exited with code {result.exit_code}"
    elif status is RunStatus.SIGNALED:
        sig = result.signal
        message = f"killed by {_signal_name(sig)}" if sig is not None else "killed by a signal"
        if sig == signal.SIGXFSZ:
            message += " (file size limit exceeded)"
    else:
        message = result.message or "a forbidden system call was made"
    return RunVerdict(verdict=verdict, message=message)
