"""What the grader needs from a sandbox, and the real implementation over :class:`sandbox.Sandbox`.

The grader talks to an :class:`Executor`: compile a program, run it (with extra arguments and files for checkers
and interactors, or connected to pipes). :class:`SandboxExecutor` is the only implementation in this package;
every program it runs is jailed. (The benchmark's bare executor lives in ``bench/``, outside any production path.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Protocol

import msgspec

from sandbox import LANGUAGES, CompileOutcome, LanguageSpec, Limits, RunResult, Sandbox
from sandbox.warm_pool import WarmPool

__all__ = ["BOX_DIR", "Executor", "SandboxExecutor", "UnknownLanguageError"]

BOX_DIR: Final = "/box/"  # the working directory of every jailed program (an ICPC feedback_dir points here)
_NO_FILES: Final[Mapping[str, bytes]] = {}


class UnknownLanguageError(KeyError):
    """No such language in the sandbox's language table."""


class Executor(Protocol):
    """Runs programs for the grader. Implementations must be safe to call concurrently up to their slots."""

    box_dir: str

    def language(self, language_id: str) -> LanguageSpec: ...

    async def compile(self, spec: LanguageSpec, sources: Mapping[str, bytes]) -> CompileOutcome: ...

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
    ) -> RunResult: ...


class SandboxExecutor:
    """Every run goes through nsjail: fresh box, empty environment, no network, kernel-accounted limits.

    A submission's tests (its program, no extra arguments, no pipes) run in warm jails of that submission
    (``sandbox.warm_pool``; Python in the zygote) unless the sandbox runs cold (``SANDBOX_WARM=0``)."""

    box_dir = BOX_DIR

    def __init__(self, sandbox: Sandbox, *, languages: Mapping[str, LanguageSpec] = LANGUAGES) -> None:
        self.sandbox = sandbox
        self._languages = languages
        self.warm = WarmPool()

    def language(self, language_id: str) -> LanguageSpec:
        try:
            return self._languages[language_id]
        except KeyError:
            raise UnknownLanguageError(language_id) from None

    async def compile(self, spec: LanguageSpec, sources: Mapping[str, bytes]) -> CompileOutcome:
        return await self.sandbox.compile(spec, sources)

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
        if args:
            # The same language (same id, so the same toolchain mounts) with arguments after its run command.
            spec = msgspec.structs.replace(spec, run=(*spec.run, *(_literal(a) for a in args)))
        if not args and stdin_fd is None and stdout_fd is None and not self.sandbox.warm_problem:
            return await self.warm.execute(
                self.sandbox, spec, artifacts, files=files, stdin=stdin, limits=limits, collect=collect
            )
        box = {**files, **artifacts} if files else artifacts
        return await self.sandbox.execute(
            spec, box, stdin, limits, stdin_fd=stdin_fd, stdout_fd=stdout_fd, collect=collect
        )


def _literal(argument: str) -> str:
    """Escape braces: run commands are format templates (``{memory_mib}``), arguments are not."""
    return argument.replace("{", "{{").replace("}", "}}")
