"""How an input validator's run is read (ICPC: exit 42 valid, 43 invalid, anything else the validator failing)."""

from __future__ import annotations

import pytest

from judge_worker.contracts import InputValidator
from judge_worker.input_validation import _judged
from sandbox import RunResult, RunStatus, SandboxError

VALIDATOR = InputValidator(path="input_validators/check.py", language="python3", main="check.py", files={})


@pytest.mark.parametrize(
    ("run", "rejected", "message"),
    [
        (RunResult(status=RunStatus.NONZERO_EXIT, exit_code=42), None, None),
        (RunResult(status=RunStatus.NONZERO_EXIT, exit_code=43, stdout=b"n too large\n"), True, "n too large"),
        (RunResult(status=RunStatus.NONZERO_EXIT, exit_code=43), True, "rejected"),
        (RunResult(status=RunStatus.OK, exit_code=0), False, "the validator exited 0, not 42 (valid) or 43 (invalid)"),
        (
            RunResult(status=RunStatus.NONZERO_EXIT, exit_code=1, stderr=b"Traceback: boom"),
            False,
            "the validator exited with code 1, not 42 (valid) or 43 (invalid): Traceback: boom",
        ),
        (RunResult(status=RunStatus.TIME_LIMIT), False, "the validator did not finish (time_limit)"),
    ],
)
def test_a_validators_exit_code_decides(run: RunResult, rejected: bool | None, message: str | None) -> None:
    found = _judged(VALIDATOR, 3, run)
    if rejected is None:
        assert found is None
        return
    assert found is not None
    assert (found.test, found.validator, found.rejected, found.message) == (3, VALIDATOR.path, rejected, message)


def test_a_sandbox_fault_is_a_host_fault_not_a_verdict_on_the_input() -> None:
    with pytest.raises(SandboxError):
        _judged(VALIDATOR, 0, RunResult(status=RunStatus.INTERNAL_ERROR, message="no slot"))
