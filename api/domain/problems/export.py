"""A problem back to an ICPC problem package (zip): what was uploaded, with the problem's current settings.

``problem.yaml`` is the uploaded one with ``name``, ``author``, ``limits``, ``validation``, ``validator_flags``,
``keywords`` and the ``verdict:`` key rewritten from the problem; the statement is the problem's Markdown; ``data/``
is the current test set; every other uploaded file (validators, reference solutions, attachments) comes back
verbatim. Uploading the export gives the same test set digest, and exporting that again gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any, Final

import msgspec
import yaml

from api.domain.problems.testsets import resolve_visibility
from judge_worker.contracts import CheckerSpec, TestSetData

__all__ = ["ExportSource", "build_problem_yaml", "export_package"]

DEFAULT_STATEMENT_PATH: Final = "problem_statement/problem.en.md"
_EPOCH: Final = (1980, 1, 1, 0, 0, 0)


class ExportSource(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    statement_md: str
    time_limit_ms: int
    memory_limit_mb: int
    languages: tuple[str, ...]
    language_multipliers: dict[str, float]
    difficulty: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    testset: TestSetData | None
    extras: dict[str, bytes]  # the uploaded package's other files, problem.yaml included
    statement_path: str = DEFAULT_STATEMENT_PATH


def _validation(checker: CheckerSpec) -> tuple[str, list[str]]:
    flags: list[str] = []
    if checker.kind in ("default", "exact", "lines"):
        if checker.case_sensitive:
            flags.append("case_sensitive")
        if checker.space_change_sensitive:
            flags.append("space_change_sensitive")
        for name in ("float_tolerance", "float_relative_tolerance", "float_absolute_tolerance"):
            value = getattr(checker, name)
            if value is not None:
                flags += [name, repr(value)]
        return "default", flags
    mode = "custom interactive" if "interactor" in checker.kind else "custom"
    return mode, list(checker.flags)


def _visibility_overrides(testset: TestSetData) -> dict[str, str]:
    """The shortest ``verdict.visibility`` map that gives every test its visibility back."""
    by_directory: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for test in testset.tests:
        by_directory[str(PurePosixPath(test.name).parent)].append((test.name, test.visibility, test.sample))
    overrides: dict[str, str] = {}
    for directory, tests in sorted(by_directory.items()):
        values = {visibility for _name, visibility, _sample in tests}
        sample = tests[0][2]
        if len(values) == 1:
            value = values.pop()
            if value != resolve_visibility(tests[0][0], sample=sample, overrides={}):
                overrides[directory] = value
            continue
        for name, visibility, is_sample in tests:
            if visibility != resolve_visibility(name, sample=is_sample, overrides={}):
                overrides[name] = visibility
    return overrides


def build_problem_yaml(source: ExportSource) -> dict[str, Any]:
    raw_bytes = source.extras.get("problem.yaml", b"")
    try:
        loaded = yaml.safe_load(raw_bytes.decode("utf-8")) if raw_bytes else {}
    except (yaml.YAMLError, UnicodeDecodeError):
        loaded = {}
    data: dict[str, Any] = dict(loaded) if isinstance(loaded, dict) else {}
    data.pop("credits", None)
    data["name"] = source.title
    if source.authors:
        data["author"] = ", ".join(source.authors)
    else:
        data.pop("author", None)
    limits = dict(data.get("limits") or {}) if isinstance(data.get("limits"), dict) else {}
    limits["time_limit"] = source.time_limit_ms / 1000
    limits["memory"] = source.memory_limit_mb
    data["limits"] = limits
    checker = source.testset.checker if source.testset is not None else CheckerSpec()
    mode, flags = _validation(checker)
    data["validation"] = mode
    data.pop("type", None)
    if flags:
        data["validator_flags"] = " ".join(flags)
    else:
        data.pop("validator_flags", None)
    if source.tags:
        data["keywords"] = list(source.tags)
    else:
        data.pop("keywords", None)
    verdict: dict[str, Any] = {"difficulty": source.difficulty}
    if source.languages:
        verdict["languages"] = list(source.languages)
    if source.language_multipliers:
        verdict["language_multipliers"] = dict(sorted(source.language_multipliers.items()))
    if checker.kind.startswith("testlib"):
        verdict["checker"] = "testlib"
    if source.testset is not None:
        overrides = _visibility_overrides(source.testset)
        if overrides:
            verdict["visibility"] = overrides
        if source.testset.groups:
            verdict["groups"] = {
                g.name: {"points": g.points, "depends_on": list(g.depends_on), "short_circuit": g.short_circuit}
                for g in source.testset.groups
            }
    data["verdict"] = verdict
    return data


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def export_package(source: ExportSource) -> bytes:
    files: dict[str, bytes] = {}
    for name, data in source.extras.items():
        files[name] = data
    files["problem.yaml"] = yaml.safe_dump(build_problem_yaml(source), sort_keys=False, allow_unicode=True).encode()
    files[source.statement_path or DEFAULT_STATEMENT_PATH] = source.statement_md.encode()
    if source.testset is not None:
        for test in source.testset.tests:
            files[f"data/{test.name}.in"] = test.input
            files[f"data/{test.name}.ans"] = test.expected
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(files):
            _add(zf, name, files[name])
    return buffer.getvalue()
