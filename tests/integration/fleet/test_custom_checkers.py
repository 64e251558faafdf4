"""Custom checker programs (ICPC output validators, testlib checkers) and interactive problems, in the sandbox."""

from __future__ import annotations

import uuid

import pytest

from judge_worker.contracts import CheckerSpec, JudgeLimits, JudgeRequest, TestCaseData, TestSetData, Verdict
from tests.support.judging import Judge

pytestmark = pytest.mark.sandbox

# Problem: print any divisor d of n with 1 < d < n. Many answers are right, so a validator decides.
DIVISOR_VALIDATOR = """import sys
n = int(open(sys.argv[1]).read())
answer = sys.stdin.read().split()
feedback = sys.argv[3]
def reject(message):
    with open(feedback + '/judgemessage.txt', 'w') as out:
        out.write(message)
    sys.exit(43)
if len(answer) != 1 or not answer[0].isdigit():
    reject('expected one number')
d = int(answer[0])
if not 1 < d < n or n % d:
    reject(f'{d} is not a proper divisor')
sys.exit(42)
"""
BROKEN_VALIDATOR = "import sys\nsys.exit(1)\n"

# testlib convention: args input output answer; exit 0 AC, 1 WA, 2 PE, 7 partial ("points f" on stderr).
TESTLIB_CHECKER = """import sys
want = open(sys.argv[3]).read().split()
got = open(sys.argv[2]).read()
if not got.endswith('\\n'):
    sys.stderr.write('missing final newline')
    sys.exit(2)
got = got.split()
right = sum(1 for a, b in zip(want, got) if a == b)
if right == len(want) and len(got) == len(want):
    sys.stderr.write('ok all')
    sys.exit(0)
if right == 0:
    sys.stderr.write('wrong answer: nothing right')
    sys.exit(1)
sys.stderr.write(f'points {right / len(want)} {right} of {len(want)} right')
sys.exit(7)
"""

CPP_VALIDATOR = r"""#include <fstream>
#include <iostream>
int main(int argc, char** argv) {
  std::ifstream answer(argv[2]);
  long long want, got;
  answer >> want;
  if (!(std::cin >> got) || got != want) return 43;
  return 42;
}
"""

# Guess the number 1..100: the solution prints guesses, the interactor answers higher / lower / correct.
# A solution that exits right after a guess closes the pipe the answer goes to: that is "stopped guessing" too, not
# the interactor's crash (whether the write or the read notices first is a race).
GUESS_INTERACTOR = """import os, sys
secret = int(open(sys.argv[1]).read())
def stopped():
    with open(sys.argv[3] + '/judgemessage.txt', 'w') as message:
        message.write('the solution stopped guessing')
    os._exit(43)  # not sys.exit: flushing the unsent answer at exit would fail again
for _ in range(10):
    line = sys.stdin.readline()
    if not line:
        stopped()
    guess = int(line)
    if guess == secret:
        print('correct', flush=True)
        sys.exit(42)
    try:
        print('higher' if guess < secret else 'lower', flush=True)
    except BrokenPipeError:
        stopped()
open(sys.argv[3] + '/judgemessage.txt', 'w').write('too many guesses')
sys.exit(43)
"""
BINARY_SEARCH = """low, high = 1, 100
while True:
    guess = (low + high) // 2
    print(guess, flush=True)
    reply = input()
    if reply == 'correct':
        break
    if reply == 'higher':
        low = guess + 1
    else:
        high = guess - 1
"""
ALWAYS_ONE = "while True:\n    print(1, flush=True)\n    input()\n"
NEVER_FLUSHES = "import sys\nsys.stdout.write('50\\n')\nprint(sys.stdin.readline())\n"  # input() would flush
GIVES_UP = "print(50, flush=True)\n"
CRASHES = "print(50, flush=True)\ninput()\nraise RuntimeError('oops')\n"
WINS_THEN_CRASHES = BINARY_SEARCH + "raise SystemExit(4)\n"


def make_testset(
    cases: list[tuple[bytes, bytes]], checker: CheckerSpec, files: dict[str, bytes], **kw: bool
) -> TestSetData:
    visible = kw.get("visible", False)
    return TestSetData(
        tests=tuple(
            TestCaseData(name=f"t{i}", input=i_, expected=e, visibility="visible" if visible else "hidden")
            for i, (i_, e) in enumerate(cases)
        ),
        checker=checker,
        files=files,
    )


def python_request(source: str, **fields: object) -> JudgeRequest:
    return JudgeRequest(
        submission_id=uuid.uuid4(),
        language="python3",
        files={"main.py": source},
        testset_digest="0" * 64,
        **fields,  # type: ignore[arg-type]
    )


VALIDATOR = CheckerSpec(kind="icpc_validator", language="python3", source="validator.py")


