"""The wire contract between the API side and the judge fleet.

This is the only module that both sides import. It depends on msgspec and the standard library only.
Every Struct tolerates unknown fields (msgspec's default) and every field added later gets a default, so old
and new workers can run side by side during a rolling deploy.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Final, TypeAlias
from uuid import UUID

import msgspec

__all__ = [
    "API_TASKS_QUEUE",
    "DRAIN_KEY_PREFIX",
    "HEARTBEAT_KEY_PREFIX",
    "INLINE_TESTS_MAX_BYTES",
    "JUDGE_QUEUE",
    "JUDGE_SUBMISSION",
    "LEASE_KEY_PREFIX",
    "RECORD_JUDGE_REPORT",
    "RECORD_SCAN_REPORT",
    "SCAN_SUBMISSION",
    "TESTSET_PATH_PREFIX",
    "VALIDATE_INPUTS",
    "CaseFinished",
    "CaseResult",
    "CheckerSpec",
    "CompileFinished",
    "Compiling",
    "Finished",
    "GradingPolicy",
    "GroupResult",
    "InlineTest",
    "InputCheck",
    "InputValidationReport",
    "InputValidator",
    "JudgeEvent",
    "JudgeLimits",
    "JudgeProgress",
    "JudgeReport",
    "JudgeRequest",
    "ScanFinding",
    "ScanReport",
    "ScanRequest",
    "ScanRule",
    "ScanRuleResult",
    "TestCaseData",
    "TestGroup",
    "TestSetData",
    "ValidateInputsRequest",
    "Verdict",
    "WorkerHeartbeat",
    "decode_event",
    "drain_key",
    "encode_event",
    "heartbeat_key",
    "lease_key",
    "pack_testset",
    "progress_key",
    "submission_channel",
    "testset_path",
    "user_channel",
    "validate_inputs_job_id",
]

JUDGE_QUEUE: Final = "judge"
API_TASKS_QUEUE: Final = "api-tasks"
JUDGE_SUBMISSION: Final = "judge_submission"
RECORD_JUDGE_REPORT: Final = "record_judge_report"
HEARTBEAT_KEY_PREFIX: Final = "judge:worker:"
LEASE_KEY_PREFIX: Final = "judge:lease:"
DRAIN_KEY_PREFIX: Final = "judge:drain:"
TESTSET_PATH_PREFIX: Final = "/internal/testsets/"
INLINE_TESTS_MAX_BYTES: Final = 1024 * 1024  # inline tests (ad-hoc runs): input plus expected output, all tests


class Verdict(enum.StrEnum):
    AC = "AC"  # accepted
    WA = "WA"  # wrong answer
    TLE = "TLE"  # time limit exceeded (CPU or wall)
    MLE = "MLE"  # memory limit exceeded
    OLE = "OLE"  # output limit exceeded
    RTE = "RTE"  # run-time error (non-zero exit or signal)
    CE = "CE"  # compilation error
    IE = "IE"  # internal error: the judge, not the program, failed


class JudgeLimits(msgspec.Struct, frozen=True, kw_only=True):
    time_ms: int = 1000
    wall_ms: int = 0  # 0: derived from time_ms by the worker
    memory_kib: int = 256 * 1024
    output_kib: int = 64 * 1024
    processes: int = 64


class CheckerSpec(msgspec.Struct, frozen=True, kw_only=True):
    """How output is compared: a built-in checker by name, or a custom program in the test set.

    ``kind``:
    - built-in: ``exact`` (bytes), ``lines`` (Judge0-style: trailing whitespace per line and trailing blank lines
      ignored), ``default`` (the ICPC default output validator: tokens, with the options below), ``unordered``
      (the same lines in any order);
    - custom programs (``source`` in the test set's ``files``, compiled in ``language``): ``icpc_validator``
      (args ``input answer feedback_dir [flags]``, the output on stdin, exit 42 accept / 43 reject) and ``testlib``
      (args ``input output answer``, exit 0 AC, 1 WA, 2 presentation error, 7 partial with points);
    - interactive problems: ``icpc_interactor`` (alias ``interactor``) and ``testlib_interactor``; the interactor
      talks to the solution through pipes and decides the verdict with the same exit codes.
    """

    kind: str = "default"
    case_sensitive: bool = False
    space_change_sensitive: bool = False
    float_relative_tolerance: float | None = None
    float_absolute_tolerance: float | None = None
    language: str | None = None  # language of a custom checker program
    source: str | None = None  # file name of the custom checker inside the test set
    float_tolerance: float | None = None  # sets both tolerances (ICPC ``float_tolerance``)
    flags: tuple[str, ...] = ()  # extra arguments for a custom checker (ICPC ``output_validator_flags``)


class TestGroup(msgspec.Struct, frozen=True, kw_only=True):
    __test__ = False  # not a pytest test class
    name: str
    points: float = 0.0
    depends_on: tuple[str, ...] = ()
    short_circuit: bool = True


class GradingPolicy(msgspec.Struct, frozen=True, kw_only=True):
    short_circuit: bool = False  # stop at the first failing test (ungrouped tests)
    groups: tuple[TestGroup, ...] = ()


class InlineTest(msgspec.Struct, frozen=True, kw_only=True):
    """A test carried in the request itself (ad-hoc runs), below a size cap."""

    input: bytes = b""
    expected: bytes | None = None  # None: any output is accepted
    points: float = 1.0
    group: str | None = None
    visible: bool = True


class JudgeRequest(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: UUID
    attempt: int = 1
    language: str
    files: dict[str, str]  # file name -> source text
    limits: JudgeLimits = JudgeLimits()
    checker: CheckerSpec = CheckerSpec()
    testset_digest: str | None = None
    inline_tests: tuple[InlineTest, ...] = ()
    policy: GradingPolicy = GradingPolicy()
    user_id: UUID | None = None
    kind: str = "submission"  # submission | run | judge0 | validation
    input_file: str | None = None  # the program reads the test input from this file, not stdin
    output_file: str | None = None  # the program writes its answer to this file, not stdout
    request_id: str = ""  # the API request that enqueued it, carried into the worker's and api-tasks' logs


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    submission_id: UUID
    attempt: int
    seq: int


class Compiling(_Event, frozen=True, kw_only=True, tag="compiling"):
    worker: str = ""


class CompileFinished(_Event, frozen=True, kw_only=True, tag="compile_finished"):
    ok: bool
    output: str = ""
    cpu_ms: int = 0


class CaseResult(msgspec.Struct, frozen=True, kw_only=True):
    index: int
    verdict: Verdict
    cpu_ms: int = 0
    wall_ms: int = 0
    memory_kib: int = 0
    points: float = 0.0
    max_points: float = 0.0
    group: str | None = None
    message: str = ""
    exit_code: int | None = None
    signal: int | None = None
    stdout: str | None = None  # only for visible tests, capped; bytes that are not UTF-8 shown as \xNN
    stderr: str | None = None
    skipped: bool = False
    # The same capped output exactly as the program wrote it, for clients that need the bytes (Judge0's Base64).
    stdout_bytes: bytes | None = None
    stderr_bytes: bytes | None = None
    # The program wrote more than is kept (the shown cap, or the sandbox's output limit): the text above is a prefix.
    stdout_truncated: bool = False
    stderr_truncated: bool = False


class CaseFinished(_Event, frozen=True, kw_only=True, tag="case_finished"):
    """The latest finished test (``index``, ``result``). Events are coalesced to ~10 per second, so ``batch`` holds
    every test finished since the previous event, this one last (a consumer that reads only ``result`` sees the
    latest test; one that reads ``batch`` sees them all)."""

    index: int
    verdict: Verdict
    cpu_ms: int = 0
    memory_kib: int = 0
    total: int = 0
    result: CaseResult | None = None
    batch: tuple[CaseResult, ...] = ()


class Finished(_Event, frozen=True, kw_only=True, tag="finished"):
    verdict: Verdict
    score: float = 0.0
    cpu_ms: int = 0
    memory_kib: int = 0
    authoritative: bool = False  # True when sent by the API after the report is recorded
    message: str = ""


JudgeEvent: TypeAlias = Compiling | CompileFinished | CaseFinished | Finished


class GroupResult(msgspec.Struct, frozen=True, kw_only=True):
    """A test group's (subtask's) outcome: ``points`` of ``max_points``, the first failing test's verdict."""

    name: str
    verdict: Verdict
    points: float = 0.0
    max_points: float = 0.0
    skipped: bool = False  # a group it depends on failed, so none of its tests ran


