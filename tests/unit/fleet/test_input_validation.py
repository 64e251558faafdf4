"""The judge's input-validation loop (judge_worker/input_validation.py) reports each rejected input once per
validator, however its runs finish: here the run on the job's own slot and those on two borrowed slots end at the
same moment, so one wait hands back all three (a slot-accounting slip once left some in the pending set, and their
rejections were counted twice)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from judge_worker import input_validation
from judge_worker.contracts import InputValidator, ValidateInputsRequest
from judge_worker.slots import SlotPool
from sandbox import RunResult, RunStatus

TOGETHER = 3  # slots: the job's own and two borrowed; runs end this many at a time


class _Together:
    """An executor whose runs end ``TOGETHER`` at a time: each waits until the last of its group has started (so a
    validator gets a multiple of ``TOGETHER`` inputs: its last group would otherwise wait for the next validator)."""

    def __init__(self) -> None:
        self.started: list[bytes] = []
        self._gate = asyncio.Event()

    async def execute(self, _spec: Any, _artifacts: Mapping[str, bytes], *, stdin: bytes, **_: Any) -> RunResult:
        self.started.append(stdin)
        gate = self._gate
        if len(self.started) % TOGETHER == 0:
            self._gate = asyncio.Event()
            gate.set()
        else:
            await asyncio.wait_for(gate.wait(), 5)
        code = 43 if stdin.startswith(b"bad") else 42
        return RunResult(status=RunStatus.NONZERO_EXIT, exit_code=code, stdout=b"", stderr=b"")


async def _built(_executor: Any, _validator: InputValidator) -> tuple[Any, dict[str, bytes]]:
    return object(), {"validate.py": b""}


@pytest.mark.parametrize("inputs", [[b"ok", b"bad", b"ok", b"bad", b"ok", b"ok"] * 6, [b"bad"] * 36])
async def test_each_rejection_is_reported_once_when_runs_end_together(
    inputs: Sequence[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_validation, "_build", _built)
    validators = tuple(InputValidator(path=p, language="python3", main="validate.py", files={}) for p in ("a", "b"))
    executor = _Together()
    slots = SlotPool(TOGETHER)
    async with slots.hold():  # the job's own slot; the others are borrowed
        report = await input_validation.check_inputs(
            ValidateInputsRequest(testset_digest="x" * 64, validators=validators, flags=()),
            list(inputs),
            executor=executor,  # type: ignore[arg-type]
            slots=slots,
        )
        assert slots.in_use == 1  # every borrowed slot was given back
    rejected = [i for i, data in enumerate(inputs) if data == b"bad"]
    assert [(f.validator, f.test) for f in report.failures] == [(v, i) for i in rejected for v in ("a", "b")]
    assert len(executor.started) == report.checked == 2 * len(inputs)