async def test_icpc_validator_accepts_any_right_answer(judge: Judge) -> None:
    data = make_testset([(b"12\n", b"2\n"), (b"35\n", b"5\n")], VALIDATOR, {"validator.py": DIVISOR_VALIDATOR.encode()})
    smallest = "n = int(input())\nprint(next(d for d in range(2, n) if n % d == 0))\n"
    largest = "n = int(input())\nprint(next(d for d in range(n - 1, 1, -1) if n % d == 0))\n"
    for source in (smallest, largest):
        report = await judge.grade(python_request(source), data)
        assert report.verdict is Verdict.AC, report
    wrong = await judge.grade(python_request("print(1)\n"), data)
    assert wrong.verdict is Verdict.WA
    assert wrong.cases[0].message == ""  # hidden test: the validator's words may quote the answer


async def test_icpc_validator_message_is_shown_for_visible_tests(judge: Judge) -> None:
    data = make_testset([(b"12\n", b"2\n")], VALIDATOR, {"validator.py": DIVISOR_VALIDATOR.encode()}, visible=True)
    report = await judge.grade(python_request("print(5)\n"), data)
    assert report.verdict is Verdict.WA
    assert report.cases[0].message == "5 is not a proper divisor"


async def test_a_checker_that_fails_is_ie_never_the_students_fault(judge: Judge) -> None:
    data = make_testset([(b"12\n", b"2\n")], VALIDATOR, {"validator.py": BROKEN_VALIDATOR.encode()})
    report = await judge.grade(python_request("print(2)\n"), data)
    assert report.verdict is Verdict.IE
    assert "exited with 1 (expected 42 or 43)" in report.message


async def test_testlib_checker_verdicts_and_partial_points(judge: Judge) -> None:
    spec = CheckerSpec(kind="testlib", language="python3", source="check.py")
    data = make_testset([(b"", b"1 2 3 4\n")], spec, {"check.py": TESTLIB_CHECKER.encode()})
    full = await judge.grade(python_request("print('1 2 3 4')\n"), data)
    assert full.verdict is Verdict.AC
    assert full.score == 100.0
    half = await judge.grade(python_request("print('1 2 0 0')\n"), data)
    assert half.verdict is Verdict.WA
    assert half.score == 50.0
    assert half.cases[0].points == 0.5
    none = await judge.grade(python_request("print('9 9 9 9')\n"), data)
    assert none.verdict is Verdict.WA
    assert none.score == 0.0
    layout = await judge.grade(python_request("import sys\nsys.stdout.write('1 2 3 4')\n"), data)
    assert layout.verdict is Verdict.WA
    assert layout.cases[0].message == "presentation error"


async def test_a_compiled_checker_is_compiled_once_per_worker(judge: Judge) -> None:
    spec = CheckerSpec(kind="icpc_validator", language="cpp17", source="check.cpp")
    data = make_testset([(b"1 2\n", b"3\n"), (b"2 2\n", b"4\n")], spec, {"check.cpp": CPP_VALIDATOR.encode()})
    add = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
    for _ in range(2):
        report = await judge.grade(python_request(add), data)
        assert report.verdict is Verdict.AC, report
    assert judge.checkers.compilations == 1
    assert judge.executor.compiles.count("cpp17") == 1


INTERACTOR = CheckerSpec(kind="icpc_interactor", language="python3", source="interactor.py")
SECRETS = [(b"37\n", b""), (b"100\n", b""), (b"1\n", b"")]


@pytest.mark.parametrize(
    ("source", "verdict", "message"),
    [
        (BINARY_SEARCH, Verdict.AC, ""),
        (ALWAYS_ONE, Verdict.WA, "too many guesses"),
        (GIVES_UP, Verdict.WA, "the solution stopped guessing"),
        (NEVER_FLUSHES, Verdict.TLE, "wall-clock"),
        (CRASHES, Verdict.WA, "stopped guessing (then the program exited with code 1)"),
        (WINS_THEN_CRASHES, Verdict.RTE, "exited with code 4"),
    ],
)
async def test_interactive_problems_end_with_a_clear_verdict(
    judge: Judge, source: str, verdict: Verdict, message: str
) -> None:
    data = make_testset(SECRETS[:1], INTERACTOR, {"interactor.py": GUESS_INTERACTOR.encode()}, visible=True)
    limits = JudgeLimits(time_ms=300, wall_ms=600)
    report = await judge.grade(python_request(source, limits=limits), data)
    assert report.verdict is verdict, report
    assert message in report.cases[0].message


async def test_interactive_solution_time_is_its_own(judge: Judge) -> None:
    data = make_testset(SECRETS, INTERACTOR, {"interactor.py": GUESS_INTERACTOR.encode()})
    report = await judge.grade(python_request(BINARY_SEARCH, limits=JudgeLimits(time_ms=300, wall_ms=600)), data)
    assert report.verdict is Verdict.AC
    assert len(report.cases) == 3
    assert all(0 <= case.cpu_ms < 300 for case in report.cases)
