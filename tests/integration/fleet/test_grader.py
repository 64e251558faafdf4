"""The grader with the real sandbox, in-process: compile once, verdicts, parallel slots, policy, checkers."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import msgspec
import pytest

from judge_worker.contracts import (
    CaseFinished,
    CompileFinished,
    Compiling,
    Finished,
    InlineTest,
    JudgeLimits,
    JudgeReport,
    JudgeRequest,
    TestCaseData,
    TestGroup,
    TestSetData,
    Verdict,
)
from judge_worker.slots import SlotPool
from sandbox import Sandbox, SandboxError
from tests.support.judging import Judge

pytestmark = pytest.mark.sandbox

SUM_PY = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
SUM_CPP = """#include <iostream>
int main() { long long a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }
"""


def request(language: str, source: str, *tests: InlineTest, **fields: object) -> JudgeRequest:
    name = {"python3": "main.py", "cpp17": "main.cpp"}.get(language, "main.txt")
    return JudgeRequest(
        submission_id=uuid.uuid4(),
        language=language,
        files={name: source},
        inline_tests=tests,
        **fields,  # type: ignore[arg-type]
    )


def sums(n: int, *, visible: bool = False) -> tuple[InlineTest, ...]:
    return tuple(
        InlineTest(input=f"{i} {i}\n".encode(), expected=f"{2 * i}\n".encode(), visible=visible) for i in range(n)
    )


async def test_a_compiled_language_compiles_once_for_all_tests(judge: Judge) -> None:
    report = await judge.grade(request("cpp17", SUM_CPP, *sums(6)))
    assert report.verdict is Verdict.AC
    assert report.score == 100.0
    assert judge.executor.compiles == ["cpp17"]
    assert judge.executor.runs == 6
    assert [case.index for case in report.cases] == list(range(6))
    assert all(case.cpu_ms >= 0 and case.memory_kib > 0 for case in report.cases)


async def test_a_compile_error_is_ce_with_the_compiler_output(judge: Judge) -> None:
    report = await judge.grade(request("cpp17", "int main() { return undefined_name; }\n", *sums(3)))
    assert report.verdict is Verdict.CE
    assert "undefined_name" in report.compile_output
    assert report.cases == ()
    assert judge.executor.runs == 0


@pytest.mark.parametrize(
    ("source", "limits", "verdict", "detail"),
    [
        ("print(1)\n", JudgeLimits(), Verdict.WA, ""),
        ("while True:\n    pass\n", JudgeLimits(time_ms=200), Verdict.TLE, "CPU time"),
        ("import time\ntime.sleep(30)\n", JudgeLimits(time_ms=200, wall_ms=400), Verdict.TLE, "wall-clock"),
        ("x = bytearray(400 * 1024 * 1024)\nprint(len(x))\n", JudgeLimits(memory_kib=64 * 1024), Verdict.MLE, ""),
        ("import sys\nsys.stdout.write('x' * (8 << 20))\n", JudgeLimits(output_kib=1024), Verdict.OLE, ""),
        ("raise SystemExit(3)\n", JudgeLimits(), Verdict.RTE, "exited with code 3"),
        ("import ctypes\nctypes.string_at(0)\n", JudgeLimits(), Verdict.RTE, "SIGSEGV"),
    ],
)
async def test_program_failures_are_verdicts(
    judge: Judge, source: str, limits: JudgeLimits, verdict: Verdict, detail: str
) -> None:
    report = await judge.grade(request("python3", source, *sums(1), limits=limits))
    assert report.verdict is verdict, report
    (case,) = report.cases
    assert case.verdict is verdict
    assert detail in case.message
    assert report.score == 0.0
    if "code 3" in detail:
        assert case.exit_code == 3
    if "SIGSEGV" in detail:
        assert case.signal == 11


async def test_tests_run_across_free_slots(judge: Judge) -> None:
    slow = "import time, sys\ntime.sleep(0.4)\nprint(sum(map(int, sys.stdin.read().split())))\n"
    started = time.monotonic()
    report = await judge.grade(request("python3", slow, *sums(6)))
    parallel = time.monotonic() - started
    assert report.verdict is Verdict.AC
    assert judge.executor.most_in_flight == 2  # the job's own slot and the one free slot
    assert parallel < 6 * 0.4  # six 0.4 s tests in well under 2.4 s
    # With every other slot taken, the same job runs its tests one at a time.
    judge.executor.most_in_flight = 0
    await judge.slots.acquire()
    try:
        judge.slots = _one_free(judge.slots)
        report = await judge.grade(request("python3", slow, *sums(3)))
    finally:
        judge.slots.release()
    assert report.verdict is Verdict.AC
    assert judge.executor.most_in_flight == 1


def _one_free(pool: SlotPool) -> SlotPool:
    """A pool of which only one slot is free (the rest held by other jobs)."""
    narrow = SlotPool(pool.size)
    narrow.in_use = pool.size - 1
    return narrow


async def test_a_waiting_job_goes_before_borrowing() -> None:
    pool = SlotPool(2)
    await pool.acquire()  # job A
    assert pool.try_acquire()  # A borrows the free slot
    waiter = asyncio.ensure_future(pool.acquire())  # job B waits for its own slot
    await asyncio.sleep(0)
    pool.release()  # A's borrowed slot goes to B, not back to borrowing
    await waiter
    assert not pool.try_acquire()
    assert pool.in_use == 2


async def test_short_circuit_groups_and_dependencies(judge: Judge) -> None:
    # Tests 0-1 are group "a" (30 points), 2-3 group "b" (70, needs "a"); test 4 is a free sample.
    echo_wrong_on_three = "import sys\nn = int(sys.stdin.read())\nprint(n if n != 3 else -1)\n"
    tests = [TestCaseData(name=f"t{i}", input=f"{i}\n".encode(), expected=f"{i}\n".encode()) for i in range(5)]
    testset = TestSetData(
        tests=(
            msgspec.structs.replace(tests[0], group="a"),
            msgspec.structs.replace(tests[1], group="a"),
            msgspec.structs.replace(tests[2], group="b"),
            msgspec.structs.replace(tests[3], group="b"),
            msgspec.structs.replace(tests[4], group="b"),
        ),
        groups=(TestGroup(name="a", points=30), TestGroup(name="b", points=70, depends_on=("a",))),
    )
    report = await judge.grade(request("python3", echo_wrong_on_three, testset_digest="0" * 64), testset)
    assert report.verdict is Verdict.WA
    assert report.score == 30.0
    assert [(c.index, c.verdict, c.skipped) for c in report.cases] == [
        (0, Verdict.AC, False),
        (1, Verdict.AC, False),
        (2, Verdict.AC, False),
        (3, Verdict.WA, False),
        (4, Verdict.WA, True),  # short-circuited after test 3
    ]
    assert [(g.name, g.points, g.verdict) for g in report.groups] == [("a", 30.0, Verdict.AC), ("b", 0.0, Verdict.WA)]
    assert report.message.startswith("test 4: WA")


async def test_visible_tests_keep_capped_output_and_hidden_ones_none(judge: Judge) -> None:
    shout = "import sys\ndata = sys.stdin.read()\nsys.stderr.write('debug ' * 2000)\nprint(data.strip())\n"
    tests = (
        InlineTest(input=b"hi\n", expected=b"hi\n", visible=True),
        InlineTest(input=b"x\n", expected=b"x\n", visible=False),
    )
    report = await judge.grade(request("python3", shout, *tests))
    visible, hidden = report.cases
    assert visible.stdout == "hi\n"
    assert visible.stderr is not None
    assert 0 < len(visible.stderr) <= 4096
    assert hidden.stdout is None
    assert hidden.stderr is None
    assert visible.stderr_truncated  # 12,000 bytes written, 4 KiB kept: the result says so
    assert not visible.stdout_truncated
    assert not hidden.stderr_truncated  # nothing is said about a hidden test's output, not even its size


async def test_output_of_exactly_the_kept_size_is_not_called_truncated(judge: Judge) -> None:
    """The flag comes from what the program wrote, not from the shown text's length."""
    exact = "import sys\nsys.stdout.write('a' * 4096)\n"
    more = "import sys\nsys.stdout.write('a' * 4097)\n"
    test = InlineTest(input=b"", expected=None, visible=True)
    (kept,) = (await judge.grade(request("python3", exact, test))).cases
    (cut,) = (await judge.grade(request("python3", more, test))).cases
    assert kept.stdout is not None
    assert cut.stdout is not None
    assert len(kept.stdout) == len(cut.stdout) == 4096
    assert not kept.stdout_truncated
    assert cut.stdout_truncated


