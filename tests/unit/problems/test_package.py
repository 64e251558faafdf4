"""Reading ICPC problem packages: what each field becomes, and a clear error naming the file and field when a
package is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from api.domain.problems.errors import PackageError
from api.domain.problems.package import ParsedPackage, parse_package
from api.domain.problems.testsets import build_testset, manifest_of
from judge_worker.contracts import pack_testset
from tests.packages import package_files


def _parse(tmp_path: Path, files: dict[str, bytes]) -> ParsedPackage:
    root = tmp_path / "pkg"
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return parse_package(root, list(files))


def _errors(tmp_path: Path, files: dict[str, bytes]) -> list[dict[str, Any]]:
    with pytest.raises(PackageError) as caught:
        _parse(tmp_path, files)
    assert caught.value.errors
    return caught.value.errors


MINIMAL = {
    "problem.yaml": b"name: Minimal\n",
    "problem_statement/problem.en.md": b"Print 1.",
    "data/secret/1.in": b"",
    "data/secret/1.ans": b"1\n",
}


def test_the_scoring_package_reads_as_written(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, package_files("addup"))
    assert parsed.title == "Add them up"
    assert parsed.config.authors == ("Ada Lovelace", "Grace Hopper")
    assert parsed.time_limit_ms == 250
    assert parsed.memory_mb == 256
    assert parsed.config.time_multiplier == 5
    assert parsed.config.time_safety_margin == 2
    assert parsed.config.verdict.language_multipliers == {"java": 1.5}
    assert parsed.checker.kind == "default"
    assert [t.name for t in parsed.tests] == [
        "sample/1",
        "sample/2",
        "secret/group1/01",
        "secret/group1/02",
        "secret/group2/01",
        "secret/group2/02",
    ]
    assert parsed.statement_path == "problem_statement/problem.en.md"
    by_path = {r.path: r for r in parsed.references}
    assert by_path["submissions/accepted/sum.py"].language == "python3"
    assert by_path["submissions/accepted/sum.cpp"].language == "cpp17"
    assert by_path["submissions/accepted/Sum.kt"].language == "kotlin"
    assert by_path["submissions/wrong_answer/int32.c"].expected == "WA"
    assert by_path["submissions/time_limit_exceeded/spin.py"].expected == "TLE"
    assert by_path["submissions/run_time_error/crash.py"].expected == "RTE"
    # Everything that is not a test or the statement is kept for export, problem.yaml included.
    assert "input_validators/validate.py" in parsed.extras
    assert "problem.yaml" in parsed.extras
    assert "data/secret/group1/testdata.yaml" in parsed.extras
    assert not any(name.endswith((".in", ".ans")) for name in parsed.extras)


def test_groups_points_and_visibility_follow_testdata_yaml_and_the_verdict_key(tmp_path: Path) -> None:
    testset = build_testset(_parse(tmp_path, package_files("addup")))
    groups = {g.name: g for g in testset.groups}
    assert groups["secret/group1"].points == 40
    assert groups["secret/group2"].points == 60
    assert groups["secret/group2"].depends_on == ("secret/group1",)
    assert all(g.short_circuit for g in testset.groups)
    tests = {t.name: t for t in testset.tests}
    assert tests["sample/1"].sample
    assert tests["sample/1"].visibility == "visible"
    assert tests["sample/1"].points == 0  # a scoring problem: samples are worth nothing
    assert tests["secret/group1/01"].visibility == "visible"  # verdict.visibility: secret/group1
    assert tests["secret/group2/01"].visibility == "hidden"
    assert tests["secret/group2/02"].visibility == "after_due_date"  # a single test named
    assert tests["secret/group2/01"].group == "secret/group2"
    manifest = manifest_of(testset)
    assert manifest["samples"][0] == {"name": "sample/1", "input": "3\n1 2 3\n", "output": "6\n"}
    assert [t["group"] for t in manifest["tests"]][:2] == [None, None]


def test_the_same_package_gives_the_same_digests(tmp_path: Path) -> None:
    first = _parse(tmp_path / "a", package_files("addup"))
    second = _parse(tmp_path / "b", dict(reversed(list(package_files("addup").items()))))
    assert first.digest == second.digest
    assert pack_testset(build_testset(first))[0] == pack_testset(build_testset(second))[0]


def test_a_custom_output_validator_becomes_the_checker(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, package_files("twosum"))
    assert parsed.checker.kind == "icpc_validator"
    assert parsed.checker.language == "python3"
    assert parsed.checker.source == "validate.py"
    assert set(parsed.checker_files) == {"validate.py"}
    testset = build_testset(parsed)
    assert testset.files["validate.py"].startswith(b'"""Output validator')
    assert all(t.points == 1 for t in testset.tests)  # pass-fail: every test counts


