"""From what the judge fleet recorded to the result attributes of a Judge0 submission.

A Judge0 submission is judged as an ordinary fleet job whose inline tests are its ``stdin``/``expected_output``,
``number_of_runs`` times, stopping at the first run that is not accepted (as Judge0 does). Its result is the run
that decided it (the first one not accepted, else the last), with ``time`` and ``memory`` averaged over the runs
made, as Judge0 averages them.

``message`` says what happened in Judge0's (isolate's) words: "Exited with error status 1", "Caught fatal signal
11", "Time limit exceeded"; and, since Judge0 has no status for them, "Memory limit exceeded" and "Output limit
exceeded" for Verdict's MLE and OLE.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import msgspec

from api.domain.judge0.statuses import Status, verdict_status
from judge_worker.contracts import CaseResult, Verdict

__all__ = ["Judge0Result", "derive_result", "format_seconds"]

_MS: Final = Decimal(1000)
_MILLI: Final = Decimal("0.001")


class Judge0Result(msgspec.Struct, frozen=True, kw_only=True):
    status: Status
    stdout: bytes | None = None
    stderr: bytes | None = None
    compile_output: bytes | None = None
    message: str | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    time: Decimal | None = None  # seconds
    wall_time: Decimal | None = None
    memory: int | None = None  # KiB
    finished_at: datetime | None = None


def format_seconds(value: Decimal | float | None) -> str | None:
    """Seconds as Judge0 prints a decimal column: ``"0.012"``, ``"1.5"``, ``"0.0"`` (never exponent notation)."""
    if value is None:
        return None
    number = Decimal(str(value)) if isinstance(value, float) else value
    text = format(number.normalize(), "f")
    if "." not in text:
        text += ".0"
    return text


def _raw(data: bytes) -> bytes | None:
    """The program's own bytes (Judge0 answers null, not "", for no output)."""
    return data or None


def _bytes(text: str | None) -> bytes | None:
    if text is None or text == "":
        return None
    return text.encode("utf-8", "surrogatepass")


def _message(case: CaseResult, *, cpu_limit_ms: int, wall_limit_ms: int) -> str | None:
    verdict = case.verdict
    if verdict is Verdict.TLE:
        if case.cpu_ms < cpu_limit_ms and wall_limit_ms and case.wall_ms >= wall_limit_ms:
            return "Time limit exceeded (wall clock)"
        return "Time limit exceeded"
    if verdict is Verdict.MLE:
        return "Memory limit exceeded"
    if verdict is Verdict.OLE:
        return "Output limit exceeded"
    if verdict is Verdict.RTE:
        if case.signal:
            return f"Caught fatal signal {case.signal}"
        return f"Exited with error status {case.exit_code or 0}"
    if verdict is Verdict.IE:
        return case.message or "Internal error"
    return None


def _average_ms(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values) / _MS).quantize(_MILLI)


def derive_result(
    *,
    state: str,
    processing: bool,
    verdict: str | None,
    cases: list[dict[str, Any]] | None,
    compile_output: str,
    message: str,
    finished_at: datetime | None,
    cpu_limit_ms: int,
    wall_limit_ms: int,
    redirect_stderr_to_stdout: bool = False,
) -> Judge0Result:
    """``state`` is the fleet submission's status (``queued``/``judging``/``done``); ``processing`` says whether a
    worker has started on it (its in-flight progress exists)."""
    if state != "done" or verdict is None:
        return Judge0Result(status=Status.PROCESSING if processing or state == "judging" else Status.IN_QUEUE)
    final = Verdict(verdict)
    if final is Verdict.CE:
        return Judge0Result(
            status=Status.COMPILATION_ERROR, compile_output=_bytes(compile_output), finished_at=finished_at
        )
    runs = [msgspec.convert(case, CaseResult) for case in cases or ()]
    ran = [run for run in runs if not run.skipped]
    if not ran:
        status = verdict_status(final)
        return Judge0Result(
            status=status,
            message=(message or "Internal error") if status is Status.INTERNAL_ERROR else (message or None),
            compile_output=_bytes(compile_output),
            finished_at=finished_at,
        )
    deciding = next((run for run in ran if run.verdict is not Verdict.AC), ran[-1])
    status = verdict_status(deciding.verdict, deciding.signal)
    stdout = _raw(deciding.stdout_bytes) if deciding.stdout_bytes is not None else _bytes(deciding.stdout)
    stderr = _raw(deciding.stderr_bytes) if deciding.stderr_bytes is not None else _bytes(deciding.stderr)
    if redirect_stderr_to_stdout and stderr is not None:
        stdout, stderr = (stdout or b"") + stderr, None
    memory = [run.memory_kib for run in ran]
    return Judge0Result(
        status=status,
        stdout=stdout,
        stderr=stderr,
        compile_output=_bytes(compile_output),
        message=_message(deciding, cpu_limit_ms=cpu_limit_ms, wall_limit_ms=wall_limit_ms),
        exit_code=deciding.exit_code if deciding.exit_code is not None else 0,
        exit_signal=deciding.signal or None,
        time=_average_ms([run.cpu_ms for run in ran]),
        wall_time=_average_ms([run.wall_ms for run in ran]),
        memory=sum(memory) // len(memory),
        finished_at=finished_at,
    )