async def test_an_ad_hoc_run_accepts_any_output(judge: Judge) -> None:
    report = await judge.grade(request("python3", "print(input()[::-1])\n", InlineTest(input=b"abc\n", expected=None)))
    assert report.verdict is Verdict.AC
    assert report.cases[0].stdout == "cba\n"


async def test_file_input_and_output(judge: Judge) -> None:
    source = "a, b = map(int, open('sum.in').read().split())\nopen('sum.out', 'w').write(f'{a + b}\\n')\n"
    fine = await judge.grade(request("python3", source, *sums(2), input_file="sum.in", output_file="sum.out"))
    assert fine.verdict is Verdict.AC
    silent = await judge.grade(request("python3", "pass\n", *sums(1), input_file="sum.in", output_file="sum.out"))
    assert silent.verdict is Verdict.WA
    assert "no output file sum.out" in silent.cases[0].message


async def test_unknown_language_is_ce_and_bad_file_names_too(judge: Judge) -> None:
    unknown = await judge.grade(request("cobol", "DISPLAY 'HI'.", *sums(1)))
    assert unknown.verdict is Verdict.CE
    assert "unknown language" in unknown.compile_output
    two = JudgeRequest(submission_id=uuid.uuid4(), language="python3", files={"a.py": "", "b.py": ""})
    assert (await judge.grade(two)).verdict is Verdict.CE


