"""Code scanning in the real sandbox: the construct checker and the linters run jailed, and what they report
comes back as one ScanReport. The submission itself is never run."""

from __future__ import annotations

import uuid

import pytest

from judge_worker.contracts import ScanRequest, ScanRule
from judge_worker.execution import SandboxExecutor
from judge_worker.scanning import scan
from sandbox import Sandbox

pytestmark = pytest.mark.sandbox

PY = """\
import os
import numpy as np


def helper(xs):
    unused = 3
    return sorted(xs)


print(eval("1 + 1"), helper([2, 1]))
"""

C = """\
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    int unused;
    int xs[2] = {2, 1};
    qsort(xs, 2, sizeof xs[0], 0);
    printf("%d\\n", xs[0]);
    return 0;
}
"""

RULES = (
    ScanRule(kind="forbid_call", name="sorted"),
    ScanRule(kind="forbid_import", name="numpy"),
    ScanRule(kind="require_function", name="solve"),
    ScanRule(kind="forbid_call", name="print"),
    ScanRule(kind="forbid_call", name="len"),
)


async def test_python_rules_and_pyflakes_run_in_the_sandbox(sandbox: Sandbox) -> None:
    request = ScanRequest(submission_id=uuid.uuid4(), language="python3", files={"main.py": PY}, rules=RULES)
    report = await scan(request, SandboxExecutor(sandbox), worker="test")
    assert report.ok, report.message
    assert [(r.rule, r.passed) for r in report.rules] == [(0, False), (1, False), (2, False), (3, False), (4, True)]
    rule_lines = sorted((f.rule, f.line) for f in report.findings if f.source == "rule" and f.line)
    assert (0, 7) in rule_lines
    assert (1, 2) in rule_lines
    assert report.linter_ran
    lint = [f.message for f in report.findings if f.source == "linter"]
    assert any("'os' imported but unused" in m for m in lint), lint
    assert any("unused" in m and "assigned" in m for m in lint), lint


async def test_c_token_rules_and_compiler_warnings_run_in_the_sandbox(sandbox: Sandbox) -> None:
    rules = (ScanRule(kind="forbid_call", name="qsort"), ScanRule(kind="require_function", name="main"))
    request = ScanRequest(submission_id=uuid.uuid4(), language="c", files={"main.c": C}, rules=rules)
    report = await scan(request, SandboxExecutor(sandbox), worker="test")
    assert report.ok, report.message
    assert [r.passed for r in report.rules] == [False, True]
    assert [f.line for f in report.findings if f.source == "rule"] == [6]
    warnings = [f for f in report.findings if f.source == "linter"]
    assert any("unused variable" in f.message and f.line == 4 for f in warnings), warnings


async def test_a_hostile_source_is_only_read(sandbox: Sandbox) -> None:
    # Were the source run, it would write a file and print; the scan reads it and finds the forbidden call.
    hostile = "open('/box/pwned', 'w').write('x')\nimport os\nos.system('echo hi')\n"
    request = ScanRequest(
        submission_id=uuid.uuid4(),
        language="python3",
        files={"main.py": hostile},
        rules=(ScanRule(kind="forbid_call", name="os.system"),),
        linter=False,
    )
    report = await scan(request, SandboxExecutor(sandbox), worker="test")
    assert report.ok
    assert [r.passed for r in report.rules] == [False]
    assert not report.linter_ran
