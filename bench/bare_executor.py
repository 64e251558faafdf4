"""Benchmark only: the judge's executor with the sandbox replaced by a bare run (no jail, no limits but a wall clock).

It exists to measure the sandbox's share of the judge's latency (``final_vs_bare_ratio``). It lives in ``bench/``,
outside every package, and is reached only through ``bench/judge_bench.py --bare-worker`` with an explicit
acknowledgement flag: no setting, environment variable or ``verdict`` command can make a worker run code bare.
Programs run as the invoking user in a temporary directory, with the same command lines as in the jail.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import msgspec

from judge_worker.execution import UnknownLanguageError
from judge_worker.main import Backend
from judge_worker.settings import JudgeSettings
from sandbox import LANGUAGES, CompileOutcome, LanguageSpec, Limits, RunResult, RunStatus
from sandbox.languages import render_command

__all__ = ["BareExecutor", "bare_backend"]

_NO_FILES: Final[Mapping[str, bytes]] = {}
BARE_LANGUAGES: Final = ("python3", "cpp17")


class BareExecutor:
    """Runs the language's own command lines directly (cwd: a fresh temporary directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.box_dir = "./"  # each run has its own working directory

    def language(self, language_id: str) -> LanguageSpec:
        try:
            return LANGUAGES[language_id]
        except KeyError:
            raise UnknownLanguageError(language_id) from None

    async def compile(self, spec: LanguageSpec, sources: Mapping[str, bytes]) -> CompileOutcome:
        template = spec.compile if spec.compile is not None else spec.check
        if template is None:
            return CompileOutcome(result=None, artifacts=dict(sources))
        limits = spec.compile_limits
        with tempfile.TemporaryDirectory(dir=self.root) as box:
            command = render_command(template, limits)
            result = await self._run(command, box=Path(box), files=sources, stdin=None, limits=limits, spec=spec)
            if result.status is not RunStatus.OK:
                artifacts = {}
            elif spec.compile is None:
                artifacts = dict(sources)
            else:
                artifacts = _collect(Path(box), spec.artifacts)
        return CompileOutcome(result=result, artifacts=artifacts)

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
        if stdin_fd is not None or stdout_fd is not None:
            raise NotImplementedError("the bare benchmark executor does not run interactive problems")
        box = Path(tempfile.mkdtemp(dir=self.root))
        try:
            command = (*render_command(spec.run, limits), *args)
            result = await self._run(
                command, box=box, files={**files, **artifacts}, stdin=stdin, limits=spec.run_limits(limits), spec=spec
            )
            return msgspec.structs.replace(result, files=_collect(box, collect))
        finally:
            shutil.rmtree(box, ignore_errors=True)

    async def _run(
        self,
        command: Sequence[str],
        *,
        box: Path,
        files: Mapping[str, bytes],
        stdin: bytes | None,
        limits: Limits,
        spec: LanguageSpec,
    ) -> RunResult:
        _write(box, files)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(box), "LANG": "C.UTF-8", **dict(spec.env)}
        program = list(command)
        if program[0].startswith("./"):
            program[0] = str(box / program[0][2:])
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            *program,
            cwd=box,
            env=env,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        status = RunStatus.OK
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(stdin), limits.wall_time_ms / 1000)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            stdout, stderr = await proc.communicate()
            status = RunStatus.WALL_LIMIT
        wall_ms = round((time.monotonic() - started) * 1000)
        code = proc.returncode
        if status is RunStatus.OK and code is not None and code < 0:
            status = RunStatus.SIGNALED
        elif status is RunStatus.OK and code:
            status = RunStatus.NONZERO_EXIT
        return RunResult(
            status=status,
            exit_code=code if code is not None and code >= 0 else None,
            signal=-code if code is not None and code < 0 else None,
            cpu_ms=wall_ms,  # not measured: a bare run has no cgroup
            wall_ms=wall_ms,
            stdout=stdout[: limits.output_bytes],
            stderr=stderr[: limits.stderr_bytes],
        )


def _write(box: Path, files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        path = box / name
        path.write_bytes(data)
        if data[:4] == b"\x7fELF":
            path.chmod(0o755)


def _collect(box: Path, patterns: Sequence[str]) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for pattern in patterns for path in box.glob(pattern) if path.is_file()}


async def bare_backend(settings: JudgeSettings, environ: Mapping[str, str]) -> Backend:
    root = Path(tempfile.mkdtemp(prefix="verdict-bare-"))  # mode 0700, this process's user only

    async def close() -> None:
        shutil.rmtree(root, ignore_errors=True)

    return Backend(executor=BareExecutor(root), languages=BARE_LANGUAGES, close=close)
