"""Wire formats of code scanning (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from api.lib.exceptions import describe_pattern
from api.lib.schema import CamelizedBaseStruct

__all__ = ["Finding", "QuestionScan", "QuestionScanSet", "RuleResult", "ScanRuleIn", "SubmissionScan"]

RuleKind = Literal["forbid_call", "forbid_import", "require_function", "forbid_token", "require_token"]
RuleName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, pattern=describe_pattern(r"^\S+$", "one word, without spaces"))
]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]


class ScanRuleIn(CamelizedBaseStruct, forbid_unknown_fields=True):
    """``forbidCall`` ``sorted`` / ``os.system`` / ``std::sort``; ``forbidImport`` ``numpy`` / ``algorithm`` /
    ``java.util.Arrays``; ``requireFunction`` ``solve``; ``forbidToken`` / ``requireToken`` ``goto``. ``message``:
    what the student is told when the rule fails."""

    kind: RuleKind
    name: RuleName
    message: Annotated[str, msgspec.Meta(max_length=300)] = ""


class QuestionScanSet(CamelizedBaseStruct, forbid_unknown_fields=True):
    """A code question's scan. ``points``: percent of the question's score earned by passing the rules (the share
    passed of them); 0: shown only."""

    rules: Annotated[list[ScanRuleIn], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    linter: bool = True
    points: Percent = 0.0


class QuestionScan(CamelizedBaseStruct):
    question_id: UUID
    configured: bool
    rules: list[ScanRuleIn]
    linter: bool
    points: float


class RuleResult(CamelizedBaseStruct):
    index: int
    kind: str
    name: str
    message: str
    passed: bool


class Finding(CamelizedBaseStruct):
    source: Literal["rule", "linter"]
    message: str
    line: int
    column: int
    severity: str
    rule: int | None = None


class SubmissionScan(CamelizedBaseStruct):
    """The scan of a submission: ``status`` queued, done or failed; ``fraction``: share of the rules passed."""

    submission_id: UUID
    status: str
    rules: list[RuleResult]
    findings: list[Finding]
    linter_ran: bool
    fraction: float | None
    points: float
    message: str
    finished_at: datetime | None
