"""The input-validation job's wire contract (re-exported by :mod:`judge_worker.contracts`, msgspec only).

The API enqueues ``validate_inputs`` on the judge queue when a package with input validators is pushed; a judge
worker downloads the test set by its digest, compiles each validator once in the sandbox, runs it on every test's
input (on stdin, the test's flags as arguments: exit 42 valid, 43 invalid, as the ICPC format says) and returns an
:class:`InputValidationReport` as the job's result, which the API waits for.
"""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = [
    "VALIDATE_INPUTS",
    "InputCheck",
    "InputValidationReport",
    "InputValidator",
    "ValidateInputsRequest",
    "validate_inputs_job_id",
]

VALIDATE_INPUTS: Final = "validate_inputs"  # on JUDGE_QUEUE; the report is the job's result


class InputValidator(msgspec.Struct, frozen=True, kw_only=True):
    """One input validator program: ``path`` in the package (``input_validators/check``), its files and main file."""

    path: str
    language: str
    main: str
    files: dict[str, bytes]


class ValidateInputsRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Validate every test input of the test set ``testset_digest``; ``flags[i]`` are test ``i``'s arguments."""

    testset_digest: str
    validators: tuple[InputValidator, ...]
    flags: tuple[tuple[str, ...], ...] = ()
    request_id: str = ""


class InputCheck(msgspec.Struct, frozen=True, kw_only=True):
    """A test input a validator did not accept: ``rejected`` (exit 43) or the validator failed (anything else)."""

    validator: str
    test: int  # index in the test set
    rejected: bool
    message: str = ""


class InputValidationReport(msgspec.Struct, frozen=True, kw_only=True):
    """Every test the validators did not accept; ``compile_errors`` by validator path (then no test was run)."""

    failures: tuple[InputCheck, ...] = ()
    compile_errors: dict[str, str] = msgspec.field(default_factory=dict)
    checked: int = 0  # validator runs made
    worker: str = ""
    error: str = ""  # the job itself could not run (test data unavailable, sandbox fault after retries)


def validate_inputs_job_id(testset_digest: str, nonce: str) -> str:
    return f"inputs:{testset_digest}:{nonce}"
