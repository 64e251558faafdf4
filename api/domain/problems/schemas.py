"""Wire formats of the problems area. JSON keys are camelCase (``timeLimitMs``, ``statementHtml``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

import msgspec

from api.db.models import ProblemVisibility
from api.lib.exceptions import describe_pattern
from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "SLUG_RULE",
    "CheckerConfig",
    "PackageResult",
    "Problem",
    "ProblemCreate",
    "ProblemPage",
    "ProblemSummary",
    "ProblemUpdate",
    "RejudgeResult",
    "Sample",
    "SkippedReference",
    "TestGroupInfo",
    "TestInfo",
    "ValidationOutcome",
]

SLUG_RULE: Final = "use lower-case letters, digits and dashes, starting and ending with a letter or digit, e.g. two-sum"
SLUG_PATTERN: Final = describe_pattern(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$", SLUG_RULE)
Slug = Annotated[str, msgspec.Meta(pattern=SLUG_PATTERN, max_length=64)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Statement = Annotated[str, msgspec.Meta(max_length=256 * 1024)]
LanguageId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9+#._-]{1,32}$")]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Difficulty = Annotated[str, msgspec.Meta(pattern=r"^(easy|medium|hard)$")]
TimeLimit = Annotated[int, msgspec.Meta(ge=50, le=60_000)]
MemoryLimit = Annotated[int, msgspec.Meta(ge=16, le=8192)]
Multiplier = Annotated[float, msgspec.Meta(ge=0.1, le=20)]
Author = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class CheckerConfig(CamelizedBaseStruct, forbid_unknown_fields=True):
    """A built-in checker and its options (custom checkers come with a problem package)."""

    kind: Annotated[str, msgspec.Meta(pattern=r"^(default|exact|lines|unordered)$")] = "default"
    case_sensitive: bool = False
    space_change_sensitive: bool = False
    float_relative_tolerance: float | None = None
    float_absolute_tolerance: float | None = None


class ProblemCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    slug: Slug
    title: Title
    statement_md: Statement = ""
    time_limit_ms: TimeLimit = 1000
    memory_limit_mb: MemoryLimit = 256
    languages: Annotated[list[LanguageId], msgspec.Meta(max_length=32)] = []  # empty: every language offered
    language_multipliers: dict[LanguageId, Multiplier] = {}
    checker: CheckerConfig | None = None
    visibility: ProblemVisibility = ProblemVisibility.DRAFT
    difficulty: Difficulty = "easy"
    tags: Annotated[list[Tag], msgspec.Meta(max_length=20)] = []
    authors: Annotated[list[Author], msgspec.Meta(max_length=20)] = []


class ProblemUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Fields left out are unchanged."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    statement_md: Statement | msgspec.UnsetType = msgspec.UNSET
    time_limit_ms: TimeLimit | msgspec.UnsetType = msgspec.UNSET
    memory_limit_mb: MemoryLimit | msgspec.UnsetType = msgspec.UNSET
    languages: Annotated[list[LanguageId], msgspec.Meta(max_length=32)] | msgspec.UnsetType = msgspec.UNSET
    language_multipliers: dict[LanguageId, Multiplier] | msgspec.UnsetType = msgspec.UNSET
    checker: CheckerConfig | msgspec.UnsetType = msgspec.UNSET
    visibility: ProblemVisibility | msgspec.UnsetType = msgspec.UNSET
    difficulty: Difficulty | msgspec.UnsetType = msgspec.UNSET
    tags: Annotated[list[Tag], msgspec.Meta(max_length=20)] | msgspec.UnsetType = msgspec.UNSET
    authors: Annotated[list[Author], msgspec.Meta(max_length=20)] | msgspec.UnsetType = msgspec.UNSET


class Sample(CamelizedBaseStruct):
    name: str
    input: str
    output: str


class TestInfo(CamelizedBaseStruct):
    """One test of the current test set, as its viewer may see it (data only for visible tests)."""

    __test__ = False
    index: int
    name: str
    points: float
    group: str | None
    visibility: str
    sample: bool


class TestGroupInfo(CamelizedBaseStruct):
    __test__ = False
    name: str
    points: float
    depends_on: list[str]
    short_circuit: bool


class ProblemSummary(CamelizedBaseStruct):
    id: UUID
    slug: str
    title: str
    difficulty: str
    tags: list[str]
    visibility: ProblemVisibility
    languages: list[str]
    updated_at: datetime


class Problem(CamelizedBaseStruct):
    id: UUID
    slug: str
    title: str
    statement_md: str
    statement_html: str
    time_limit_ms: int
    memory_limit_mb: int
    languages: list[str]
    language_multipliers: dict[str, float]
    checker: str  # default | exact | lines | unordered | icpc_validator | testlib | icpc_interactor | ...
    visibility: ProblemVisibility
    difficulty: str
    tags: list[str]
    authors: list[str]
    author_id: UUID | None
    samples: list[Sample]
    test_count: int
    total_points: float
    testset_digest: str | None
    package_digest: str | None
    created_at: datetime
    updated_at: datetime
    tests: list[TestInfo] | None = None  # instructors only
    groups: list[TestGroupInfo] | None = None  # instructors only
    statement_language: str | None = None  # the language statementHtml is in ("" when the file names none)
    statement_languages: list[str] = []  # the languages the package has statements in, for a chooser


class ProblemPage(CamelizedBaseStruct):
    items: list[ProblemSummary]
    total: int
    limit: int
    offset: int


class SkippedReference(CamelizedBaseStruct):
    path: str
    language: str | None
    reason: str


class ValidationOutcome(CamelizedBaseStruct):
    """What one reference solution got against the new tests."""

    path: str
    language: str
    expected: str
    verdict: str | None
    ok: bool
    submission_id: UUID
    test: str | None = None  # the first test whose verdict was not accepted
    message: str = ""
    cpu_ms: int = 0  # the slowest test's CPU time


class PackageResult(CamelizedBaseStruct):
    problem: ProblemSummary
    created: bool  # the problem did not exist before this upload
    changed: bool  # False: the same package as the current one, nothing was done
    testset_digest: str
    package_digest: str
    test_count: int
    validated: bool
    validation: list[ValidationOutcome] = []
    skipped: list[SkippedReference] = []
    measured_time_limit_ms: int | None = None  # the package gave no time limit: measured from accepted/
    input_validators: list[str] = []  # the package's input validators (input_validators/check, ...)
    inputs_checked: bool = False  # they ran on every test input and accepted each (see ?check_inputs)


class RejudgeResult(CamelizedBaseStruct):
    rejudged: int
    skipped: int  # still queued or being judged: rejudge them once they are done
    submission_ids: list[UUID]
