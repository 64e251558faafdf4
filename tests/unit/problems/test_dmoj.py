"""DMOJ problem folders (init.yml) import as the ICPC package they describe, and export and re-import unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.domain.problems.cli import PushError, pack_directory
from api.domain.problems.errors import PackageError
from api.domain.problems.export import export_package
from api.domain.problems.testsets import build_testset
from judge_worker.contracts import pack_testset
from tests.packages import zip_bytes
from tests.unit.problems.test_export import _parse_archive, _source

TESTS = zip_bytes({"a.1.in": b"1 2\n", "a.1.out": b"3\n", "b.1.in": b"5 5\n", "b.1.out": b"10\n",
                   "b.2.in": b"7 1\n", "b.2.out": b"8\n"})  # fmt: skip
INIT = b"""archive: tests.zip
test_cases:
- {in: a.1.in, out: a.1.out, points: 30}
- batched:
  - {in: b.1.in, out: b.1.out}
  - {in: b.2.in, out: b.2.out}
  points: 70
checker:
  name: floats
  args: {precision: 4}
pretests:
- {in: a.1.in, out: a.1.out, points: 30}
verdict:
  time_limit: 2
  memory: 128
"""
FOLDER = {
    "addition/init.yml": INIT,
    "addition/tests.zip": TESTS,
    "addition/description.md": b"# Addition\n\nPrint $a+b$.\n",
    "addition/submissions/accepted/add.py": b"print(sum(map(int, input().split())))\n",
}


def test_a_dmoj_folder_imports_with_its_batches_points_checker_and_limits(tmp_path: Path) -> None:
    parsed = _parse_archive(tmp_path, zip_bytes(FOLDER))
    assert parsed.title == "Addition"
    assert parsed.time_limit_ms == 2000
    assert parsed.memory_mb == 128
    assert parsed.checker.kind == "default"
    assert parsed.checker.float_tolerance == pytest.approx(1e-4)
    testset = build_testset(parsed)
    assert {g.name: g.points for g in testset.groups} == {"secret/01": 30, "secret/02": 70}
    assert [(t.name, t.input, t.expected) for t in testset.tests] == [
        ("secret/01/001", b"1 2\n", b"3\n"),
        ("secret/02/001", b"5 5\n", b"10\n"),
        ("secret/02/002", b"7 1\n", b"8\n"),
    ]
    assert [r.path for r in parsed.references] == ["submissions/accepted/add.py"]
    assert "dmoj/init.yml" in parsed.extras


def test_an_imported_dmoj_folder_exports_and_re_imports_to_the_same_test_set(tmp_path: Path) -> None:
    original = _parse_archive(tmp_path / "one", zip_bytes(FOLDER))
    again = _parse_archive(tmp_path / "two", export_package(_source(original)))
    assert pack_testset(build_testset(again))[0] == pack_testset(build_testset(original))[0]
    assert again.title == original.title
    assert again.time_limit_ms == original.time_limit_ms


def test_a_bridged_testlib_checker_comes_along(tmp_path: Path) -> None:
    files = dict(FOLDER)
    files["addition/init.yml"] = INIT.replace(
        b"checker:\n  name: floats\n  args: {precision: 4}\n",
        b"checker:\n  name: bridged\n  args: {files: check.cpp, type: testlib}\n",
    )
    files["addition/check.cpp"] = b'#include "testlib.h"\nint main(int c, char** v) { registerTestlibCmd(c, v); }\n'
    files["addition/testlib.h"] = b"// testlib\n"
    parsed = _parse_archive(tmp_path, zip_bytes(files))
    assert parsed.checker.kind == "testlib"
    assert parsed.checker.source == "check.cpp"


@pytest.mark.parametrize(
    ("init", "drop", "path", "field", "words"),
    [
        (INIT + b"generator: gen.py\n", None, "init.yml", "generator", "generators are not run"),
        (INIT + b"interactive: {files: i.py}\n", None, "init.yml", "interactive", "interactive graders"),
        (INIT + b"unbufered: true\n", None, "init.yml", "unbufered", "unknown key"),
        (INIT.replace(b"a.1.out", b"a.9.out", 1), None, "init.yml", "test_cases[1].out", "'a.9.out' is not in"),
        (INIT.replace(b"name: floats", b"name: linecount"), None, "init.yml", "checker", "not supported"),
        (INIT, "addition/description.md", "description.md", None, "holds no statement"),
        (INIT, "addition/tests.zip", "init.yml", "archive", "not in the folder"),
        (b"test_cases: [\n", None, "init.yml", None, "a [ or { is not closed"),
    ],
)
def test_what_a_dmoj_folder_cannot_bring_is_refused_by_name(
    tmp_path: Path, init: bytes, drop: str | None, path: str, field: str | None, words: str
) -> None:
    files = {**FOLDER, "addition/init.yml": init}
    if drop is not None:
        files.pop(drop)
    with pytest.raises(PackageError) as caught:
        _parse_archive(tmp_path, zip_bytes(files))
    errors: list[dict[str, Any]] = caught.value.errors or []
    assert [e for e in errors if e["path"] == path and e.get("field") == field and words in e["message"]], errors


def test_verdict_push_packs_a_dmoj_folder(tmp_path: Path) -> None:
    for name, data in FOLDER.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    packed = pack_directory(tmp_path / "addition")
    assert _parse_archive(tmp_path / "parsed", packed).title == "Addition"
    (tmp_path / "addition" / "init.yml").unlink()
    with pytest.raises(PushError, match=r"nor a DMOJ init\.yml"):
        pack_directory(tmp_path / "addition")
