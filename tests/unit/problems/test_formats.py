"""Both versions of the ICPC problem package format, written as public archives write them, load without edits;
what Verdict cannot honour is refused by name; YAML mistakes are reported with file, line and column in words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.domain.problems._timing import measured_limit_ms
from api.domain.problems._yaml import load_yaml
from api.domain.problems.errors import PackageError, PackageIssue
from api.domain.problems.package import ParsedPackage, parse_package

HEADER = b"#pragma once\n#include <fstream>\ninline long long read_answer(const char* path) {\n" \
    b"  std::ifstream in(path); long long v; in >> v; return v;\n}\n"  # fmt: skip
VALIDATE_CPP = b'#include "answer.h"\n#include <iostream>\nbool same(long long a, long long b);\n' \
    b"int main(int argc, char** argv) {\n  long long got;\n" \
    b"  if (!(std::cin >> got) || !same(got, read_answer(argv[2]))) return 43;\n  return 42;\n}\n"  # fmt: skip
SAME_CPP = b"bool same(long long a, long long b) { return a == b; }\n"

# The legacy layout as Kattis' public problems write it: problem_statement/ in LaTeX, a validator directory of
# several files, submissions per verdict folder, limits.time_multiplier.
LEGACY = {
    "problem.yaml": b"source: NWERC 2026\nauthor: Ada Lovelace\nlicense: cc by-sa\nrights_owner: Verdict\n"
    b"validation: custom\nlimits:\n  time_multiplier: 3\n  time_safety_margin: 1.5\n  memory: 512\n",
    "problem_statement/problem.en.tex": b"\\problemname{Add Two}\n\nGiven $a$ and $b$, print $a+b$.\n\n"
    b"\\section*{Input}\nOne line with two integers $a$ and $b$ ($1 \\le a, b \\le 10^9$).\n\n"
    b"\\illustration{0.3}{sum}{Two numbers}\n",
    "problem_statement/sum.png": b"\x89PNG\r\n\x1a\n",
    "problem_statement/problem.sv.tex": b"\\problemname{Addera tv\xc3\xa5}\nSkriv $a+b$.\n",
    "output_validators/add_check/validate.cpp": VALIDATE_CPP,
    "output_validators/add_check/same.cpp": SAME_CPP,
    "output_validators/add_check/answer.h": HEADER,
    "data/sample/1.in": b"1 2\n",
    "data/sample/1.ans": b"3\n",
    "data/secret/1.in": b"5 6\n",
    "data/secret/1.ans": b"11\n",
    "submissions/accepted/add.py": b"print(sum(map(int, input().split())))\n",
    "submissions/slow_accepted/add_slowly.py": b"import time\ntime.sleep(0.1)\nprint(sum(map(int, input().split())))\n",
    "submissions/wrong_answer/off.py": b"print(sum(map(int, input().split())) + 1)\n",
}

# The 2023-07 layout: statement/ in Markdown, one output_validator/ directory, type, names per language, credits,
# source as a mapping, limits.time_multipliers.
MODERN = {
    "problem.yaml": b"problem_format_version: 2023-07\ntype: interactive\nname:\n  en: Guess\n  nl: Raden\n"
    b"uuid: 0b6a3c0e-7f5c-4c1e-9a57-3a4b1b1f2d1e\ncredits:\n  authors: [Grace Hopper]\n  testers: Alan Turing\n"
    b"source:\n  name: BAPC 2026\n  url: https://example.com\nlimits:\n  time_limit: 2\n  time_multipliers:\n"
    b"    ac_to_time_limit: 3\n    time_limit_to_tle: 1.2\n",
    "statement/problem.en.md": b"Guess the number.\n",
    "statement/problem.nl.md": b"Raad het getal.\n",
    "output_validator/interactor.py": b"import sys\nprint('ok')\nsys.exit(42)\n",
    "output_validator/util.py": b"X = 1\n",
    "data/secret/1.in": b"37\n",
    "data/secret/1.ans": b"",
}


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


def test_a_legacy_package_with_a_latex_statement_and_a_validator_directory_loads_as_written(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, LEGACY)
    assert parsed.title == "Add Two"  # from \problemname
    assert parsed.config.format is not None
    assert parsed.config.format.version == "legacy"
    assert parsed.config.time_multiplier == 3
    assert parsed.config.time_safety_margin == 1.5
    assert parsed.memory_mb == 512
    assert not parsed.time_limit_given  # measured from the accepted references
    assert parsed.statement_path == "problem_statement/problem.en.md"  # English before Swedish
    assert "$a+b$" in parsed.statement_md
    assert "## Input" in parsed.statement_md
    assert "![](sum.png)" in parsed.statement_md  # the extension LaTeX leaves out is found
    assert "problem_statement/problem.en.tex" in parsed.extras  # the original is kept for export
    assert parsed.checker.kind == "icpc_validator"
    assert parsed.checker.language == "cpp17"
    assert parsed.checker.source == "validate.cpp"
    assert set(parsed.checker_files) == {"validate.cpp", "same.cpp", "answer.h"}
    folders = {r.folder: r for r in parsed.references}
    assert folders["slow_accepted"].expected == "AC"
    assert folders["wrong_answer"].accepts("WA")
    assert not folders["wrong_answer"].accepts("AC")


def test_a_2023_07_interactive_package_loads_as_written(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, MODERN)
    facts = parsed.config.format
    assert facts is not None
    assert facts.version == "2023-07"
    assert facts.types == ("pass-fail", "interactive")
    assert (facts.ac_to_time_limit, facts.time_limit_to_tle) == (3, 1.2)
    assert parsed.config.time_multiplier == 3
    assert parsed.config.time_safety_margin == 1.2
    assert facts.credits == {"authors": ("Grace Hopper",), "testers": ("Alan Turing",)}
    assert facts.source == "BAPC 2026"
    assert parsed.config.names == {"en": "Guess", "nl": "Raden"}
    assert parsed.title == "Guess"
    assert parsed.time_limit_ms == 2000
    assert parsed.config.validation == "custom interactive"
    assert parsed.checker.kind == "icpc_interactor"
    assert parsed.checker.source == "interactor.py"
    assert set(parsed.checker_files) == {"interactor.py", "util.py"}
    assert parsed.statement_path == "statement/problem.en.md"


def test_a_2023_07_package_with_output_validator_uses_it_without_a_validation_key(tmp_path: Path) -> None:
    files = dict(MODERN)
    files["problem.yaml"] = b"problem_format_version: 2023-07\nname: Add\n"
    files["data/secret/1.ans"] = b"38\n"
    parsed = _parse(tmp_path, files)
    assert parsed.config.validation == "custom"
    assert parsed.checker.kind == "icpc_validator"


@pytest.mark.parametrize(
    ("change", "path", "field", "words"),
    [
        ({"problem.yaml": b"problem_format_version: 2023-07\nname: x\ntype: multi-pass\n"}, "problem.yaml", "type",
         "multi-pass problems"),
        ({"problem.yaml": b"problem_format_version: 2023-07\nname: x\ntype: submit-answer\n"}, "problem.yaml",
         "type", "submit-answer problems"),
        ({"problem.yaml": b"problem_format_version: 2023-07\nname: x\ntype: pass-fail\nconstants: {n: 5}\n"},
         "problem.yaml", "constants", "constants"),
        ({"problem.yaml": b"problem_format_version: 2099-01\nname: x\n"}, "problem.yaml", "problem_format_version",
         "not a format version"),
        ({"problem.yaml": b"problem_format_version: 2023-07\nname: x\nvalidation: custom\n"}, "problem.yaml",
         "validation", "legacy key"),
        ({"problem.yaml": b"name: x\nlimits: {time_multipliers: {ac_to_time_limit: 2}}\n"}, "problem.yaml",
         "limits.time_multipliers", "2023-07 key"),
        ({"problem.yaml": b"name: x\nlimits: {tme_limit: 2}\n"}, "problem.yaml", "limits.tme_limit",
         "unknown limit"),
        ({"problem.yaml": b"name: x\nnmae: y\n"}, "problem.yaml", "nmae", "unknown key"),
        ({"include/python3/lib.py": b"X = 1\n"}, "include/", None, "include/"),
        ({"output_validators/add_check/build": b"#!/bin/sh\n"}, "output_validators/add_check/build", None,
         "build and run scripts"),
        ({"problem_statement/problem.en.tex": b"\\problemname{x}\n\\begin{itemize}\n\\item a\n"},
         "problem_statement/problem.en.tex", None, "an environment or brace is not closed"),
        ({"problem_statement/problem.en.tex": b"\\problemname{x}\nSee \\input{/etc/passwd}.\n"},
         "problem_statement/problem.en.tex", None, "includes another file"),
        ({"problem_statement/problem.en.tex": b"\\problemname{x}\nHello \\mystery{y}.\n"},
         "problem_statement/problem.en.tex", None, "\\mystery is a LaTeX command"),
        ({"problem_statement/sum.png": None}, "problem_statement/problem.en.tex", None, "not in problem_statement/"),
        ({"data/secret/testdata.yaml": b"on_reject: break\nfeedbak: full\n"}, "data/secret/testdata.yaml",
         "feedbak", "unknown key"),
    ],
)  # fmt: skip
def test_what_verdict_cannot_honour_is_refused_by_name(
    tmp_path: Path, change: dict[str, bytes | None], path: str, field: str | None, words: str
) -> None:
    files = dict(LEGACY)
    if "problem.yaml" in change and b"2023-07" in (change["problem.yaml"] or b""):
        files = {k.replace("output_validators/add_check/", "output_validator/"): v for k, v in files.items()}
    for name, data in change.items():
        if data is None:
            files.pop(name)
        else:
            files[name] = data
    errors = _errors(tmp_path, files)
    matching = [e for e in errors if e["path"] == path and e.get("field") == field and words in e["message"]]
    assert matching, errors


def test_latex_errors_name_the_line_and_column(tmp_path: Path) -> None:
    files = dict(LEGACY)
    files["problem_statement/problem.en.tex"] = b"\\problemname{x}\nHello \\mystery{y}.\n"
    (error,) = [e for e in _errors(tmp_path, files) if e["path"].endswith(".tex")]
    assert (error["line"], error["column"]) == (2, 7)


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        (b"name: a\n\tlimits: 1\n", 2, 1, "tab character"),
        (b"name: a\nname: b\n", 2, 1, "given twice (first on line 1)"),
        (b"name: 'abc\n", 1, 7, "quoted string is not closed"),
        (b"name: a: b\n", 1, 8, "put quotes around a value"),
        (b"keywords: [a, b\nname: x\n", 1, 11, "list in [ ] is not closed"),
        (b"a: &x 1\nb: *x\n", 1, 4, "anchors"),
        (b"name: x\n  limits: 2\n", 2, 9, None),
        (b"name: \xff\n", 1, None, "not UTF-8"),
        (b"- a\n- b\n", 1, 1, "must be a mapping"),
    ],
)
def test_yaml_mistakes_are_reported_with_line_column_and_words(
    text: bytes, line: int, column: int | None, words: str | None
) -> None:
    issues: list[PackageIssue] = []
    assert load_yaml(text, "problem.yaml", issues) is None
    (issue,) = issues
    assert issue["line"] == line
    assert issue.get("column") == column
    message = str(issue["message"])
    assert "expected <block end>" not in message
    assert "while scanning" not in message
    if words is not None:
        assert words in message
    assert issue.where().startswith(f"problem.yaml line {line}")


def test_the_package_error_names_the_place_in_its_message(tmp_path: Path) -> None:
    files = dict(LEGACY)
    files["problem.yaml"] = b"validation: custom\nlimits:\n  memory: 512\n memory: 3\n"
    with pytest.raises(PackageError) as caught:
        _parse(tmp_path, files)
    assert str(caught.value.detail).startswith("invalid problem package: problem.yaml line 4, column 2: ")


@pytest.mark.parametrize(
    ("slowest", "factor", "limit"),
    [(0, 5, 200), (30, 5, 200), (130, 2, 300), (401, 3, 1300), (50_000, 5, 60_000)],
)
def test_a_measured_time_limit_is_the_slowest_accepted_test_times_the_multiplier(
    slowest: int, factor: float, limit: int
) -> None:
    assert measured_limit_ms(slowest, factor) == limit