def test_an_interactive_problem_gets_an_interactor_and_may_omit_answers(tmp_path: Path) -> None:
    files = package_files("guess")
    files.pop("data/secret/01.ans")
    parsed = _parse(tmp_path, files)
    assert parsed.checker.kind == "icpc_interactor"
    assert parsed.checker.source == "interactor.py"
    assert next(t.name for t in parsed.tests) == "sample/1"


def test_a_single_top_directory_is_looked_through(tmp_path: Path) -> None:
    files = {f"minimal/{name}": data for name, data in MINIMAL.items()}
    assert _parse(tmp_path, files).title == "Minimal"


def test_validator_flags_configure_the_default_checker(tmp_path: Path) -> None:
    files = dict(MINIMAL)
    files["problem.yaml"] = b"name: Floats\nvalidator_flags: float_tolerance 1e-6 case_sensitive\n"
    checker = _parse(tmp_path, files).checker
    assert checker.float_tolerance == 1e-6
    assert checker.case_sensitive


def test_the_name_may_come_from_the_statement_and_limits_from_dot_timelimit(tmp_path: Path) -> None:
    files = dict(MINIMAL)
    files["problem.yaml"] = b"author: Someone\n"
    files["problem_statement/problem.en.md"] = b"# From the heading\n\nText."
    files[".timelimit"] = b"2.5\n"
    parsed = _parse(tmp_path, files)
    assert parsed.title == "From the heading"
    assert parsed.time_limit_ms == 2500


@pytest.mark.parametrize(
    ("change", "path", "field", "message"),
    [
        ({"problem.yaml": None}, "problem.yaml", None, "missing"),
        ({"problem.yaml": b"name: [unclosed\n"}, "problem.yaml", None, "a list in [ ] is not closed"),
        ({"problem.yaml": b"- a list\n"}, "problem.yaml", None, "mapping"),
        ({"problem.yaml": b"name: x\nlimits: {memory: -5}\n"}, "problem.yaml", "limits.memory", "between"),
        ({"problem.yaml": b"name: x\nlimits: {time_limit: fast}\n"}, "problem.yaml", "limits.time_limit", "number"),
        ({"problem.yaml": b"name: x\nvalidation: magic\n"}, "problem.yaml", "validation", "must be one of"),
        ({"problem.yaml": b"name: x\nvalidation: custom score\n"}, "problem.yaml", "validation", "score"),
        ({"problem.yaml": b"name: x\nverdict: {langauges: [c]}\n"}, "problem.yaml", "verdict.langauges", "unknown"),
        (
            {"problem.yaml": b"name: x\nverdict: {visibility: {secret: public}}\n"},
            "problem.yaml",
            "verdict.visibility.secret",
            "must be one of",
        ),
        ({"problem.yaml": b"name: x\nverdict: {difficulty: insane}\n"}, "problem.yaml", "verdict.difficulty", "one"),
        ({"problem.yaml": b"a: &x [1]\nb: *x\n"}, "problem.yaml", None, "anchors"),
        ({"problem.yaml": b"name: \xff\xfe\n"}, "problem.yaml", None, "UTF-8"),
        ({"problem.yaml": b"name: x\nvalidator_flags: fuzzy\n"}, "problem.yaml", "validator_flags", "unknown"),
        ({"data/secret/1.ans": None}, "data/secret/1.in", None, "no matching .ans"),
        ({"data/secret/1.in": None}, "data/secret/1.ans", None, "no matching .in"),
        ({"problem_statement/problem.en.md": None}, "statement/", None, "no statement"),
        ({"problem.yaml": b"name: x\nvalidation: custom\n"}, "output_validators/", None, "exactly one"),
        ({"data/secret/testdata.yaml": b"on_reject: maybe\n"}, "data/secret/testdata.yaml", "on_reject", "break"),
        ({"problem.yaml": b"name: x\nverdict: {groups: {secret/nope: {points: 5}}}\n"}, None, None, None),
    ],
)
def test_malformed_packages_name_the_file_and_the_field(
    tmp_path: Path, change: dict[str, bytes | None], path: str | None, field: str | None, message: str | None
) -> None:
    files: dict[str, bytes] = dict(MINIMAL)
    for name, data in change.items():
        if data is None:
            files.pop(name)
        else:
            files[name] = data
    if path is None:  # a group that does not exist: found when the test set is built
        with pytest.raises(PackageError, match="no test group 'secret/nope'"):
            build_testset(_parse(tmp_path, files))
        return
    errors = _errors(tmp_path, files)
    assert message is not None
    matching = [e for e in errors if e["path"] == path and e.get("field") == field and message in e["message"]]
    assert matching, errors


