"""The ``scan_submission`` job: static checks of one submission, every one of them run in the sandbox.

Two steps, each a jailed run through the worker's :class:`~judge_worker.execution.Executor` (the same compile path
as judging, with another command line): the construct checker (``judge_worker/scan_program.py``, copied into the box
and run by the jail's Python) and, when asked, the language's linter (pyflakes; gcc/g++ ``-Wall -Wextra``;
``javac -Xlint:all``). The submission is never run. The report goes back like a judge report: enqueued as
``record_scan_report`` on the api-tasks queue. A sandbox fault retries the job; the last try reports the scan as
failed."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import msgspec
from arq import Retry
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from judge_worker.contracts import (
    API_TASKS_QUEUE,
    RECORD_SCAN_REPORT,
    ScanFinding,
    ScanReport,
    ScanRequest,
    ScanRuleResult,
)
from judge_worker.execution import Executor, UnknownLanguageError
from judge_worker.wake import wake
from sandbox import MIB, LanguageSpec, Limits, RunStatus, SandboxError

__all__ = ["LINTERS", "SCAN_MAX_TRIES", "parse_linter_output", "scan", "scan_job_id", "scan_submission"]

logger = logging.getLogger("verdict.scan")

SCAN_MAX_TRIES: Final = 3
MAX_FINDINGS: Final = 200
_PROGRAM: Final = Path(__file__).with_name("scan_program.py")
_GCC_WARNINGS: Final = ("-Wall", "-Wextra", "-fsyntax-only", "-fdiagnostics-color=never")
# Linter command lines per language (run in the box, where the source is stored under the language's file name).
LINTERS: Final[Mapping[str, tuple[str, ...]]] = {
    "python3": ("/usr/bin/python3", "-I", "-m", "pyflakes", "main.py"),
    "c": ("/usr/bin/gcc", "-std=c17", *_GCC_WARNINGS, "main.c"),
    "cpp17": ("/usr/bin/g++", "-std=c++17", *_GCC_WARNINGS, "main.cpp"),
    "cpp20": ("/usr/bin/g++", "-std=c++20", *_GCC_WARNINGS, "main.cpp"),
    "java": ("/usr/bin/javac", "-J-Xmx512m", "-J-XX:+UseSerialGC", "-Xlint:all", "-proc:none", "-d", ".", "Main.java"),
}
_CHECKER_LIMITS: Final = Limits(
    cpu_time_ms=5_000,
    wall_time_ms=10_000,
    memory_bytes=256 * MIB,
    processes=4,
    output_bytes=1 * MIB,
    stderr_bytes=64 * 1024,
    file_size_bytes=1 * MIB,
    box_bytes=16 * MIB,
    tmp_bytes=16 * MIB,
)
_DIAGNOSTIC: Final = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?:(?P<severity>fatal error|error|warning|note):\s*)?"
    r"(?P<message>.+)$"
)


def scan_job_id(submission_id: object, attempt: int) -> str:
    return f"scan:{submission_id}:{attempt}"


def _report_job_id(request: ScanRequest) -> str:
    return f"scan-report:{request.submission_id}:{request.attempt}"


def parse_linter_output(text: str, *, source_names: frozenset[str]) -> list[ScanFinding]:
    """``file:line[:col]: [severity:] message`` lines about the submission's own files (notes are dropped)."""
    findings: list[ScanFinding] = []
    for raw in text.splitlines():
        match = _DIAGNOSTIC.match(raw.strip())
        if match is None or Path(match["file"]).name not in source_names:
            continue
        severity = (match["severity"] or "warning").replace("fatal error", "error")
        if severity == "note":
            continue
        findings.append(
            ScanFinding(
                source="linter",
                message=match["message"].strip()[:500],
                line=int(match["line"]),
                column=int(match["col"] or 0),
                severity=severity,
            )
        )
        if len(findings) >= MAX_FINDINGS:
            break
    return findings


def _step(spec: LanguageSpec, command: tuple[str, ...], limits: Limits) -> LanguageSpec:
    """The language (its mounts and environment) with ``command`` as its one compile step."""
    return msgspec.structs.replace(spec, compile=command, artifacts=(), compile_limits=limits)


