"""Grade one judge request: compile once, run every test (across the worker's free slots), check, score.

The grader owns no I/O of its own besides the executor (sandbox) and the event stream: test data arrives decoded,
and the report goes back to the caller. A program's failure is a verdict; the sandbox's internal error or a
missing slot is a :class:`~sandbox.SandboxError` (the job retries); a broken problem (checker, groups) is IE.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Final

import msgspec

from judge_worker.checkers import BUILTIN_KINDS, INTERACTOR_KINDS, CheckerSpecError, builtin_checker, validate_spec
from judge_worker.checkers.builtin import CheckResult
from judge_worker.checkers.custom import CheckerCache, CheckerFailedError, CompiledChecker
from judge_worker.contracts import (
    INLINE_TESTS_MAX_BYTES,
    CaseResult,
    CheckerSpec,
    GradingPolicy,
    JudgeReport,
    JudgeRequest,
    TestSetData,
    Verdict,
)
from judge_worker.deferred_check import DeferredCheck
from judge_worker.events import EventStream
from judge_worker.execution import Executor, UnknownLanguageError
from judge_worker.interactive import interact
from judge_worker.policy import GradingPlan, PlannedTest, PolicyError
from judge_worker.programs import arrange_program
from judge_worker.slots import SlotPool
from judge_worker.verdicts import HostFaultError, run_verdict
from sandbox import KIB, CompileOutcome, LanguageSpec, Limits, RunResult, RunStatus

__all__ = ["TestCase", "grade", "judge_limits", "load_tests"]

OUTPUT_SHOWN_CAP: Final = 4 * KIB  # stdout / stderr kept for a visible test
COMPILE_OUTPUT_CAP: Final = 64 * KIB
MESSAGE_CAP: Final = 1000


class TestCase(msgspec.Struct, frozen=True, kw_only=True):
    __test__ = False  # not a pytest test class
    index: int
    input: bytes
    expected: bytes | None
    points: float = 1.0
    group: str | None = None
    visible: bool = False


class _CompileFailedError(Exception):
    def __init__(self, reason: str, *, cpu_ms: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cpu_ms = cpu_ms


class _Outcome(msgspec.Struct, frozen=True, kw_only=True):
    verdict: Verdict
    fraction: float
    run: RunResult
    message: str = ""


def load_tests(request: JudgeRequest, testset: TestSetData | None) -> list[TestCase]:
    if testset is not None:
        return [
            TestCase(
                index=i,
                input=t.input,
                expected=t.expected,
                points=t.points,
                group=t.group,
                visible=t.visibility == "visible" or t.sample,
            )
            for i, t in enumerate(testset.tests)
        ]
    size = sum(len(t.input) + len(t.expected or b"") for t in request.inline_tests)
    if size > INLINE_TESTS_MAX_BYTES:
        raise CheckerSpecError(f"inline tests are {size} bytes, over the {INLINE_TESTS_MAX_BYTES}-byte cap")
    return [
        TestCase(index=i, input=t.input, expected=t.expected, points=t.points, group=t.group, visible=t.visible)
        for i, t in enumerate(request.inline_tests)
    ]


def judge_limits(request: JudgeRequest) -> Limits:
    """The request's limits for one run of the solution (the sandbox adds the language's allowances)."""
    limits = request.limits
    wall = limits.wall_ms or 2 * limits.time_ms + 1000
    return Limits(
        cpu_time_ms=limits.time_ms,
        wall_time_ms=wall,
        memory_bytes=limits.memory_kib * KIB,
        output_bytes=limits.output_kib * KIB,
        processes=limits.processes,
    )


def _drop_outcome(task: asyncio.Future[_Outcome]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


def _text(data: bytes, cap: int) -> str:
    """Program output as text: UTF-8 where it is, ``\\xNN`` escapes where it is not (never dropped)."""
    return data[:cap].decode("utf-8", errors="backslashreplace")


def _sources(request: JudgeRequest, spec: LanguageSpec) -> tuple[LanguageSpec, dict[str, bytes]] | str:
    """The language (its commands fitted to the files) and the files to compile; a string says why not."""
    files = {name: text.encode() for name, text in request.files.items()}
    if not files:
        return "the submission has no source file"
    return arrange_program(spec, files)


class _Grader:
    def __init__(
        self, request: JudgeRequest, testset: TestSetData | None, *, executor: Executor, events: EventStream,
        slots: SlotPool, checkers: CheckerCache, worker: str,
    ) -> None:  # fmt: skip
        self.request = request
        self.testset = testset
        self.executor = executor
        self.events = events
        self.slots = slots
        self.checkers = checkers
        self.worker = worker
        self.limits = judge_limits(request)
        checker = request.checker
        if checker == CheckerSpec() and testset is not None:
            checker = testset.checker
        self.checker = checker
        self.files: Mapping[str, bytes] = testset.files if testset is not None else {}
        self.custom: CompiledChecker | None = None
        self.spec: LanguageSpec | None = None
        self.artifacts: dict[str, bytes] = {}
        self.deferred: DeferredCheck | None = None
        self.checked_output = ""

    def report(self, verdict: Verdict, **fields: object) -> JudgeReport:
        """A report of this request; ``fields`` are further ``JudgeReport`` fields."""
        base = JudgeReport(
            submission_id=self.request.submission_id,
            attempt=self.request.attempt,
            verdict=verdict,
            worker=self.worker,
            testset_digest=self.request.testset_digest,
            last_seq=self.events.last_seq,
        )
        return msgspec.structs.replace(base, **fields)

    async def finish(self, report: JudgeReport, *, message: str = "") -> JudgeReport:
        await self.events.finished(
            verdict=report.verdict,
            score=report.score,
            cpu_ms=report.cpu_ms,
            memory_kib=report.memory_kib,
            message=message or report.message,
        )
        return msgspec.structs.replace(report, last_seq=self.events.last_seq)

    async def run(self) -> JudgeReport:
        await self.events.compiling()
        try:
            self.spec = self.executor.language(self.request.language)
        except UnknownLanguageError:
            return await self.compile_error(f"unknown language {self.request.language!r}")
        arranged = _sources(self.request, self.spec)
        if isinstance(arranged, str):
            return await self.compile_error(arranged)
        self.spec, sources = arranged
        checked_only = self.spec.compile is None and self.spec.check is not None
        if checked_only and (len(sources) == 1 or self.slots.try_acquire()):
            # Python's syntax check, off the first result's path (judge_worker.deferred_check).
            self.artifacts = dict(sources)
            self.deferred = DeferredCheck(self.executor, self.spec, sources, self.slots, eager=len(sources) > 1)
            try:
                return await self.judge_tests_checked()
            except _CompileFailedError as failed:
                return await self.compile_error(failed.reason, cpu_ms=failed.cpu_ms)
            finally:
                if self.deferred is not None:
                    self.deferred.abandon()
        outcome = await self.executor.compile(self.spec, sources)
        try:
            compile_output = self.compile_output(outcome)
        except _CompileFailedError as failed:
            return await self.compile_error(failed.reason, cpu_ms=failed.cpu_ms)
        self.artifacts = dict(outcome.artifacts)
        cpu_ms = outcome.result.cpu_ms if outcome.result else 0
        await self.events.compile_finished(ok=True, output=compile_output, cpu_ms=cpu_ms)
        return await self.judge_tests_checked(compile_output)

    def compile_output(self, outcome: CompileOutcome) -> str:
        """The compiler's output of a compile step that built the program; raises why not otherwise."""
        result = outcome.result
        if result is None:
            return ""
        if result.status is RunStatus.INTERNAL_ERROR:
            raise HostFaultError(result.message or "the sandbox failed while compiling")
        compile_output = _text(result.stderr + result.stdout, COMPILE_OUTPUT_CAP)
        if not outcome.ok:
            reason = compile_output or (
                "the compiler produced no program" if result.status is RunStatus.OK else result.status.value
            )
            if result.status in (RunStatus.TIME_LIMIT, RunStatus.WALL_LIMIT, RunStatus.MEMORY_LIMIT):
                reason = f"compilation exceeded its limits ({result.status.value})\n{compile_output}".strip()
            raise _CompileFailedError(reason, cpu_ms=result.cpu_ms)
        return compile_output

    async def settle_check(self, first_run: RunResult | None = None) -> str:
        """Settle a deferred check (``first_run``: the first test's, if any) and send ``CompileFinished`` once it
        has passed; raises if it has not. Called before any test result is sent."""
        if self.deferred is None:
            return self.checked_output
        outcome = await self.deferred.outcome(first_run)
        self.deferred = None
        self.checked_output = self.compile_output(outcome) if outcome is not None else ""
        cpu_ms = outcome.result.cpu_ms if outcome is not None and outcome.result else 0
        await self.events.compile_finished(ok=True, output=self.checked_output, cpu_ms=cpu_ms)
        return self.checked_output

    async def judge_tests_checked(self, compile_output: str = "") -> JudgeReport:
        self.checked_output = compile_output
        try:
            return await self.judge_tests()
        except (CheckerSpecError, PolicyError) as exc:
            compile_output = await self.settle_check()
            report = self.report(Verdict.IE, compile_output=compile_output, message=f"problem setup: {exc}")
            return await self.finish(report)

    async def compile_error(self, output: str, *, cpu_ms: int = 0) -> JudgeReport:
        await self.events.compile_finished(ok=False, output=output, cpu_ms=cpu_ms)
        report = self.report(Verdict.CE, compile_output=output, message="compilation failed")
        return await self.finish(report)

    async def judge_tests(self) -> JudgeReport:
        tests = load_tests(self.request, self.testset)
        validate_spec(self.checker, dict(self.files))
        if self.checker.kind not in BUILTIN_KINDS:
            self.custom = await self.checkers.get(self.executor, self.checker, self.files)
        policy = self.request.policy
        if not policy.groups and self.testset is not None and self.testset.groups:
            policy = GradingPolicy(short_circuit=policy.short_circuit, groups=self.testset.groups)
        plan = GradingPlan([PlannedTest(index=t.index, points=t.points, group=t.group) for t in tests], policy)
        by_index = {t.index: t for t in tests}
        results: dict[int, CaseResult] = {}
        outcomes: dict[int, _Outcome] = {}
        running: dict[asyncio.Future[_Outcome], int] = {}
        borrowed = 0
        failure: BaseException | None = None
        try:
            while True:
                if failure is None:
                    for index in plan.ready():
                        if running:
                            if not self.slots.try_acquire():
                                break
                            borrowed += 1
                        plan.start(index)
                        running[asyncio.ensure_future(self.judge_one(by_index[index]))] = index
                if not running:
                    break
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=lambda t: running[t]):
                    index = running.pop(task)
                    if borrowed:
                        self.slots.release()
                        borrowed -= 1
                    if (error := task.exception()) is not None:
                        failure = failure or error
                        continue
                    if failure is not None or not plan.wanted(index):
                        continue  # a speculative run that short-circuit or a failed dependency made moot
                    outcome = task.result()
                    outcomes[index] = outcome
                    committed_now = plan.record(index, outcome.verdict, outcome.fraction)
                    if committed_now:
                        await self.settle_check(outcomes[committed_now[0]].run)
                    for committed in committed_now:
                        case = self.case_result(plan, by_index[committed], outcomes.pop(committed))
                        results[committed] = case
                        await self.events.case_finished(case, total=len(tests))
        finally:
            # Left early (the job was cancelled): runs in flight end by their own limits; each gives back the
            # slot it borrowed when it does, and its outcome is dropped.
            for task in running:
                task.add_done_callback(_drop_outcome)
                if borrowed:
                    task.add_done_callback(lambda _task: self.slots.release())
                    borrowed -= 1
        if failure is not None:
            raise failure
        compile_output = await self.settle_check()
        return await self.summarise(plan, tests, results, compile_output)

    async def judge_one(self, test: TestCase) -> _Outcome:
        assert self.spec is not None
        if self.checker.kind in INTERACTOR_KINDS:
            assert self.custom is not None
            interaction = await interact(
                self.executor,
                self.spec,
                self.artifacts,
                self.custom,
                input=test.input,
                answer=test.expected or b"",
                limits=self.limits,
            )
            fraction = interaction.check.fraction if interaction.check is not None else 0.0
            message = interaction.message if test.visible or interaction.check is None else ""
            return _Outcome(verdict=interaction.verdict, fraction=fraction, run=interaction.solution, message=message)
        input_file, output_file = self.request.input_file, self.request.output_file
        run = await self.executor.execute(
            self.spec,
            self.artifacts,
            stdin=None if input_file else test.input,
            limits=self.limits,
            files={input_file: test.input} if input_file else {},
            collect=(output_file,) if output_file else (),
        )
        early = run_verdict(run)
        if early.verdict is not None:
            return _Outcome(verdict=early.verdict, fraction=0.0, run=run, message=early.message)
        if output_file:
            if output_file not in run.files:
                return _Outcome(verdict=Verdict.WA, fraction=0.0, run=run, message=f"no output file {output_file}")
            output = run.files[output_file]
        else:
            output = run.stdout
        if test.expected is None:  # an ad-hoc run: any output is fine
            return _Outcome(verdict=Verdict.AC, fraction=1.0, run=run)
        try:
            check = await self.check(test, output)
        except CheckerFailedError as exc:
            return _Outcome(verdict=Verdict.IE, fraction=0.0, run=run, message=f"checker failure: {exc}"[:MESSAGE_CAP])
        verdict = Verdict.AC if check.passed and check.fraction >= 1.0 else Verdict.WA
        message = check.message
        if check.presentation:
            message = f"presentation error: {message}".rstrip(": ")
        if self.custom is not None and not test.visible:
            message = "presentation error" if check.presentation else ""  # custom messages may quote the answer
        return _Outcome(verdict=verdict, fraction=check.fraction, run=run, message=message[:MESSAGE_CAP])

    async def check(self, test: TestCase, output: bytes) -> CheckResult:
        expected = test.expected or b""
        if self.custom is None:
            return builtin_checker(self.checker)(expected, output)
        return await self.custom.check(self.executor, input=test.input, answer=expected, output=output)

    def case_result(self, plan: GradingPlan, test: TestCase, outcome: _Outcome) -> CaseResult:
        run = outcome.run
        earned, available = plan.test_points(test.index, outcome.fraction)
        return CaseResult(
            index=test.index,
            verdict=outcome.verdict,
            cpu_ms=run.cpu_ms,
            wall_ms=run.wall_ms,
            memory_kib=run.memory_kib,
            points=earned,
            max_points=available,
            group=test.group,
            message=outcome.message,
            exit_code=run.exit_code,
            signal=run.signal,
            stdout=_text(run.stdout, OUTPUT_SHOWN_CAP) if test.visible else None,
            stderr=_text(run.stderr, OUTPUT_SHOWN_CAP) if test.visible else None,
            stdout_bytes=run.stdout[:OUTPUT_SHOWN_CAP] if test.visible else None,
            stderr_bytes=run.stderr[:OUTPUT_SHOWN_CAP] if test.visible else None,
            stdout_truncated=test.visible and (run.stdout_truncated or len(run.stdout) > OUTPUT_SHOWN_CAP),
            stderr_truncated=test.visible and (run.stderr_truncated or len(run.stderr) > OUTPUT_SHOWN_CAP),
        )

    async def summarise(
        self, plan: GradingPlan, tests: list[TestCase], results: dict[int, CaseResult], compile_output: str
    ) -> JudgeReport:
        skipped = [
            CaseResult(
                index=index,
                verdict=plan.skip_reason(index),
                group=tests[index].group,
                max_points=plan.test_points(index, 0.0)[1],
                skipped=True,
                message="skipped",
            )
            for index in plan.skipped()
        ]
        for case in skipped:
            results[case.index] = case
        await self.events.cases_finished(skipped, total=len(tests))
        summary = plan.summary()
        cases = tuple(results[t.index] for t in tests if t.index in results)
        verdict = summary.verdict
        failed = [results[i] for i in plan.order if i in results and results[i].verdict is not Verdict.AC]
        first = next((case for case in failed if not case.skipped), None)
        if any(case.verdict is Verdict.IE for case in cases):  # the checker failed: no verdict can be trusted
            verdict = Verdict.IE
            first = next(case for case in cases if case.verdict is Verdict.IE)
        message = ""
        if first is not None:
            message = f"test {first.index + 1}: {first.verdict.value}"
            if first.message and not first.skipped:
                message += f" ({first.message})"
        report = self.report(
            verdict,
            score=summary.score,
            cpu_ms=max((c.cpu_ms for c in cases), default=0),
            memory_kib=max((c.memory_kib for c in cases), default=0),
            compile_output=compile_output,
            message=message[:MESSAGE_CAP],
            cases=cases,
            groups=summary.groups,
        )
        return await self.finish(report)


async def grade(
    request: JudgeRequest,
    testset: TestSetData | None,
    *,
    executor: Executor,
    events: EventStream,
    slots: SlotPool,
    checkers: CheckerCache,
    worker: str = "",
) -> JudgeReport:
    """Judge ``request`` (the caller holds one of ``slots``); return the report, with events sent on the way."""
    grader = _Grader(request, testset, executor=executor, events=events, slots=slots, checkers=checkers, worker=worker)
    try:
        return await grader.run()
    finally:
        await events.aclose()