def test_a_pdf_only_statement_is_refused_by_name(tmp_path: Path) -> None:
    files = dict(MINIMAL)
    files.pop("problem_statement/problem.en.md")
    files["problem_statement/problem.en.pdf"] = b"%PDF-1.4"
    errors = _errors(tmp_path, files)
    assert errors[0]["path"] == "problem_statement/problem.en.pdf"
    assert "PDF statements are not supported" in errors[0]["message"]


def test_every_issue_is_reported_at_once(tmp_path: Path) -> None:
    files = dict(MINIMAL)
    files["problem.yaml"] = b"name: x\nlimits: {memory: 1, time_limit: -1}\nverdict: {bogus: 1}\n"
    fields = {e.get("field") for e in _errors(tmp_path, files)}
    assert {"limits.memory", "limits.time_limit", "verdict.bogus"} <= fields


def test_reference_solutions_that_cannot_be_judged_say_why(tmp_path: Path) -> None:
    files = dict(MINIMAL)
    files["submissions/accepted/latin1.py"] = "print('caf\u00e9')".encode("latin-1")
    files["submissions/accepted/notes.txt"] = b"not a program"
    files["submissions/accepted/multi/main.cpp"] = b'#include "util.h"\nint main(){}'
    files["submissions/accepted/multi/util.h"] = b"#pragma once"
    by_path = {r.path: r for r in _parse(tmp_path, files).references}
    assert by_path["submissions/accepted/latin1.py"].problem == "source is not UTF-8 text"
    assert by_path["submissions/accepted/notes.txt"].problem == "cannot tell the language from the file names"
    multi = by_path["submissions/accepted/multi"]
    assert multi.problem is None
    assert multi.language == "cpp17"
    assert set(multi.files) == {"main.cpp", "util.h"}


def test_the_parsed_package_is_a_plain_struct(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, MINIMAL)
    assert msgspec.structs.asdict(parsed)["title"] == "Minimal"


def test_input_validators_are_read_as_programs_in_both_layouts(tmp_path: Path) -> None:
    files = {
        **MINIMAL,
        "data/secret/1.in": b"5\n",
        "data/secret/testdata.yaml": b"input_validator_flags: --max 10\n",
        "data/sample/1.in": b"1\n",
        "data/sample/1.ans": b"1\n",
        "data/sample/testdata.yaml": b"input_validator_args: [--max, 3]\n",
        # 2023-07: one program per file directly in input_validators/, headers shared; a directory is one program.
        "input_validators/bounds.py": b"import sys\nsys.exit(42)\n",
        "input_validators/format.cpp": b'#include "testlib.h"\nint main() { return 42; }\n',
        "input_validators/testlib.h": b"// testlib\n",
        "input_validators/multi/validate.cpp": b'#include "io.h"\nint main() { return read() ? 42 : 43; }\n',
        "input_validators/multi/io.cpp": b"bool read() { return true; }\n",
        "input_validators/multi/io.h": b"bool read();\n",
        # legacy
        "input_format_validators/old.py": b"import sys\nsys.exit(42)\n",
    }
    parsed = _parse(tmp_path, files)
    by_path = {v.path: v for v in parsed.input_validators}
    assert sorted(by_path) == [
        "input_format_validators/old.py",
        "input_validators/bounds.py",
        "input_validators/format.cpp",
        "input_validators/multi",
    ]
    assert by_path["input_validators/bounds.py"].language == "python3"
    assert set(by_path["input_validators/format.cpp"].files) == {"format.cpp", "testlib.h"}
    assert by_path["input_validators/format.cpp"].main == "format.cpp"
    multi = by_path["input_validators/multi"]
    assert (multi.language, multi.main) == ("cpp17", "validate.cpp")
    assert set(multi.files) == {"validate.cpp", "io.cpp", "io.h"}
    flags = {t.name: t.settings.input_validator_flags for t in parsed.tests}
    assert flags == {"sample/1": ("--max", "3"), "secret/1": ("--max", "10")}
    assert "input_validators/bounds.py" in parsed.extras  # kept for export


def test_input_validators_that_cannot_be_run_are_refused_by_name(tmp_path: Path) -> None:
    errors = _errors(
        tmp_path,
        {
            **MINIMAL,
            "input_validators/scripted/build": b"#!/bin/sh\n",
            "input_validators/scripted/validate.cpp": b"int main() { return 42; }\n",
            "input_validators/notes.txt": b"what the validator checks\n",
            "data/secret/testdata.yaml": b"input_validator_args: {bounds: [1]}\n",
        },
    )
    messages = {e["path"]: e["message"] for e in errors}
    assert "build and run scripts are not supported" in messages["input_validators/scripted/build"]
    assert "cannot tell the input validator's language" in messages["input_validators/notes.txt"]
    assert "per input validator (a map) are not supported" in messages["data/secret/testdata.yaml"]
