"""Export gives back an ICPC package that uploads to the same test set, and exporting it again is byte-stable."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from api.domain.problems.archive import ArchiveLimits, extract_archive
from api.domain.problems.export import ExportSource, export_package
from api.domain.problems.package import ParsedPackage, parse_package
from api.domain.problems.testsets import build_testset
from judge_worker.contracts import pack_testset
from tests.packages import package_files, zip_bytes


def _parse_archive(tmp_path: Path, data: bytes) -> ParsedPackage:
    tmp_path.mkdir(parents=True, exist_ok=True)
    archive = tmp_path / "upload.zip"
    archive.write_bytes(data)
    extracted = extract_archive(archive, tmp_path / "tree", ArchiveLimits())
    return parse_package(extracted.root, extracted.files)


def _source(parsed: ParsedPackage, **changes: object) -> ExportSource:
    fields: dict[str, object] = {
        "title": parsed.title,
        "statement_md": parsed.statement_md,
        "time_limit_ms": parsed.time_limit_ms,
        "memory_limit_mb": parsed.memory_mb,
        "languages": parsed.config.verdict.languages,
        "language_multipliers": parsed.config.verdict.language_multipliers,
        "difficulty": parsed.config.verdict.difficulty or "easy",
        "tags": parsed.config.keywords + parsed.config.verdict.tags,
        "authors": parsed.config.authors,
        "testset": build_testset(parsed),
        "extras": parsed.extras,
        "statement_path": parsed.statement_path,
    }
    fields.update(changes)
    return ExportSource(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["addup", "twosum", "guess"])
def test_round_trip_keeps_the_test_set_and_the_settings(tmp_path: Path, name: str) -> None:
    original = _parse_archive(tmp_path / "one", zip_bytes(package_files(name)))
    exported = export_package(_source(original))
    again = _parse_archive(tmp_path / "two", exported)
    assert pack_testset(build_testset(again))[0] == pack_testset(build_testset(original))[0]
    assert again.title == original.title
    assert again.time_limit_ms == original.time_limit_ms
    assert again.memory_mb == original.memory_mb
    assert again.statement_md == original.statement_md
    assert again.config.verdict.language_multipliers == original.config.verdict.language_multipliers
    assert again.checker == original.checker
    assert {r.path for r in again.references} == {r.path for r in original.references}
    # Exporting the re-uploaded package gives exactly the same archive.
    assert export_package(_source(again)) == exported


def test_the_export_carries_the_problem_s_current_settings(tmp_path: Path) -> None:
    original = _parse_archive(tmp_path / "one", zip_bytes(package_files("twosum")))
    exported = export_package(_source(original, title="Renamed", time_limit_ms=2000, memory_limit_mb=512))
    with zipfile.ZipFile(io.BytesIO(exported)) as zf:
        problem = yaml.safe_load(zf.read("problem.yaml"))
        names = zf.namelist()
    assert problem["name"] == "Renamed"
    assert problem["limits"]["time_limit"] == 2.0
    assert problem["limits"]["memory"] == 512
    assert problem["validation"] == "custom"
    assert "output_validators/two_summands/validate.py" in names
    assert "data/secret/02.ans" in names
    assert names == sorted(names)
