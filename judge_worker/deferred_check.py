"""An interpreted language's check-only compile step (Python's syntax check), kept off the first result's path.

- One source file: the check runs only when the first test's run could have been that very failure. Python parses
  the whole main file before running a line and exits 1 on a syntax error, so a first run that ended any other way
  (exit 0, a wrong answer, a time limit, a signal) proves the file parsed and the check is not run at all; a program
  that exited 1 is checked before its first result is sent.
- Several files (a module may be imported on some paths only): the check starts at once, beside the first tests,
  in a borrowed slot (the caller runs it before the tests, in the job's own slot, when none is free).

The grader sends no test result before the check has passed (``CompileFinished`` first, as for a compiled
language); a failed check makes the submission CE with the checker's output, whatever the tests did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from judge_worker.execution import Executor
from judge_worker.slots import SlotPool
from sandbox import CompileOutcome, LanguageSpec, RunResult, RunStatus

__all__ = ["DeferredCheck", "proves_parsed"]


def proves_parsed(spec: LanguageSpec, run: RunResult) -> bool:
    """Whether ``run`` of a one-file program shows that the language's check would pass."""
    return not (run.status is RunStatus.NONZERO_EXIT and run.exit_code in spec.check_exit_codes)


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


class DeferredCheck:
    """The check of one submission: started now (``eager``, holding a slot already borrowed) or on demand."""

    def __init__(
        self, executor: Executor, spec: LanguageSpec, sources: Mapping[str, bytes], slots: SlotPool, *, eager: bool
    ) -> None:
        self._executor = executor
        self._spec = spec
        self._sources = dict(sources)
        self._slots = slots
        self._task: asyncio.Future[CompileOutcome] | None = None
        if eager:
            self._task = asyncio.ensure_future(self._run(borrowed=True))

    async def _run(self, *, borrowed: bool) -> CompileOutcome:
        try:
            return await self._executor.compile(self._spec, self._sources)
        finally:
            if borrowed:
                self._slots.release()

    async def outcome(self, first_run: RunResult | None) -> CompileOutcome | None:
        """The check's outcome, or None when ``first_run`` (the first test's run, if any) made it needless."""
        if self._task is None:
            if first_run is not None and len(self._sources) == 1 and proves_parsed(self._spec, first_run):
                return None
            # Run now, in a free slot if there is one; otherwise beside this job's tests in flight (a short run:
            # the sandbox still runs no more programs at once than it has slots).
            self._task = asyncio.ensure_future(self._run(borrowed=self._slots.try_acquire()))
        return await asyncio.shield(self._task)

    def abandon(self) -> None:
        """The job left early: a check in flight ends by its own limits and gives its slot back then."""
        if self._task is not None:
            self._task.add_done_callback(_retrieve)
