"""Polygon packages (problem.xml) import as the ICPC package they describe, and export and re-import unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.domain.problems.errors import PackageError
from api.domain.problems.export import export_package
from api.domain.problems.testsets import build_testset
from judge_worker.contracts import pack_testset
from tests.packages import zip_bytes
from tests.unit.problems.test_export import _parse_archive, _source

PROBLEM_XML = b"""<?xml version="1.0" encoding="utf-8" standalone="no"?>
<problem revision="7" short-name="a-plus-b">
    <names><name language="russian" value="A+B (ru)"/><name language="english" value="A plus B"/></names>
    <judging cpu-name="Intel" cpu-speed="3600" input-file="" output-file="">
        <testset name="tests">
            <time-limit>2000</time-limit>
            <memory-limit>268435456</memory-limit>
            <test-count>3</test-count>
            <input-path-pattern>tests/%02d</input-path-pattern>
            <answer-path-pattern>tests/%02d.a</answer-path-pattern>
            <tests>
                <test method="manual" sample="true" group="0"/>
                <test method="generated" cmd="gen 1" group="1"/>
                <test method="generated" cmd="gen 2" group="2"/>
            </tests>
            <groups>
                <group name="0" points="0" points-policy="complete-group"/>
                <group name="1" points="40" points-policy="complete-group"/>
                <group name="2" points="60" points-policy="complete-group">
                    <dependencies><dependency group="1"/></dependencies>
                </group>
            </groups>
        </testset>
    </judging>
    <files><resources><file path="files/testlib.h" type="h.g++"/></resources></files>
    <assets>
        <checker name="std::lcmp.cpp" type="testlib"><source path="files/check.cpp" type="cpp.g++17"/></checker>
        <solutions>
            <solution tag="main"><source path="solutions/main.cpp" type="cpp.g++17"/></solution>
            <solution tag="wrong-answer"><source path="solutions/wa.py" type="python.3"/></solution>
        </solutions>
    </assets>
</problem>
"""
PACKAGE = {
    "a-plus-b-7$linux/problem.xml": PROBLEM_XML,
    "a-plus-b-7$linux/tests/01": b"1 2\n",
    "a-plus-b-7$linux/tests/01.a": b"3\n",
    "a-plus-b-7$linux/tests/02": b"5 5\n",
    "a-plus-b-7$linux/tests/02.a": b"10\n",
    "a-plus-b-7$linux/tests/03": b"7 1\n",
    "a-plus-b-7$linux/tests/03.a": b"8\n",
    "a-plus-b-7$linux/files/testlib.h": b"// testlib\n",
    "a-plus-b-7$linux/files/check.cpp": b'#include "testlib.h"\nint main(int c, char** v) { return c > 0; }\n',
    "a-plus-b-7$linux/solutions/main.cpp": b'#include <cstdio>\nint main(){long a,b;scanf("%ld%ld",&a,&b);}\n',
    "a-plus-b-7$linux/solutions/wa.py": b"print(0)\n",
    "a-plus-b-7$linux/statement-sections/english/legend.tex": b"Given $a$ and $b$, print {\\bf their sum}.\n",
    "a-plus-b-7$linux/statement-sections/english/input.tex": b"Two integers $1 \\le a, b \\le 10^9$.\n",
    "a-plus-b-7$linux/statement-sections/english/output.tex": b"One integer.\n",
}


def test_a_polygon_package_imports_with_groups_checker_solutions_and_statement(tmp_path: Path) -> None:
    parsed = _parse_archive(tmp_path, zip_bytes(PACKAGE))
    assert parsed.title == "A plus B"
    assert parsed.time_limit_ms == 2000
    assert parsed.memory_mb == 256
    assert parsed.checker.kind == "testlib"
    assert set(parsed.checker_files) == {"check.cpp", "testlib.h"}
    assert "## Input" in parsed.statement_md
    assert "**their sum**" in parsed.statement_md
    testset = build_testset(parsed)
    assert {g.name: (g.points, g.depends_on) for g in testset.groups} == {
        "secret/group1": (40, ()),
        "secret/group2": (60, ("secret/group1",)),
    }
    assert [(t.name, t.sample) for t in testset.tests] == [
        ("sample/001", True),
        ("secret/group1/002", False),
        ("secret/group2/003", False),
    ]
    assert {r.path: r.expected for r in parsed.references} == {
        "submissions/accepted/main.cpp": "AC",
        "submissions/wrong_answer/wa.py": "WA",
    }


def test_an_imported_polygon_package_exports_and_re_imports_to_the_same_test_set(tmp_path: Path) -> None:
    original = _parse_archive(tmp_path / "one", zip_bytes(PACKAGE))
    again = _parse_archive(tmp_path / "two", export_package(_source(original)))
    assert pack_testset(build_testset(again))[0] == pack_testset(build_testset(original))[0]
    assert again.title == original.title
    assert again.statement_md == original.statement_md


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"problem.xml": PROBLEM_XML.replace(b'input-file=""', b'input-file="in.txt"')}, "problem.xml",
         "file input/output"),
        ({"tests/03.a": None}, "tests/03.a", "download the full package"),
        ({"problem.xml": PROBLEM_XML.replace(b"</names>", b"")}, "problem.xml", "not well-formed XML"),
        ({"problem.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + PROBLEM_XML[38:]}, "problem.xml", "document type"),
        ({"problem.xml": PROBLEM_XML.replace(b'points="60" points-policy="complete-group"',
                                             b'points="60" points-policy="each-test"')}, "problem.xml",
         "points per test"),
    ],
)  # fmt: skip
def test_what_a_polygon_package_cannot_bring_is_refused_by_name(
    tmp_path: Path, change: dict[str, bytes | None], path: str, words: str
) -> None:
    files = dict(PACKAGE)
    for name, data in change.items():
        if data is None:
            files.pop(f"a-plus-b-7$linux/{name}")
        else:
            files[f"a-plus-b-7$linux/{name}"] = data
    with pytest.raises(PackageError) as caught:
        _parse_archive(tmp_path, zip_bytes(files))
    errors: list[dict[str, Any]] = caught.value.errors or []
    assert [e for e in errors if e["path"] == path and words in e["message"]], errors


def test_tests_with_points_and_no_groups_score_one_by_one_and_a_name_with_latex_specials_converts(
    tmp_path: Path,
) -> None:
    xml = PROBLEM_XML.replace(b'value="A plus B"', b'value="Tom &amp; Jerry 100%"')
    start, end = xml.index(b"<groups>"), xml.index(b"</groups>") + len(b"</groups>")
    xml = (xml[:start] + xml[end:]).replace(b'group="1"', b'points="25"').replace(b'group="2"', b'points="75"')
    parsed = _parse_archive(tmp_path, zip_bytes({**PACKAGE, "a-plus-b-7$linux/problem.xml": xml}))
    assert parsed.title == "Tom & Jerry 100%"
    assert {g.name: g.points for g in build_testset(parsed).groups} == {"secret/002": 25, "secret/003": 75}
