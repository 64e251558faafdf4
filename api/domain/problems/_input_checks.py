"""Input validators run on upload: a pushed package's validators run by a judge worker on every test input.

The API holds no sandbox: it stores the new test set (content-addressed, so a judge can download it), enqueues
``validate_inputs`` on the judge queue and waits for the job's result, an :class:`InputValidationReport`. Inputs a
validator rejects (or fails on) are reported per test file in one 422, with the validator's own message; a
validator that does not compile is a 422 with its compiler output.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Final

import msgspec
from arq.connections import ArqRedis

from api.domain.problems.errors import PackageError, PackageIssue
from api.domain.problems.package import ParsedPackage
from api.lib.exceptions import ApplicationError
from judge_worker.contracts import (
    JUDGE_QUEUE,
    VALIDATE_INPUTS,
    InputValidationReport,
    ValidateInputsRequest,
    validate_inputs_job_id,
)
from judge_worker.wake import wake

__all__ = ["InputCheckFailedError", "input_issues", "raise_for", "run_input_validators"]

_POLL_S: Final = 0.1
_SHOWN_FAILURES: Final = 50


class InputCheckFailedError(ApplicationError):
    """The judge could not run the input validators (not the package's fault)."""

    status_code = 503


def _request(parsed: ParsedPackage, testset_digest: str) -> ValidateInputsRequest:
    return ValidateInputsRequest(
        testset_digest=testset_digest,
        validators=parsed.input_validators,
        flags=tuple(t.settings.input_validator_flags for t in parsed.tests),
    )


async def run_input_validators(
    pool: ArqRedis, parsed: ParsedPackage, testset_digest: str, *, timeout_s: float
) -> InputValidationReport:
    """Have a judge worker run the package's input validators on its stored test set; wait for the report."""
    request = _request(parsed, testset_digest)
    job = await pool.enqueue_job(
        VALIDATE_INPUTS,
        msgspec.to_builtins(request),
        _job_id=validate_inputs_job_id(testset_digest, uuid.uuid4().hex),
        _queue_name=JUDGE_QUEUE,
    )
    if job is None:  # a fresh random id cannot be taken
        raise InputCheckFailedError("the input validation job could not be enqueued")
    await wake(pool, JUDGE_QUEUE)
    try:
        result = await job.result(timeout=timeout_s, poll_delay=_POLL_S)
    except TimeoutError as exc:
        raise InputCheckFailedError(
            f"the input validators did not finish within {timeout_s:g} s; nothing was changed "
            "(push with ?check_inputs=false to skip them)"
        ) from exc
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the job failed on the worker (arq re-raises its exception here)
        raise InputCheckFailedError(f"the judge could not run the input validators: {exc}") from exc
    report = msgspec.convert(result, InputValidationReport)
    if report.error:
        raise InputCheckFailedError(report.error)
    return report


def input_issues(parsed: ParsedPackage, report: InputValidationReport) -> list[PackageIssue]:
    """What the report says is wrong with the package, per test file (``data/secret/03.in``) or validator."""
    issues = [
        PackageIssue(path, f"the input validator does not compile:\n{output}")
        for path, output in sorted(report.compile_errors.items())
    ]
    for failure in report.failures[:_SHOWN_FAILURES]:
        name = f"data/{parsed.tests[failure.test].name}.in" if failure.test < len(parsed.tests) else "data/"
        what = "rejected by" if failure.rejected else "could not be checked by"
        issues.append(PackageIssue(name, f"{what} {failure.validator}: {failure.message}"))
    if len(report.failures) > _SHOWN_FAILURES:
        issues.append(PackageIssue("data/", f"and {len(report.failures) - _SHOWN_FAILURES} more test inputs"))
    return issues


def raise_for(parsed: ParsedPackage, report: InputValidationReport) -> None:
    issues = input_issues(parsed, report)
    if issues:
        raise PackageError.of(issues)