class JudgeReport(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: UUID
    attempt: int
    verdict: Verdict
    score: float = 0.0  # normalised to 100
    cpu_ms: int = 0
    memory_kib: int = 0
    compile_output: str = ""
    message: str = ""
    cases: tuple[CaseResult, ...] = ()
    worker: str = ""
    testset_digest: str | None = None
    groups: tuple[GroupResult, ...] = ()
    last_seq: int = 0  # the seq of the worker's last event; the API's authoritative Finished follows it
    request_id: str = ""  # copied from the JudgeRequest, for api-tasks' logs
    language: str = ""


class JudgeProgress(msgspec.Struct, frozen=True, kw_only=True):
    """In-flight progress kept at ``progress_key`` (with a TTL), so a viewer arriving late can catch up."""

    submission_id: UUID
    attempt: int
    worker: str = ""
    last_seq: int = 0
    total: int = 0
    compiled: bool | None = None  # None: compiling (or nothing to compile yet)
    compile_output: str = ""
    cases: tuple[CaseResult, ...] = ()
    finished: Finished | None = None


class TestCaseData(msgspec.Struct, frozen=True, kw_only=True):
    """One test of a stored test set. ``visibility``: visible | hidden | after_due_date | after_published."""

    __test__ = False  # not a pytest test class
    name: str
    input: bytes
    expected: bytes
    points: float = 1.0
    group: str | None = None
    visibility: str = "hidden"
    sample: bool = False


class TestSetData(msgspec.Struct, frozen=True, kw_only=True):
    """A whole test set as the judge downloads it: msgpack-encoded, addressed by the SHA-256 of those bytes."""

    __test__ = False  # not a pytest test class
    tests: tuple[TestCaseData, ...]
    groups: tuple[TestGroup, ...] = ()
    checker: CheckerSpec = CheckerSpec()
    files: dict[str, bytes] = {}  # custom checker or interactor sources, by file name


class WorkerHeartbeat(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    host: str
    slots: int
    busy: int = 0
    languages: tuple[str, ...] = ()
    version: str = ""
    started_at: float = 0.0
    last_seen: float = 0.0
    jobs_done: int = 0
    job_seconds_avg: float = 0.0  # moving average of one job's judging time, for the API's wait estimate
    running: int = 0  # jobs in hand (``busy`` also counts the free slots those jobs borrowed for their tests)
    draining: bool = False  # takes no new jobs; exits once its running jobs are done (``verdict fleet drain``)


_event_decoder: Final = msgspec.json.Decoder(JudgeEvent)


def encode_event(event: JudgeEvent) -> bytes:
    return msgspec.json.encode(event)


def decode_event(data: bytes | str) -> JudgeEvent:
    event: JudgeEvent = _event_decoder.decode(data)
    return event


def pack_testset(data: TestSetData) -> tuple[str, bytes]:
    """Encode a test set; return (SHA-256 hex digest, bytes). The same content always gives the same digest."""
    packed = msgspec.msgpack.encode(data)
    return hashlib.sha256(packed).hexdigest(), packed


def submission_channel(submission_id: UUID | str) -> str:
    return f"submission:{submission_id}"


def user_channel(user_id: UUID | str) -> str:
    return f"user:{user_id}"


def progress_key(submission_id: UUID | str) -> str:
    return f"progress:{submission_id}"


def heartbeat_key(worker_id: str) -> str:
    return f"{HEARTBEAT_KEY_PREFIX}{worker_id}"


def lease_key(job_id: str) -> str:
    """Which worker runs a judge job (value: the worker id), so a dead worker's job can be released early."""
    return f"{LEASE_KEY_PREFIX}{job_id}"


def drain_key(worker_id: str) -> str:
    """Set (any value) to ask that worker to drain: take no new jobs, finish the running ones, exit with status 0."""
    return f"{DRAIN_KEY_PREFIX}{worker_id}"


def testset_path(digest: str) -> str:
    """The API path a worker downloads a packed test set from (``Authorization: Bearer <JUDGE_TOKEN>``)."""
    return f"{TESTSET_PATH_PREFIX}{digest}"


# --- code scanning (static checks of a submission, run in the sandbox by a judge worker) ------------------------
SCAN_SUBMISSION: Final = "scan_submission"  # on JUDGE_QUEUE
RECORD_SCAN_REPORT: Final = "record_scan_report"  # on API_TASKS_QUEUE


class ScanRule(msgspec.Struct, frozen=True, kw_only=True):
    """A construct rule. ``kind``: ``forbid_call`` (a function or method such as ``sorted``, ``os.system``,
    ``std::sort``), ``forbid_import`` (a module or header such as ``numpy``, ``java.util.Arrays``, ``algorithm``),
    ``require_function`` (a function the program must define), ``forbid_token`` / ``require_token`` (a word or
    symbol of the source, such as ``goto``). Python programs are checked on their syntax tree, others on tokens."""

    kind: str
    name: str
    message: str = ""


class ScanRequest(msgspec.Struct, frozen=True, kw_only=True):
    submission_id: UUID
    attempt: int = 1
    language: str
    files: dict[str, str]
    rules: tuple[ScanRule, ...] = ()
    linter: bool = True
    request_id: str = ""


class ScanFinding(msgspec.Struct, frozen=True, kw_only=True):
    """Something a rule or the linter found. ``source``: ``rule`` or ``linter``; ``rule``: the rule's index (rules
    only); ``line``/``column`` from 1 (0: the whole program)."""

    source: str
    message: str
    line: int = 0
    column: int = 0
    rule: int | None = None
    severity: str = "warning"


class ScanRuleResult(msgspec.Struct, frozen=True, kw_only=True):
    rule: int
    passed: bool


class ScanReport(msgspec.Struct, frozen=True, kw_only=True):
    """The scan of one submission. ``ok`` False: the scan itself could not run (``message`` says why)."""

    submission_id: UUID
    attempt: int = 1
    ok: bool = True
    rules: tuple[ScanRuleResult, ...] = ()
    findings: tuple[ScanFinding, ...] = ()
    linter_ran: bool = False
    message: str = ""
    worker: str = ""


# --- input validation: a pushed package's input validators, run by a judge worker -----------------------------
# The API enqueues ``validate_inputs`` on the judge queue; a worker downloads the test set by its digest, compiles
# each validator once in the sandbox, runs it on every test input (on stdin, the test's flags as arguments: exit 42
# valid, 43 invalid, as the ICPC format says) and returns an ``InputValidationReport`` as the job's result.
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
