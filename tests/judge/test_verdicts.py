"""From the sandbox's neutral statuses to verdicts, and from checker exit codes to judgements."""

from __future__ import annotations

import signal

import pytest

from judge_worker.checkers.custom import CheckerFailedError, interpret
from judge_worker.contracts import Verdict
from judge_worker.verdicts import HostFaultError, run_verdict
from sandbox import RunResult, RunStatus


@pytest.mark.parametrize(
    ("status", "verdict", "words"),
    [
        (RunStatus.OK, None, ""),
        (RunStatus.TIME_LIMIT, Verdict.TLE, "CPU time"),
        (RunStatus.WALL_LIMIT, Verdict.TLE, "wall-clock"),
        (RunStatus.MEMORY_LIMIT, Verdict.MLE, "memory"),
        (RunStatus.OUTPUT_LIMIT, Verdict.OLE, "output"),
        (RunStatus.SANDBOX_VIOLATION, Verdict.RTE, "forbidden system call"),
    ],
)
def test_statuses_map_to_verdicts(status: RunStatus, verdict: Verdict | None, words: str) -> None:
    result = run_verdict(RunResult(status=status))
    assert result.verdict is verdict
    assert words in result.message


def test_nonzero_exit_keeps_the_exit_code() -> None:
    result = run_verdict(RunResult(status=RunStatus.NONZERO_EXIT, exit_code=3))
    assert result.verdict is Verdict.RTE
    assert result.message == "exited with code 3"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (signal.SIGSEGV, "killed by SIGSEGV"),
        (signal.SIGFPE, "killed by SIGFPE"),
        (signal.SIGXFSZ, "killed by SIGXFSZ (file size limit exceeded)"),
        (77, "killed by signal 77"),
    ],
)
def test_signals_are_named(number: int, message: str) -> None:
    result = run_verdict(RunResult(status=RunStatus.SIGNALED, signal=number))
    assert result.verdict is Verdict.RTE
    assert result.message == message


def test_internal_error_is_a_host_fault_not_a_verdict() -> None:
    with pytest.raises(HostFaultError, match="cgroup vanished"):
        run_verdict(RunResult(status=RunStatus.INTERNAL_ERROR, message="cgroup vanished"))


def _exit(code: int, stderr: bytes = b"", files: dict[str, bytes] | None = None) -> RunResult:
    status = RunStatus.OK if code == 0 else RunStatus.NONZERO_EXIT
    return RunResult(status=status, exit_code=code, stderr=stderr, files=files or {})


def test_icpc_validator_exit_codes() -> None:
    accepted = interpret("icpc", _exit(42))
    assert accepted.passed
    assert accepted.fraction == 1.0
    rejected = interpret("icpc", _exit(43, files={"judgemessage.txt": b"expected 3 got 4\n"}))
    assert not rejected.passed
    assert rejected.message == "expected 3 got 4"
    for code in (0, 1, 44):
        with pytest.raises(CheckerFailedError, match=f"exited with {code}"):
            interpret("icpc", _exit(code))


def test_testlib_exit_codes() -> None:
    assert interpret("testlib", _exit(0, b"ok 3 numbers")).passed
    wrong = interpret("testlib", _exit(1, b"wrong answer 2nd number differs"))
    assert not wrong.passed
    assert wrong.message == "wrong answer 2nd number differs"
    layout = interpret("testlib", _exit(2, b"wrong output format"))
    assert not layout.passed
    assert layout.presentation
    partial = interpret("testlib", _exit(7, b"points 0.25 a quarter"))
    assert not partial.passed
    assert partial.fraction == 0.25
    full = interpret("testlib", _exit(7, b"points 1"))
    assert full.passed
    assert full.fraction == 1.0
    with pytest.raises(CheckerFailedError, match=r"outside 0\.\.1"):
        interpret("testlib", _exit(7, b"points 30"))
    with pytest.raises(CheckerFailedError, match=r"outside 0\.\.1"):
        interpret("testlib", _exit(7, b"no points here"))
    with pytest.raises(CheckerFailedError, match="exited with 3"):
        interpret("testlib", _exit(3, b"FAIL answer file is broken"))


@pytest.mark.parametrize(
    "status", [RunStatus.TIME_LIMIT, RunStatus.MEMORY_LIMIT, RunStatus.SIGNALED, RunStatus.SANDBOX_VIOLATION]
)
def test_a_checker_that_crashes_or_hits_a_limit_is_never_the_students_fault(status: RunStatus) -> None:
    with pytest.raises(CheckerFailedError, match=status.value):
        interpret("icpc", RunResult(status=status, signal=9))


def test_the_sandbox_failing_under_the_checker_is_a_host_fault() -> None:
    with pytest.raises(HostFaultError):
        interpret("testlib", RunResult(status=RunStatus.INTERNAL_ERROR, message="x"))
