"""Benchmark only: a stand-in executor that runs nothing. Each test "takes" a fixed time and echoes its input.

The fleet and exam-burst benchmarks measure the queue, Redis and the API around the judge, not programs, so the
judge workers there are real ``verdict worker judge`` code (arq, slots, events, reports) with the executor
replaced by this one: ``execute`` waits ``SIM_TEST_MS`` milliseconds (an asyncio sleep, so a worker's CPU goes to
the queue, not to programs) and answers the test's input as the program's output, so a problem whose expected
output equals its input is Accepted. Reached only through ``bench/*_bench.py``; no setting or ``verdict`` command
selects it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Final

from judge_worker.execution import UnknownLanguageError
from judge_worker.main import Backend
from judge_worker.settings import JudgeSettings
from sandbox import LANGUAGES, CompileOutcome, LanguageSpec, Limits, RunResult, RunStatus

__all__ = ["SimulatedExecutor", "simulated_backend"]

_NO_FILES: Final[Mapping[str, bytes]] = {}


class SimulatedExecutor:
    def __init__(self, test_ms: float) -> None:
        self.test_ms = test_ms
        self.box_dir = "./"

    def language(self, language_id: str) -> LanguageSpec:
        try:
            return LANGUAGES[language_id]
        except KeyError:
            raise UnknownLanguageError(language_id) from None

    async def compile(self, spec: LanguageSpec, sources: Mapping[str, bytes]) -> CompileOutcome:
        return CompileOutcome(result=None, artifacts=dict(sources))

    async def execute(
        self,
        spec: LanguageSpec,
        artifacts: Mapping[str, bytes],
        *,
        stdin: bytes | None,
        limits: Limits,
        args: Sequence[str] = (),
        files: Mapping[str, bytes] = _NO_FILES,
        collect: Sequence[str] = (),
        stdin_fd: int | None = None,
        stdout_fd: int | None = None,
    ) -> RunResult:
        if self.test_ms:
            await asyncio.sleep(self.test_ms / 1000)
        ms = round(self.test_ms)
        return RunResult(status=RunStatus.OK, exit_code=0, cpu_ms=ms, wall_ms=ms, stdout=stdin or b"")


def simulated_backend(test_ms: float):  # type: ignore[no-untyped-def]
    async def factory(settings: JudgeSettings, environ: Mapping[str, str]) -> Backend:
        async def close() -> None:
            return None

        return Backend(executor=SimulatedExecutor(test_ms), languages=("python3",), close=close)

    return factory
