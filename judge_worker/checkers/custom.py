"""Custom checker programs and interactors, compiled once and run in the sandbox.

Two conventions, as problem setters write them:

- ICPC output validators: ``validator input answer feedback_dir [flags]`` with the program's output on stdin;
  exit 42 accepts, 43 rejects; the judge message is ``feedback_dir/judgemessage.txt``. An ICPC interactor gets the
  same arguments and talks to the solution through its stdin/stdout.
- testlib checkers: ``checker input output answer``; exit 0 AC, 1 WA, 2 presentation error, 7 partial (stderr
  ``points <fraction of the test's points, 0..1>``). A testlib interactor: ``interactor input output answer``.

Any other outcome (another exit code, a crash, a limit, points out of range) is the checker's fault: the test is
judged IE, never the student's fault. A sandbox ``internal_error`` is a host fault and propagates (the job retries).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Final

import msgspec

from judge_worker.checkers import CheckerSpecError, convention
from judge_worker.checkers.builtin import CheckResult
from judge_worker.contracts import CheckerSpec
from judge_worker.execution import Executor
from judge_worker.programs import arrange_program
from judge_worker.verdicts import HostFaultError
from sandbox import MIB, LanguageSpec, Limits, RunResult, RunStatus

__all__ = [
    "CHECKER_LIMITS",
    "CheckerCache",
    "CheckerFailedError",
    "CompiledChecker",
    "interpret",
]

ICPC_ACCEPT: Final = 42
ICPC_REJECT: Final = 43
TESTLIB_OK: Final = 0
TESTLIB_WA: Final = 1
TESTLIB_PE: Final = 2
TESTLIB_POINTS: Final = 7
CHECKER_LIMITS: Final = Limits(
    cpu_time_ms=10_000,
    wall_time_ms=20_000,
    memory_bytes=1024 * MIB,
    processes=16,
    output_bytes=1 * MIB,
    stderr_bytes=1 * MIB,
    file_size_bytes=64 * MIB,
    box_bytes=512 * MIB,
)
MESSAGE_CAP: Final = 1000
_JUDGE_MESSAGE: Final = "judgemessage.txt"
_POINTS: Final = re.compile(rb"\s*points\s+([0-9.eE+-]+)")


class CheckerFailedError(Exception):
    """The checker itself failed (not the program under test): the test is IE with this message."""


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="backslashreplace").strip()[:MESSAGE_CAP]


def interpret(kind: str, result: RunResult) -> CheckResult:
    """A checker run's outcome as a judgement, by the checker's convention; raise CheckerFailedError otherwise."""
    if result.status is RunStatus.INTERNAL_ERROR:
        raise HostFaultError(result.message or "the sandbox failed while running the checker")
    code = result.exit_code if result.status in (RunStatus.OK, RunStatus.NONZERO_EXIT) else None
    if code is None:
        raise CheckerFailedError(f"the checker ended with {result.status.value} {result.message}".strip())
    message = _text(result.files.get(_JUDGE_MESSAGE, b"")) or _text(result.stderr)
    if kind == "icpc":
        if code == ICPC_ACCEPT:
            return CheckResult(passed=True, message=message)
        if code == ICPC_REJECT:
            return CheckResult(passed=False, message=message)
        raise CheckerFailedError(f"the output validator exited with {code} (expected 42 or 43): {message}")
    if code == TESTLIB_OK:
        return CheckResult(passed=True, message=message)
    if code == TESTLIB_WA:
        return CheckResult(passed=False, message=message)
    if code == TESTLIB_PE:
        return CheckResult(passed=False, presentation=True, message=message)
    if code == TESTLIB_POINTS:
        match = _POINTS.match(result.stderr)
        try:
            fraction = float(match.group(1)) if match else -1.0
        except ValueError:
            fraction = -1.0
        if not 0.0 <= fraction <= 1.0:
            raise CheckerFailedError(f"the checker gave points outside 0..1: {message}")
        return CheckResult(passed=fraction >= 1.0, partial=fraction, message=message)
    raise CheckerFailedError(f"the checker exited with {code} (expected 0, 1, 2 or 7): {message}")


class CompiledChecker(msgspec.Struct, frozen=True, kw_only=True):
    spec: LanguageSpec
    artifacts: dict[str, bytes]
    convention: str  # icpc | testlib
    flags: tuple[str, ...] = ()

    def arguments(self, box_dir: str) -> tuple[str, ...]:
        if self.convention == "icpc":
            return ("input", "answer", box_dir, *self.flags)
        return ("input", "output", "answer", *self.flags)

    async def check(self, executor: Executor, *, input: bytes, answer: bytes, output: bytes) -> CheckResult:  # noqa: A002
        files = {"input": input, "answer": answer}
        stdin: bytes | None = None
        if self.convention == "icpc":
            stdin = output
        else:
            files["output"] = output
        result = await executor.execute(
            self.spec,
            self.artifacts,
            stdin=stdin,
            limits=CHECKER_LIMITS,
            args=self.arguments(executor.box_dir),
            files=files,
            collect=(_JUDGE_MESSAGE,) if self.convention == "icpc" else (),
        )
        return interpret(self.convention, result)


class CheckerCache:
    """Compiled checkers by (language, source digest): a checker compiles once per worker, not once per job."""

    def __init__(self, capacity: int = 32) -> None:
        self._entries: OrderedDict[tuple[str, str], dict[str, bytes]] = OrderedDict()
        self._capacity = capacity
        self.compilations = 0

    async def get(self, executor: Executor, spec: CheckerSpec, files: Mapping[str, bytes]) -> CompiledChecker:
        if not spec.source or not spec.language or spec.source not in files:
            raise CheckerSpecError(f"a {spec.kind} checker needs a source file in the test set and a language")
        try:
            language = executor.language(spec.language)
        except KeyError:
            raise CheckerSpecError(f"the checker's language {spec.language!r} is unknown") from None
        arranged = arrange_program(language, dict(files), spec.source)
        if isinstance(arranged, str):
            raise CheckerSpecError(f"the checker cannot be built: {arranged}")
        language, sources = arranged
        digest = hashlib.sha256()
        for name in sorted(sources):
            digest.update(name.encode() + b"\x00" + hashlib.sha256(sources[name]).digest())
        key = (language.id, digest.hexdigest())
        artifacts = self._entries.get(key)
        if artifacts is None:
            outcome = await executor.compile(language, sources)
            if outcome.result is not None and outcome.result.status is RunStatus.INTERNAL_ERROR:
                raise HostFaultError(outcome.result.message or "the sandbox failed while compiling the checker")
            if not outcome.ok:
                detail = _text(outcome.result.stderr + outcome.result.stdout) if outcome.result else ""
                raise CheckerSpecError(f"the checker does not compile: {detail}")
            artifacts = dict(outcome.artifacts)
            self.compilations += 1
            self._entries[key] = artifacts
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return CompiledChecker(spec=language, artifacts=artifacts, convention=convention(spec), flags=spec.flags)
