"""Programs as reference solutions and validators are written: a Java class that is not ``Main``, several Java
files, and an output validator of several C++ files with a header beside them, compiled in the sandbox."""

from __future__ import annotations

import uuid

import pytest

from judge_worker.contracts import CheckerSpec, JudgeRequest, TestCaseData, TestSetData, Verdict
from tests.support.judging import Judge
from tests.unit.problems.test_formats import HEADER, SAME_CPP, VALIDATE_CPP

pytestmark = pytest.mark.sandbox

ADD_TESTS = (
    TestCaseData(name="t1", input=b"1 2\n", expected=b"3\n", visibility="visible"),
    TestCaseData(name="t2", input=b"40 2\n", expected=b"42\n", visibility="hidden"),
)
SOLUTION_JAVA = """import java.util.Scanner;

// A comment that mentions class Main must not confuse anything.
public class Solution {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(Adder.add(in.nextLong(), in.nextLong()));
    }
}
"""
ADDER_JAVA = "class Adder {\n    static long add(long a, long b) { return a + b; }\n}\n"


def _request(language: str, files: dict[str, str]) -> JudgeRequest:
    return JudgeRequest(submission_id=uuid.uuid4(), language=language, files=files, testset_digest="0" * 64)


async def test_a_java_class_not_named_main_runs_as_its_own_class(judge: Judge) -> None:
    data = TestSetData(tests=ADD_TESTS)
    report = await judge.grade(
        _request("java", {"Solution.java": SOLUTION_JAVA.replace("Adder.add", "Long.sum")}), data
    )
    assert report.verdict is Verdict.AC, report


async def test_a_java_program_of_several_files_compiles_together(judge: Judge) -> None:
    data = TestSetData(tests=ADD_TESTS)
    report = await judge.grade(_request("java", {"Solution.java": SOLUTION_JAVA, "Adder.java": ADDER_JAVA}), data)
    assert report.verdict is Verdict.AC, report


async def test_a_java_package_declaration_is_a_compile_error_in_words(judge: Judge) -> None:
    source = "package contest;\n" + SOLUTION_JAVA.replace("Adder.add", "Long.sum")
    report = await judge.grade(_request("java", {"Solution.java": source}), TestSetData(tests=ADD_TESTS))
    assert report.verdict is Verdict.CE
    assert "remove the package declaration" in report.compile_output


async def test_an_output_validator_of_several_files_and_a_header_compiles_and_judges(judge: Judge) -> None:
    spec = CheckerSpec(kind="icpc_validator", language="cpp17", source="validate.cpp")
    files = {"validate.cpp": VALIDATE_CPP, "same.cpp": SAME_CPP, "answer.h": HEADER}
    data = TestSetData(tests=ADD_TESTS, checker=spec, files=files)
    right = await judge.grade(_request("python3", {"main.py": "print(sum(map(int, input().split())))\n"}), data)
    assert right.verdict is Verdict.AC, right
    wrong = await judge.grade(_request("python3", {"main.py": "print(sum(map(int, input().split())) + 1)\n"}), data)
    assert wrong.verdict is Verdict.WA, wrong
    assert judge.checkers.compilations == 1  # compiled once, from all its files


KOTLIN_SOLUTION = """// The class to run is this file's facade, HelloKt, as Kattis runs it.
fun main() {
    val (a, b) = readLine()!!.trim().split(" ").map { it.toLong() }
    println(add(a, b))
}
"""
KOTLIN_ADD = "fun add(a: Long, b: Long): Long = a + b\n"


async def test_a_kotlin_program_runs_as_its_own_files_class_with_its_other_files(judge: Judge) -> None:
    data = TestSetData(tests=ADD_TESTS)
    report = await judge.grade(_request("kotlin", {"hello.kt": KOTLIN_SOLUTION, "util.kt": KOTLIN_ADD}), data)
    assert report.verdict is Verdict.AC, report
    named = '@file:JvmName("Adder")\n' + KOTLIN_SOLUTION.replace("add(a, b)", "a + b")
    report = await judge.grade(_request("kotlin", {"solution.kt": named}), data)
    assert report.verdict is Verdict.AC, report


async def test_a_kotlin_compile_error_is_ce_with_kotlincs_message(judge: Judge) -> None:
    report = await judge.grade(_request("kotlin", {"Main.kt": "fun main() { println(undefinedName) }\n"}))
    assert report.verdict is Verdict.CE
    assert "Main.kt:1:22: error: unresolved reference: undefinedName" in report.compile_output


CSHARP_SOLUTION = """using System;
public class Solution {
    public static void Main() {
        var parts = Console.ReadLine().Split(' ');
        Console.WriteLine(long.Parse(parts[0]) + long.Parse(parts[1]));
    }
}
"""


async def test_a_csharp_program_compiles_with_mcs_and_runs_on_mono(judge: Judge) -> None:
    report = await judge.grade(_request("csharp", {"main.cs": CSHARP_SOLUTION}), TestSetData(tests=ADD_TESTS))
    assert report.verdict is Verdict.AC, report
    failed = await judge.grade(_request("csharp", {"main.cs": "class P { static void Main() { int x = ; } }\n"}))
    assert failed.verdict is Verdict.CE
    assert "error CS1525" in failed.compile_output
    thrown = 'class P { static void Main() { throw new System.Exception("boom"); } }\n'
    crashed = await judge.grade(_request("csharp", {"main.cs": thrown}), TestSetData(tests=ADD_TESTS))
    assert crashed.verdict is Verdict.RTE