async def _rules(
    executor: Executor, request: ScanRequest, name: str, source: str
) -> list[ScanRuleResult | ScanFinding]:
    python = executor.language("python3")
    job = {"language": request.language, "source": name, "rules": [msgspec.to_builtins(r) for r in request.rules]}
    box = {
        "scan.py": _PROGRAM.read_bytes(),
        "scan.json": json.dumps(job).encode(),
        name: source.encode(),
    }
    outcome = await executor.compile(_step(python, ("/usr/bin/python3", "-S", "-I", "scan.py"), _CHECKER_LIMITS), box)
    result = outcome.result
    if result is None or result.status is not RunStatus.OK:
        status = result.status.value if result is not None else "no result"
        raise ScanFailedError(f"the construct checker did not finish ({status})")
    try:
        answer = json.loads(result.stdout)
    except ValueError as exc:
        raise ScanFailedError("the construct checker's answer was not readable") from exc
    out: list[ScanRuleResult | ScanFinding] = []
    for item in answer.get("results", []):
        out.append(ScanRuleResult(rule=int(item["rule"]), passed=bool(item["passed"])))
        for found in item.get("findings", [])[:MAX_FINDINGS]:
            out.append(
                ScanFinding(
                    source="rule",
                    rule=int(item["rule"]),
                    message=str(found.get("message", ""))[:500],
                    line=int(found.get("line", 0)),
                    column=int(found.get("column", 0)),
                    severity="error",
                )
            )
    return out


class ScanFailedError(Exception):
    """The scan could not be done for a reason that retrying does not change (reported as such)."""


async def _lint(executor: Executor, request: ScanRequest, spec: LanguageSpec) -> list[ScanFinding] | None:
    command = LINTERS.get(request.language)
    if command is None:
        return None
    sources = {name: text.encode() for name, text in request.files.items()}
    outcome = await executor.compile(_step(spec, command, spec.compile_limits), sources)
    result = outcome.result
    if result is None or result.status not in (RunStatus.OK, RunStatus.NONZERO_EXIT):
        status = result.status.value if result is not None else "no result"
        raise ScanFailedError(f"the linter did not finish ({status})")
    text = (result.stdout + b"\n" + result.stderr).decode("utf-8", errors="replace")
    return parse_linter_output(text, source_names=frozenset(request.files))


async def scan(request: ScanRequest, executor: Executor, *, worker: str = "") -> ScanReport:
    """Scan one submission (raises SandboxError on a host fault)."""
    try:
        spec = executor.language(request.language)
    except UnknownLanguageError:
        return ScanReport(
            submission_id=request.submission_id,
            attempt=request.attempt,
            ok=False,
            message=f"no scanner for {request.language}",
            worker=worker,
        )
    name = spec.source if spec.source in request.files else next(iter(sorted(request.files)), spec.source)
    source = request.files.get(name, "")
    try:
        checked = await _rules(executor, request, name, source) if request.rules else []
        linted = await _lint(executor, request, spec) if request.linter else None
    except ScanFailedError as exc:
        return ScanReport(
            submission_id=request.submission_id, attempt=request.attempt, ok=False, message=str(exc), worker=worker
        )
    return ScanReport(
        submission_id=request.submission_id,
        attempt=request.attempt,
        rules=tuple(r for r in checked if isinstance(r, ScanRuleResult)),
        findings=(*(f for f in checked if isinstance(f, ScanFinding)), *(linted or ())),
        linter_ran=linted is not None,
        worker=worker,
    )


async def _enqueue(redis: ArqRedis, request: ScanRequest, report: ScanReport) -> None:
    for attempt in range(30):
        try:
            await redis.enqueue_job(
                RECORD_SCAN_REPORT,
                msgspec.to_builtins(report),
                _queue_name=API_TASKS_QUEUE,
                _job_id=_report_job_id(request),
            )
        except (RedisError, OSError):
            if attempt == 29:
                raise
            await asyncio.sleep(1.0)
        else:
            await wake(redis, API_TASKS_QUEUE)
            return


async def scan_submission(ctx: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Scan one submission in the sandbox and enqueue its report; returns whether the scan ran."""
    request = msgspec.convert(payload, ScanRequest)
    state = ctx["state"]
    job_try = int(ctx.get("job_try", 1))
    try:
        async with state.slots.hold():
            report = await scan(request, state.executor, worker=state.settings.worker_id)
    except SandboxError as exc:
        if job_try < SCAN_MAX_TRIES:
            logger.warning("host fault scanning %s (try %d): %s", request.submission_id, job_try, exc)
            raise Retry(defer=job_try) from exc
        report = ScanReport(
            submission_id=request.submission_id,
            attempt=request.attempt,
            ok=False,
            message=f"the scan failed {job_try} times on the judge",
            worker=state.settings.worker_id,
        )
    await _enqueue(ctx["redis"], request, report)
    logger.info("scanned %s: ok=%s, %d findings", request.submission_id, report.ok, len(report.findings))
    return report.ok
