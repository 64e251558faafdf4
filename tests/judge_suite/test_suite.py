"""The judge suite: problems as data, each with submissions and the verdict they must get, judged by the real
grader in the real sandbox.

Layout (one directory per problem)::

    <problem>/problem.yml                  limits, checker, groups, per-test settings (see below)
    <problem>/cases/<name>.in              a test's input
    <problem>/cases/<name>.out | .ans      its expected output (empty or missing: any output)
    <problem>/files/*                      checker or interactor sources, by file name
    <problem>/submissions/<name>/main.*    a submission (main.py: python3, main.cpp: cpp17, main.cs: csharp, ...)
    <problem>/submissions/<name>/expect.yml
        expect: TLE                        the verdict it must get
        score: 30                          (optional) its score
        message: "test 2"                  (optional) words in the report's message
        compile_output: error              (optional) words in the compiler's output

``problem.yml`` keys: ``time_limit_ms``, ``wall_limit_ms``, ``memory_limit_mb``, ``output_limit_kb``, ``checker``
(``CheckerSpec`` fields), ``groups`` (``TestGroup`` fields), ``policy`` (``GradingPolicy``), ``tests`` (per case
name: ``group``, ``points``, ``visible``), ``input_file`` / ``output_file``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from judge_worker.contracts import (
    CheckerSpec,
    GradingPolicy,
    JudgeLimits,
    JudgeRequest,
    TestCaseData,
    TestGroup,
    TestSetData,
)
from tests.support.judging import Judge

pytestmark = [pytest.mark.sandbox, pytest.mark.integration]

SUITE = Path(__file__).resolve().parent
LANGUAGE_OF = {".py": "python3", ".cpp": "cpp17", ".go": "go", ".rb": "ruby", ".cs": "csharp", ".kt": "kotlin"}


def load_problem(directory: Path) -> tuple[dict[str, Any], TestSetData]:
    config: dict[str, Any] = yaml.safe_load((directory / "problem.yml").read_text()) or {}
    per_test: dict[str, dict[str, Any]] = config.get("tests", {})
    tests = []
    for source in sorted((directory / "cases").glob("*.in")):
        answer = next((p for p in (source.with_suffix(".out"), source.with_suffix(".ans")) if p.exists()), None)
        settings = per_test.get(source.stem, {})
        tests.append(
            TestCaseData(
                name=source.stem,
                input=source.read_bytes(),
                expected=answer.read_bytes() if answer else b"",
                points=float(settings.get("points", 1.0)),
                group=settings.get("group"),
                visibility="visible" if settings.get("visible") else "hidden",
            )
        )
    files = {p.name: p.read_bytes() for p in sorted((directory / "files").glob("*"))}
    data = TestSetData(
        tests=tuple(tests),
        groups=tuple(msgspec.convert(g, TestGroup) for g in config.get("groups", [])),
        checker=msgspec.convert(config.get("checker", {}), CheckerSpec),
        files=files,
    )
    return config, data


def submissions() -> list[Any]:
    found = []
    for expect in sorted(SUITE.glob("*/submissions/*/expect.yml")):
        problem = expect.parent.parent.parent
        found.append(pytest.param(problem, expect.parent, id=f"{problem.name}/{expect.parent.name}"))
    return found


def request_for(config: dict[str, Any], submission: Path) -> JudgeRequest:
    (source,) = [p for p in submission.iterdir() if p.stem == "main"]
    limits = JudgeLimits(
        time_ms=int(config.get("time_limit_ms", 1000)),
        wall_ms=int(config.get("wall_limit_ms", 0)),
        memory_kib=int(config.get("memory_limit_mb", 256)) * 1024,
        output_kib=int(config.get("output_limit_kb", 64 * 1024)),
    )
    return JudgeRequest(
        submission_id=uuid.uuid4(),
        language=LANGUAGE_OF[source.suffix],
        files={source.name: source.read_text()},
        limits=limits,
        testset_digest="0" * 64,
        policy=msgspec.convert(config.get("policy", {}), GradingPolicy),
        input_file=config.get("input_file"),
        output_file=config.get("output_file"),
    )


@pytest.mark.parametrize(("problem", "submission"), submissions())
async def test_submission_gets_its_verdict(judge: Judge, problem: Path, submission: Path) -> None:
    config, data = load_problem(problem)
    expect: dict[str, Any] = yaml.safe_load((submission / "expect.yml").read_text())
    report = await judge.grade(request_for(config, submission), data)
    assert report.verdict.value == expect["expect"], report
    if "score" in expect:
        assert report.score == pytest.approx(float(expect["score"]), abs=1e-3), report
    if "message" in expect:
        assert expect["message"] in report.message + " ".join(case.message for case in report.cases), report
    if "compile_output" in expect:
        assert expect["compile_output"] in report.compile_output, report


def test_the_suite_covers_every_verdict_a_program_can_earn() -> None:
    verdicts = {yaml.safe_load(p.read_text())["expect"] for p in SUITE.glob("*/submissions/*/expect.yml")}
    assert verdicts == {"AC", "WA", "TLE", "MLE", "OLE", "RTE", "CE"}
