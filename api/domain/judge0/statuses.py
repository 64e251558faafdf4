"""Judge0's status table (ids 1-14, fixed by Judge0 CE) and how Verdict's verdicts map onto it."""

from __future__ import annotations

import enum
import signal
from typing import Final

import msgspec

from judge_worker.contracts import Verdict

__all__ = ["STATUSES", "Status", "StatusBody", "runtime_error_status", "verdict_status"]


class Status(enum.IntEnum):
    IN_QUEUE = 1
    PROCESSING = 2
    ACCEPTED = 3
    WRONG_ANSWER = 4
    TIME_LIMIT_EXCEEDED = 5
    COMPILATION_ERROR = 6
    RUNTIME_ERROR_SIGSEGV = 7
    RUNTIME_ERROR_SIGXFSZ = 8
    RUNTIME_ERROR_SIGFPE = 9
    RUNTIME_ERROR_SIGABRT = 10
    RUNTIME_ERROR_NZEC = 11
    RUNTIME_ERROR_OTHER = 12
    INTERNAL_ERROR = 13
    EXEC_FORMAT_ERROR = 14

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def finished(self) -> bool:
        return self not in (Status.IN_QUEUE, Status.PROCESSING)


_DESCRIPTIONS: Final[dict[Status, str]] = {
    Status.IN_QUEUE: "In Queue",
    Status.PROCESSING: "Processing",
    Status.ACCEPTED: "Accepted",
    Status.WRONG_ANSWER: "Wrong Answer",
    Status.TIME_LIMIT_EXCEEDED: "Time Limit Exceeded",
    Status.COMPILATION_ERROR: "Compilation Error",
    Status.RUNTIME_ERROR_SIGSEGV: "Runtime Error (SIGSEGV)",
    Status.RUNTIME_ERROR_SIGXFSZ: "Runtime Error (SIGXFSZ)",
    Status.RUNTIME_ERROR_SIGFPE: "Runtime Error (SIGFPE)",
    Status.RUNTIME_ERROR_SIGABRT: "Runtime Error (SIGABRT)",
    Status.RUNTIME_ERROR_NZEC: "Runtime Error (NZEC)",
    Status.RUNTIME_ERROR_OTHER: "Runtime Error (Other)",
    Status.INTERNAL_ERROR: "Internal Error",
    Status.EXEC_FORMAT_ERROR: "Exec Format Error",
}


class StatusBody(msgspec.Struct, frozen=True, kw_only=True):
    """A status as Judge0 shows it, both in ``GET /statuses`` and inside a submission."""

    id: int
    description: str


STATUSES: Final = tuple(StatusBody(id=status.value, description=status.description) for status in Status)

_SIGNAL_STATUS: Final[dict[int, Status]] = {
    signal.SIGSEGV: Status.RUNTIME_ERROR_SIGSEGV,
    signal.SIGXFSZ: Status.RUNTIME_ERROR_SIGXFSZ,
    signal.SIGFPE: Status.RUNTIME_ERROR_SIGFPE,
    signal.SIGABRT: Status.RUNTIME_ERROR_SIGABRT,
}


def runtime_error_status(exit_signal: int | None) -> Status:
    """A run-time error: by the signal that ended the program, or NZEC when it exited with a non-zero code."""
    if exit_signal is None or exit_signal == 0:
        return Status.RUNTIME_ERROR_NZEC
    return _SIGNAL_STATUS.get(exit_signal, Status.RUNTIME_ERROR_OTHER)


def verdict_status(verdict: Verdict | str, exit_signal: int | None = None) -> Status:
    """The closest Judge0 status for one of Verdict's verdicts.

    Judge0 has no memory- or output-limit status: a program over its memory limit is killed (``SIGKILL``, "Other"),
    and one writing past its file-size limit gets ``SIGXFSZ``; the submission's ``message`` says which limit it was.
    """
    match Verdict(verdict):
        case Verdict.AC:
            return Status.ACCEPTED
        case Verdict.WA:
            return Status.WRONG_ANSWER
        case Verdict.TLE:
            return Status.TIME_LIMIT_EXCEEDED
        case Verdict.CE:
            return Status.COMPILATION_ERROR
        case Verdict.MLE:
            return Status.RUNTIME_ERROR_OTHER
        case Verdict.OLE:
            return Status.RUNTIME_ERROR_SIGXFSZ
        case Verdict.RTE:
            return runtime_error_status(exit_signal)
        case Verdict.IE:
            return Status.INTERNAL_ERROR
