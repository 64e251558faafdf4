"""Polygon packages (``problem.xml`` at the root) rewritten as an ICPC package.

Read from ``problem.xml``: the name (English first), the ``tests`` testset's time and memory limits, its tests
(``sample`` ones become ``data/sample``), groups with points (``complete-group``: all tests must pass), tests with
points when there are no groups, the testlib checker or interactor with its resources (``testlib.h``), and the
solutions by tag (``main``/``accepted`` -> ``accepted/``, ``wrong-answer`` -> ``wrong_answer/``...). The statement
is built from the LaTeX sections Polygon exports (``statement-sections/<language>/legend.tex``, ``input.tex``,
``output.tex``, ``notes.tex``) and converted like any LaTeX statement.

Refused by name: file input/output, a package without its answer files (Polygon's "standard" package holds only
generator scripts: download the full one), per-test points inside groups, and XML with a document type (no entity
tricks: Polygon never writes one).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from typing import Any, Final

import yaml

from api.domain.problems.errors import PackageIssue

__all__ = ["is_polygon", "polygon_to_icpc"]

_PATH: Final = "problem.xml"
_SECTIONS: Final = (("legend", None), ("input", "Input"), ("output", "Output"), ("interaction", "Interaction"),
                    ("notes", "Notes"))  # fmt: skip
_TAGS: Final = {
    "main": "accepted", "accepted": "accepted", "wrong-answer": "wrong_answer", "presentation-error": "wrong_answer",
    "time-limit-exceeded": "time_limit_exceeded", "memory-limit-exceeded": "memory_limit_exceeded",
    "time-limit-exceeded-or-accepted": "brute_force", "rejected": "rejected", "failed": "rejected",
    "time-limit-exceeded-or-memory-limit-exceeded": "rejected",
}  # fmt: skip
_PATTERN: Final = re.compile(r"%0?(\d*)d")


def is_polygon(files: dict[str, bytes]) -> bool:
    return "problem.yaml" not in files and _PATH in files


def _path(pattern: str, number: int) -> str:
    return _PATTERN.sub(lambda m: f"{number:0{m.group(1) or 1}d}", pattern, count=1)


def _name(root: ET.Element) -> str | None:
    names = {n.get("language"): n.get("value") for n in root.iterfind("names/name")}
    return names.get("english") or next(iter(names.values()), None)


def _escape(text: str) -> str:
    """A name as LaTeX text (``Tom & Jerry`` must not start a table column)."""
    return re.sub(r"([&%$#_{}])", r"\\\1", text).replace("~", r"\textasciitilde{}").replace("^", r"\^{}")


def _statement(files: dict[str, bytes], title: str | None) -> bytes | None:
    for language in ("english", *sorted({PurePosixPath(n).parts[1] for n in files
                                        if n.startswith("statement-sections/") and n.count("/") == 2})):  # fmt: skip
        parts = [f"\\problemname{{{_escape(title or '')}}}"]
        for section, heading in _SECTIONS:
            text = files.get(f"statement-sections/{language}/{section}.tex")
            if text is not None and text.strip():
                parts.append((f"\\section*{{{heading}}}\n" if heading else "") + text.decode("utf-8", "replace"))
        if len(parts) > 1:
            return "\n\n".join(parts).encode()
    return None


def _program(element: ET.Element | None, files: dict[str, bytes], resources: list[str], issues: list[PackageIssue],
             what: str) -> dict[str, bytes]:  # fmt: skip
    source = element.find("source") if element is not None else None
    path = source.get("path") if source is not None else None
    if path is None:
        return {}
    if path not in files:
        issues.append(PackageIssue(_PATH, f"the {what} source {path} is not in the package"))
        return {}
    program = {PurePosixPath(path).name: files[path]}
    program.update({PurePosixPath(r).name: files[r] for r in resources if r in files and r.endswith((".h", ".hpp"))})
    return program


def polygon_to_icpc(files: dict[str, bytes], issues: list[PackageIssue]) -> dict[str, bytes] | None:
    """The ICPC package a Polygon package describes; None, with issues, when it cannot be imported."""
    raw = files[_PATH]
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        issues.append(PackageIssue(_PATH, "XML with a document type or entities is not accepted"))
        return None
    try:
        root = ET.fromstring(raw)  # noqa: S314 - no DTD (checked above), so no entity expansion
    except ET.ParseError as exc:
        line, column = exc.position
        issues.append(PackageIssue(_PATH, "not well-formed XML (a tag is not closed?)", line=line, column=column + 1))
        return None
    title = _name(root)
    testset = root.find("judging/testset[@name='tests']")
    judging = root.find("judging")
    if testset is None or judging is None:
        issues.append(PackageIssue(_PATH, "has no testset named 'tests' under judging"))
        return None
    if judging.get("input-file") or judging.get("output-file"):
        issues.append(PackageIssue(_PATH, "file input/output is not supported: read stdin and write stdout"))
    out: dict[str, bytes] = {}
    problem: dict[str, Any] = {"name": title} if title else {}
    limits: dict[str, Any] = {}
    time_ms, memory = testset.findtext("time-limit"), testset.findtext("memory-limit")
    if time_ms and time_ms.strip().isdigit():
        limits["time_limit"] = int(time_ms) / 1000
    if memory and memory.strip().isdigit():
        limits["memory"] = max(16, int(memory) // (1024 * 1024))
    if limits:
        problem["limits"] = limits
    inputs = testset.findtext("input-path-pattern") or "tests/%02d"
    answers = testset.findtext("answer-path-pattern") or "tests/%02d.a"
    group_points = {g.get("name"): g for g in testset.iterfind("groups/group")}
    verdict_groups: dict[str, dict[str, Any]] = {}
    for name, group in group_points.items():
        if group.get("points-policy", "complete-group") != "complete-group":
            issues.append(PackageIssue(_PATH, f"group {name}: points per test inside a group are not supported"))
        deps = [f"secret/group{d.get('group')}" for d in group.iterfind("dependencies/dependency")]
        verdict_groups[f"secret/group{name}"] = {"points": float(group.get("points", "0")), "depends_on": deps}
    for number, test in enumerate(testset.iterfind("tests/test"), start=1):
        given_in, given_ans = _path(inputs, number), _path(answers, number)
        if given_in not in files or given_ans not in files:
            missing = given_in if given_in not in files else given_ans
            issues.append(PackageIssue(missing, "missing: download the full package (with tests) from Polygon"))
            continue
        if test.get("sample") == "true":
            base = f"data/sample/{number:03d}"
        elif group_points:
            base = f"data/secret/group{test.get('group', '0')}/{number:03d}"
        elif test.get("points") is not None:
            base = f"data/secret/{number:03d}/{number:03d}"
            verdict_groups[f"secret/{number:03d}"] = {"points": float(test.get("points", "0"))}
        else:
            base = f"data/secret/{number:03d}"
        out[f"{base}.in"], out[f"{base}.ans"] = files[given_in], files[given_ans]
    used = {str(PurePosixPath(n).parent)[len("data/") :] for n in out}
    verdict_groups = {name: g for name, g in verdict_groups.items() if name in used}  # e.g. a group of samples only
    for settings in verdict_groups.values():
        settings["depends_on"] = [d for d in settings.get("depends_on", []) if d in verdict_groups]
    resources = [f.get("path", "") for f in root.iterfind("files/resources/file")]
    assets = root.find("assets")
    interactor = _program(assets.find("interactor") if assets is not None else None, files, resources, issues,
                          "interactor")  # fmt: skip
    checker = _program(assets.find("checker") if assets is not None else None, files, resources, issues, "checker")
    if interactor:
        problem["validation"] = "custom interactive"
        out.update({f"output_validators/interactor/{n}": d for n, d in interactor.items()})
    elif checker:
        problem["validation"] = "custom"
        out.update({f"output_validators/checker/{n}": d for n, d in checker.items()})
    problem["verdict"] = {"checker": "testlib"} if (interactor or checker) else {}
    if verdict_groups:
        problem["verdict"]["groups"] = verdict_groups
    for solution in root.iterfind("assets/solutions/solution"):
        source = solution.find("source")
        path = source.get("path") if source is not None else None
        folder = _TAGS.get(solution.get("tag", ""))
        if path in files and folder is not None and path is not None:
            out[f"submissions/{folder}/{PurePosixPath(path).name}"] = files[path]
    statement = _statement(files, title)
    if statement is None:
        issues.append(PackageIssue("statement-sections/", "no statement: export the package with its statement"))
        return None
    out["problem_statement/problem.en.tex"] = statement
    out["polygon/problem.xml"] = raw
    out["problem.yaml"] = yaml.safe_dump(problem, sort_keys=False, allow_unicode=True).encode()
    return out
