"""Interactive problems: the solution and the interactor, each in its own jail, connected by two pipes.

The interactor's stdout is the solution's stdin and the other way round. Each jail is measured alone (the solution's
CPU time is its own). Whatever the solution does, the run ends: a solution that stops reading makes the interactor
see EOF or a broken pipe (it rejects), one that never flushes leaves both waiting until the wall-clock limits end
both (TLE), one that exits early closes its pipe (the interactor rejects). Precedence: a limit the solution hit
(TLE, MLE, OLE); then the interactor's rejection (WA, noting a crash of the solution); then the solution's crash
(RTE, when the interactor accepted or itself failed); then the interactor's judgement.
"""

from __future__ import annotations

import asyncio
import os
from typing import Final

import msgspec

from judge_worker.checkers.builtin import CheckResult
from judge_worker.checkers.custom import CHECKER_LIMITS, CheckerFailedError, CompiledChecker, interpret
from judge_worker.contracts import Verdict
from judge_worker.execution import Executor
from judge_worker.verdicts import run_verdict
from sandbox import LanguageSpec, Limits, RunResult, RunStatus

__all__ = ["Interaction", "interact"]

_LIMIT_STATUSES: Final = frozenset(
    {RunStatus.TIME_LIMIT, RunStatus.WALL_LIMIT, RunStatus.MEMORY_LIMIT, RunStatus.OUTPUT_LIMIT}
)


class Interaction(msgspec.Struct, frozen=True, kw_only=True):
    """The solution's run (its verdict before the interactor), and the interactor's judgement."""

    solution: RunResult
    verdict: Verdict
    check: CheckResult | None  # None when the solution's own failure decided
    message: str = ""


def _interactor_limits(solution: Limits) -> Limits:
    wall = solution.wall_time_ms + 2000
    return msgspec.structs.replace(
        CHECKER_LIMITS, wall_time_ms=wall, cpu_time_ms=max(CHECKER_LIMITS.cpu_time_ms, solution.cpu_time_ms * 2)
    )


async def interact(
    executor: Executor,
    spec: LanguageSpec,
    artifacts: dict[str, bytes],
    interactor: CompiledChecker,
    *,
    input: bytes,  # noqa: A002
    answer: bytes,
    limits: Limits,
) -> Interaction:
    to_solution_r, to_solution_w = os.pipe2(os.O_CLOEXEC)
    to_interactor_r, to_interactor_w = os.pipe2(os.O_CLOEXEC)
    files = {"input": input, "answer": answer}
    if interactor.convention == "testlib":
        files["output"] = b""
    # The sandbox owns (and closes) every fd handed to it, once the jail holds its own copy.
    interactor_run = asyncio.ensure_future(
        executor.execute(
            interactor.spec,
            interactor.artifacts,
            stdin=None,
            limits=_interactor_limits(limits),
            args=interactor.arguments(executor.box_dir),
            files=files,
            collect=("judgemessage.txt",) if interactor.convention == "icpc" else (),
            stdin_fd=to_interactor_r,
            stdout_fd=to_solution_w,
        )
    )
    solution_run = asyncio.ensure_future(
        executor.execute(spec, artifacts, stdin=None, limits=limits, stdin_fd=to_solution_r, stdout_fd=to_interactor_w)
    )
    solution, judged = await asyncio.gather(solution_run, interactor_run)
    own = run_verdict(solution)  # raises HostFaultError on the sandbox's internal error
    if judged.status is RunStatus.INTERNAL_ERROR:
        run_verdict(judged)
    if solution.status in _LIMIT_STATUSES:
        return Interaction(solution=solution, verdict=own.verdict or Verdict.TLE, check=None, message=own.message)
    try:
        check = interpret(interactor.convention, judged)
    except CheckerFailedError:
        if own.verdict is not None:  # the solution crashed and the interactor could not cope: the crash decides
            return Interaction(solution=solution, verdict=own.verdict, check=None, message=own.message)
        raise
    if not check.passed and check.partial is None:
        # Rejected. A crash of the solution is noted but does not decide: it may well come from the interactor
        # closing the pipe after rejecting, and which ended first is not something timings can tell reliably.
        message = check.message
        if own.verdict is not None:
            message = f"{message} (then the program {own.message})".strip()
        return Interaction(solution=solution, verdict=Verdict.WA, check=check, message=message)
    if own.verdict is not None:
        return Interaction(solution=solution, verdict=own.verdict, check=None, message=own.message)
    verdict = Verdict.AC if check.passed else Verdict.WA
    return Interaction(solution=solution, verdict=verdict, check=check, message=check.message)