async def test_inline_tests_over_the_cap_are_refused_as_ie(judge: Judge) -> None:
    huge = InlineTest(input=b"1" * (1024 * 1024 + 1), expected=b"")
    report = await judge.grade(request("python3", SUM_PY, huge))
    assert report.verdict is Verdict.IE
    assert "cap" in report.message


async def test_events_stream_in_order_and_end_with_finished(judge: Judge, plain_redis: object) -> None:
    from redis.asyncio import Redis

    from judge_worker.contracts import decode_event, progress_key, submission_channel

    assert isinstance(plain_redis, Redis)
    req = request("python3", SUM_PY, *sums(10))
    pubsub = plain_redis.pubsub()
    await pubsub.subscribe(submission_channel(req.submission_id))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    report = await judge.grade(req)
    events = []
    while (message := await pubsub.get_message(timeout=0.5)) is not None:
        events.append(decode_event(message["data"]))
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    assert isinstance(events[0], Compiling)
    assert events[0].seq == 1
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    cases = [c for e in events if isinstance(e, CaseFinished) for c in e.batch]
    assert [c.index for c in cases] == list(range(10))
    assert isinstance(events[-1], Finished)
    assert not events[-1].authoritative
    assert len([e for e in events if isinstance(e, CaseFinished)]) < 10  # coalesced
    assert report.last_seq == events[-1].seq
    progress = await plain_redis.get(progress_key(req.submission_id))
    assert progress is not None
    assert b'"finished"' in progress


async def test_a_sandbox_that_cannot_run_is_a_host_fault(judge_sandbox: Sandbox, judge: Judge) -> None:
    closed = Sandbox(judge_sandbox.config)  # never started: every run is refused
    judge.executor.sandbox = closed
    with pytest.raises(SandboxError):
        await judge.grade(request("python3", SUM_PY, *sums(1)))


async def test_a_cancelled_job_gives_back_the_slots_its_tests_borrowed(judge: Judge) -> None:
    slow = "import time\ntime.sleep(0.6)\n"
    job = asyncio.ensure_future(judge.grade(request("python3", slow, *sums(4))))
    for _ in range(100):
        if judge.executor.in_flight == 2:
            break
        await asyncio.sleep(0.02)
    assert judge.slots.in_use == 2  # the job's own slot and the one it borrowed
    job.cancel()  # arq's job timeout, or a drain that ran out of time
    with contextlib.suppress(asyncio.CancelledError):
        await job
    assert judge.slots.in_use == 1  # its own slot at once; the borrowed one when that run ends
    for _ in range(100):
        if judge.executor.in_flight == 0:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0)
    assert judge.slots.in_use == 0


async def test_output_that_is_not_utf8_is_escaped_not_dropped(judge: Judge) -> None:
    raw = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')\n"
    report = await judge.grade(request("python3", raw, InlineTest(input=b"", expected=None)))
    assert report.cases[0].stdout == "ok \\xff\\xfe end\n"


async def _graded_with_events(judge: Judge, req: JudgeRequest, redis: object) -> tuple[JudgeReport, list[object]]:
    from redis.asyncio import Redis

    from judge_worker.contracts import decode_event, submission_channel

    assert isinstance(redis, Redis)
    pubsub = redis.pubsub()
    await pubsub.subscribe(submission_channel(req.submission_id))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    report = await judge.grade(req)
    events: list[object] = []
    while (message := await pubsub.get_message(timeout=0.5)) is not None:
        events.append(decode_event(message["data"]))
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    return report, events


