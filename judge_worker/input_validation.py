"""The ``validate_inputs`` job: a package's input validators run on every test input, in the sandbox.

Each validator is compiled once (a compile error is reported with the compiler's output and no test is run), then
run on each test's input on stdin with the test's flags as arguments: exit 42 accepts the input, 43 rejects it
(the message is what the validator printed), anything else is the validator failing on that input. Tests run
across the worker's free slots. The report is the job's result, read by the API that waits for it; a host fault
retries the job, and after the last try the report says why in ``error``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import msgspec
from arq import Retry

from judge_worker.contracts import InputCheck, InputValidationReport, InputValidator, ValidateInputsRequest
from judge_worker.execution import Executor, UnknownLanguageError
from judge_worker.jobs import WorkerState
from judge_worker.programs import arrange_program
from judge_worker.slots import SlotPool
from judge_worker.testdata import TestDataError
from sandbox import KIB, MIB, LanguageSpec, Limits, RunResult, RunStatus, SandboxError

__all__ = ["INPUT_VALIDATION_MAX_TRIES", "VALIDATOR_LIMITS", "check_inputs", "validate_inputs"]

logger = logging.getLogger("verdict.judge")
INPUT_VALIDATION_MAX_TRIES: Final = 3
VALIDATOR_LIMITS: Final = Limits(
    cpu_time_ms=10_000, wall_time_ms=20_000, memory_bytes=1024 * MIB, output_bytes=64 * KIB, stderr_bytes=64 * KIB
)
_ACCEPT: Final = 42
_REJECT: Final = 43
_MESSAGE_CAP: Final = 2000


def _said(run: RunResult) -> str:
    return (run.stdout + run.stderr)[:_MESSAGE_CAP].decode("utf-8", errors="backslashreplace").strip()


def _judged(validator: InputValidator, index: int, run: RunResult) -> InputCheck | None:
    """None: the input is valid; otherwise why not (rejected, or the validator failed on it)."""
    if run.status is RunStatus.INTERNAL_ERROR:
        raise SandboxError(run.message or "the sandbox failed running an input validator")
    if run.status is RunStatus.NONZERO_EXIT and run.exit_code == _ACCEPT:
        return None
    if run.status is RunStatus.NONZERO_EXIT and run.exit_code == _REJECT:
        return InputCheck(validator=validator.path, test=index, rejected=True, message=_said(run) or "rejected")
    if run.status is RunStatus.OK:
        why = "exited 0, not 42 (valid) or 43 (invalid)"
    elif run.status is RunStatus.NONZERO_EXIT:
        why = f"exited with code {run.exit_code}, not 42 (valid) or 43 (invalid)"
    else:
        why = f"did not finish ({run.status.value})"
    said = _said(run)
    message = f"the validator {why}" + (f": {said}" if said else "")
    return InputCheck(validator=validator.path, test=index, rejected=False, message=message[:_MESSAGE_CAP])


async def _build(executor: Executor, validator: InputValidator) -> tuple[LanguageSpec, dict[str, bytes]] | str:
    try:
        spec = executor.language(validator.language)
    except UnknownLanguageError:
        return f"the judge does not offer {validator.language}"
    arranged = arrange_program(spec, validator.files, validator.main)
    if isinstance(arranged, str):
        return arranged
    spec, sources = arranged
    outcome = await executor.compile(spec, sources)
    result = outcome.result
    if result is not None and result.status is RunStatus.INTERNAL_ERROR:
        raise SandboxError(result.message or "the sandbox failed compiling an input validator")
    if not outcome.ok:
        said = (result.stderr + result.stdout).decode("utf-8", errors="backslashreplace") if result else ""
        return said.strip()[: _MESSAGE_CAP * 4] or (result.status.value if result else "did not compile")
    return spec, dict(outcome.artifacts)


async def check_inputs(
    request: ValidateInputsRequest, inputs: list[bytes], *, executor: Executor, slots: SlotPool
) -> InputValidationReport:
    """Run every validator on every input (the caller holds one of ``slots``; free ones are borrowed)."""
    failures: list[InputCheck] = []
    compile_errors: dict[str, str] = {}
    runs = 0
    for validator in request.validators:
        built = await _build(executor, validator)
        if isinstance(built, str):
            compile_errors[validator.path] = built
            continue
        spec, artifacts = built

        async def one(index: int, borrowed: bool, spec: LanguageSpec = spec, artifacts: dict[str, bytes] = artifacts,
                      validator: InputValidator = validator) -> InputCheck | None:  # fmt: skip
            try:
                flags = request.flags[index] if index < len(request.flags) else ()
                run = await executor.execute(spec, artifacts, stdin=inputs[index], limits=VALIDATOR_LIMITS, args=flags)
                return _judged(validator, index, run)
            finally:
                if borrowed:
                    slots.release()

        pending: dict[asyncio.Future[InputCheck | None], bool] = {}  # run -> whether it borrowed its slot
        own_free = True
        for index in range(len(inputs)):
            while True:  # the job's own slot, else a free one borrowed, else wait for a run to end
                borrowed = not own_free and slots.try_acquire()
                if own_free or borrowed:
                    break
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    borrowed_its_slot = pending.pop(task)  # popped before the test: ``or`` would skip it
                    own_free = own_free or not borrowed_its_slot
                    failures.extend(f for f in (task.result(),) if f is not None)
            own_free = False  # the own slot, or a borrowed one with the own slot already busy
            pending[asyncio.ensure_future(one(index, borrowed=borrowed))] = borrowed
        if pending:
            done, _ = await asyncio.wait(pending)
            failures.extend(f for task in done if (f := task.result()) is not None)
        runs += len(inputs)
    failures.sort(key=lambda f: (f.test, f.validator))
    return InputValidationReport(failures=tuple(failures), compile_errors=compile_errors, checked=runs)


async def validate_inputs(ctx: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The job: the report, as builtins (the API converts it back to an :class:`InputValidationReport`)."""
    request = msgspec.convert(payload, ValidateInputsRequest)
    state: WorkerState = ctx["state"]
    job_try = int(ctx.get("job_try", 1))
    worker = state.settings.worker_id
    try:
        testset = await state.testdata.get(request.testset_digest)
        async with state.slots.hold():
            report = await check_inputs(
                request, [t.input for t in testset.tests], executor=state.executor, slots=state.slots
            )
    except (TestDataError, SandboxError) as exc:
        retryable = not isinstance(exc, TestDataError) or exc.retryable
        if retryable and job_try < INPUT_VALIDATION_MAX_TRIES:
            logger.warning("input validation of %s failed (try %d): %s", request.testset_digest[:12], job_try, exc)
            raise Retry(defer=job_try) from exc
        report = InputValidationReport(error=f"the judge could not validate the inputs: {exc}"[:_MESSAGE_CAP])
    result: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(report, worker=worker))
    return result
