"""DMOJ problem folders (``init.yml`` beside the test files) rewritten as an ICPC package.

Read from ``init.yml``: ``test_cases`` (single cases and ``batched`` ones, each with ``points``), ``archive`` (a zip
of the test files inside the folder), ``checker`` (``standard``, ``identical``, ``floats``/``floatsabs``/
``floatsrel`` with ``precision``, and ``bridged`` testlib or ICPC checkers with their source files) and
``pretests`` (a subset DMOJ runs first in pretested contests; Verdict judges every case). Every case becomes a group
``data/secret/NN`` with the case's points, every batch a group that scores only when all its cases pass, as DMOJ
scores them. Generators, interactive graders, custom graders and unknown keys are refused by name.

DMOJ keeps statements and limits in its database, not in the folder: the statement is ``description.md`` (or
``statement.md``) beside ``init.yml``, starting with ``# Title``; limits come from an optional ``verdict:`` key
(``time_limit`` in seconds, ``memory`` in MiB) or Verdict's defaults.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Any, Final

import yaml

from api.domain.problems._fields import Fields
from api.domain.problems._yaml import load_yaml
from api.domain.problems.errors import PackageIssue

__all__ = ["dmoj_to_icpc", "is_dmoj"]

MAX_ARCHIVE_MEMBERS: Final = 5000
MAX_ARCHIVE_BYTES: Final = 128 * 1024 * 1024
_PATH: Final = "init.yml"
_KEYS: Final = frozenset(
    {"archive", "test_cases", "checker", "pretests", "output_prefix_length", "output_limit_length", "unbuffered",
     "symlinks", "verdict"}
)  # fmt: skip
_REFUSED: Final = {
    "generator": "test generators are not run by Verdict: generate the tests and list them in test_cases",
    "interactive": "DMOJ interactive graders are not supported: use an ICPC package with an interactor",
    "custom_judge": "custom graders are not supported: use a checker (bridged testlib or ICPC)",
    "signature_grader": "signature graders are not supported",
    "file_io": "file input/output is not supported: the program must read stdin and write stdout",
    "hints": "hints are not supported",
}
_STATEMENTS: Final = ("description.md", "statement.md", "problem.md")
_FLOATS: Final = {"floats": "float_tolerance", "floatsabs": "float_absolute_tolerance",
                  "floatsrel": "float_relative_tolerance"}  # fmt: skip


def is_dmoj(files: dict[str, bytes]) -> bool:
    return "problem.yaml" not in files and _PATH in files


def _archive(name: str, files: dict[str, bytes], issues: list[PackageIssue]) -> dict[str, bytes]:
    data = files.get(name)
    if data is None:
        issues.append(PackageIssue(_PATH, f"names the archive {name!r}, which is not in the folder", field="archive"))
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > MAX_ARCHIVE_MEMBERS or sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
                issues.append(PackageIssue(name, f"over {MAX_ARCHIVE_MEMBERS} files or {MAX_ARCHIVE_BYTES} bytes"))
                return {}
            out: dict[str, bytes] = {}
            for info in infos:
                member = info.filename.rsplit("/", 1)[-1]  # DMOJ names tests by their base name
                out[member] = zf.read(info)[: MAX_ARCHIVE_BYTES + 1]
            return out
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        issues.append(PackageIssue(name, "is not a readable zip archive: create it again with zip"))
        return {}


def _checker(raw: Any, files: dict[str, bytes], out: dict[str, bytes], issues: list[PackageIssue]) -> dict[str, Any]:
    """problem.yaml keys for the checker; its source files are copied to ``out``."""
    name, args = (raw, {}) if isinstance(raw, str) else (raw.get("name"), raw.get("args") or {})
    if raw is None or name == "standard":
        return {}
    if name == "identical":
        return {"validator_flags": "case_sensitive space_change_sensitive"}
    if name in _FLOATS:
        precision = args.get("precision", 6)
        if not isinstance(precision, int) or not 0 <= precision <= 15:
            issues.append(PackageIssue(_PATH, "precision must be a whole number from 0 to 15", field="checker"))
            return {}
        return {"validator_flags": f"{_FLOATS[name]} 1e-{precision}"}
    if name == "bridged":
        sources = args.get("files")
        sources = [sources] if isinstance(sources, str) else sources
        kind = args.get("type", "default")
        if not isinstance(sources, list) or not sources or kind not in ("testlib", "default", "coci"):
            issues.append(PackageIssue(_PATH, "a bridged checker needs files and type testlib", field="checker"))
            return {}
        for source in sources:
            if source not in files:
                issues.append(PackageIssue(_PATH, f"the checker file {source!r} is not in the folder", field="checker"))
            else:
                out[f"output_validators/checker/{PurePosixPath(source).name}"] = files[source]
        if kind != "testlib":
            issues.append(PackageIssue(_PATH, f"bridged checkers of type {kind!r} are not supported", field="checker"))
        return {"validation": "custom", "verdict": {"checker": "testlib"}}
    issues.append(PackageIssue(_PATH, f"the checker {name!r} is not supported by Verdict", field="checker"))
    return {}


def dmoj_to_icpc(files: dict[str, bytes], issues: list[PackageIssue]) -> dict[str, bytes] | None:
    """The ICPC package a DMOJ folder describes; None, with issues, when it cannot be imported."""
    config = load_yaml(files[_PATH], _PATH, issues)
    if config is None:
        return None
    fields = Fields(_PATH, issues)
    for key in config:
        if key in _REFUSED:
            fields.bad(str(key), _REFUSED[key])
        elif key not in _KEYS:
            fields.bad(str(key), f"unknown key; known keys: {', '.join(sorted(_KEYS))}")
    pool = dict(files)
    if config.get("archive") is not None:
        pool.update(_archive(str(config["archive"]), files, issues))
    cases = config.get("test_cases")
    if not isinstance(cases, list) or not cases:
        fields.bad("test_cases", "must be a list of cases ({in: 1.in, out: 1.out, points: 10}) or batches")
        return None
    out: dict[str, bytes] = {}
    groups: dict[str, dict[str, Any]] = {}
    for number, case in enumerate(cases, start=1):
        where = Fields(_PATH, issues, prefix=f"test_cases[{number}].")
        if not isinstance(case, dict):
            where.bad("", "must be a mapping")
            continue
        group = f"secret/{number:02d}"
        members = case.get("batched") if "batched" in case else [case]
        if not isinstance(members, list) or not members:
            where.bad("batched", "must be a list of cases")
            continue
        points = where.number(case, "points", minimum=0, maximum=1e6)
        groups[group] = {"points": points if points is not None else 0}
        for index, member in enumerate(members, start=1):
            if not isinstance(member, dict) or not isinstance(member.get("in"), str):
                where.bad(f"batched[{index}]" if "batched" in case else "in", "needs in: (and out:) file names")
                continue
            answer = member.get("out")
            for name in (member["in"], answer):
                if isinstance(name, str) and name not in pool:
                    where.bad("in" if name == member["in"] else "out", f"the file {name!r} is not in the folder")
            base = f"data/{group}/{index:03d}"
            out[f"{base}.in"] = pool.get(member["in"], b"")
            out[f"{base}.ans"] = pool.get(answer, b"") if isinstance(answer, str) else b""
    verdict = fields.mapping(config, "verdict")
    problem: dict[str, Any] = {"type": "scoring", **_checker(config.get("checker"), pool, out, issues)}
    limits = {k: verdict[k] for k in ("time_limit", "memory") if k in verdict}
    if limits:
        problem["limits"] = limits
    problem["verdict"] = {**problem.get("verdict", {}), "groups": groups}
    for extra in set(verdict) - {"time_limit", "memory"}:
        problem["verdict"][extra] = verdict[extra]
    statement = next((name for name in _STATEMENTS if name in files), None)
    if statement is None:
        issues.append(
            PackageIssue(
                "description.md",
                "a DMOJ folder holds no statement: add description.md (the problem's text, starting with '# Title')",
            )
        )
        return None
    out["problem_statement/problem.en.md"] = files[statement]
    out["problem.yaml"] = yaml.safe_dump(problem, sort_keys=False).encode()
    out["dmoj/init.yml"] = files[_PATH]  # the original, kept for export
    out.update({name: data for name, data in files.items() if name.startswith("submissions/")})
    return out