async def test_a_python_syntax_error_is_ce_with_the_interpreters_message(judge: Judge, plain_redis: object) -> None:
    source = "import sys\nfor line in sys.stdin\n    print(line)\n"
    report, events = await _graded_with_events(judge, request("python3", source, *sums(4)), plain_redis)
    assert report.verdict is Verdict.CE
    assert report.cases == ()
    assert report.message == "compilation failed"
    assert 'File "main.py", line 2' in report.compile_output
    assert "for line in sys.stdin" in report.compile_output
    assert "^" in report.compile_output
    assert "SyntaxError: expected ':'" in report.compile_output
    finished = [e for e in events if isinstance(e, CompileFinished)]
    assert len(finished) == 1
    assert not finished[0].ok
    assert finished[0].output == report.compile_output
    assert not [e for e in events if isinstance(e, CaseFinished)]  # no test result escapes before the check
    assert isinstance(events[-1], Finished)
    assert events[-1].verdict is Verdict.CE


async def test_a_syntax_error_in_another_module_names_that_file(judge: Judge) -> None:
    req = msgspec.structs.replace(
        request("python3", "import helper\nprint(helper.twice(int(input())))\n", *sums(2)),
        files={"main.py": "import helper\nprint(helper.twice(int(input())))\n", "helper.py": "def twice(x)\n"},
    )
    report = await judge.grade(req)
    assert report.verdict is Verdict.CE
    assert 'File "helper.py", line 1' in report.compile_output


async def test_a_python_program_that_parses_is_judged_as_before(judge: Judge, plain_redis: object) -> None:
    report, events = await _graded_with_events(judge, request("python3", SUM_PY, *sums(6)), plain_redis)
    assert report.verdict is Verdict.AC
    assert report.score == 100.0
    assert report.compile_output == ""
    assert judge.executor.compiles == []  # its first test parsed it: no separate check was needed
    assert judge.executor.runs == 6
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("CompileFinished") < kinds.index("CaseFinished")
    assert [e.ok for e in events if isinstance(e, CompileFinished)] == [True]
    # A runtime error (exit 1, as a syntax error) is checked, and stays a runtime error.
    failing = await judge.grade(request("python3", "raise ValueError('boom')\n", *sums(2)))
    assert failing.verdict is Verdict.RTE
    assert judge.executor.compiles == ["python3"]
    # Several files: checked beside the tests, whatever they do.
    two = msgspec.structs.replace(
        request("python3", SUM_PY, *sums(2)), files={"main.py": SUM_PY, "unused.py": "X = 1\n"}
    )
    assert (await judge.grade(two)).verdict is Verdict.AC
    assert judge.executor.compiles == ["python3", "python3"]


async def test_a_syntax_error_in_a_module_that_no_test_imports_is_still_ce(judge: Judge) -> None:
    req = msgspec.structs.replace(
        request("python3", SUM_PY, *sums(3)), files={"main.py": SUM_PY, "spare.py": "def broken(:\n    pass\n"}
    )
    report = await judge.grade(req)
    assert report.verdict is Verdict.CE
    assert 'File "spare.py", line 1' in report.compile_output
    assert report.cases == ()


async def test_the_syntax_check_runs_before_the_tests_when_no_slot_is_free(
    judge_sandbox: Sandbox, arq_redis: object
) -> None:
    from arq.connections import ArqRedis

    assert isinstance(arq_redis, ArqRedis)
    single = Judge(judge_sandbox, arq_redis, slots=1)  # nothing to borrow: the check goes first, in the job's slot
    try:
        files = {"main.py": "import helper\nhelper.go()\n", "helper.py": "def go():\n    print('unclosed\n"}
        bad = await single.grade(msgspec.structs.replace(request("python3", SUM_PY, *sums(3)), files=files))
        assert bad.verdict is Verdict.CE
        assert "SyntaxError: unterminated string literal" in bad.compile_output
        assert single.executor.runs == 0
        one_file = await single.grade(request("python3", "print('unclosed\n", *sums(3)))
        assert one_file.verdict is Verdict.CE
        assert single.executor.runs == 1  # the first test exited 1: checked before any result was sent
        good = await single.grade(request("python3", SUM_PY, *sums(3)))
        assert good.verdict is Verdict.AC
    finally:
        await single.executor.warm.close()
