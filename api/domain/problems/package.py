"""A problem package in the ICPC problem package format, read from an extracted directory.

What is read (everything else is kept verbatim, so an export gives it back):

- ``problem.yaml``: ``name``, ``author``, ``limits`` (``time_limit`` in seconds, ``memory`` and ``output`` in MiB,
  ``time_multiplier``, ``time_safety_margin``), ``validation`` (``default``, ``custom``, ``custom interactive``),
  ``validator_flags``, ``keywords``, and Verdict's own settings under ``verdict:``. A DOMjudge ``.timelimit`` file
  is honoured when ``limits.time_limit`` is absent.
- the statement, Markdown: ``statement/problem[.<lang>].md`` or ``problem_statement/problem[.<lang>].md``.
- ``data/sample/*.in|*.ans`` (shown with the statement), ``data/secret/**/*.in|*.ans`` with ``testdata.yaml`` in
  any directory; each subdirectory of ``data/secret`` holding tests is a test group named by its path
  (``secret/group1``). Tests and groups run in lexicographic order, samples first.
- ``output_validators/<name>/`` (or ``output_validator/``): the custom checker or, with ``custom interactive``,
  the interactor, as one program.
- ``submissions/{accepted,wrong_answer,time_limit_exceeded,run_time_error}/``: reference solutions, one file or
  one directory each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Final

import msgspec

from api.domain.problems._config import (
    ProblemConfig,
    TestdataSettings,
    load_yaml,
    parse_problem_yaml,
    parse_testdata_yaml,
)
from api.domain.problems._statements import read_statement
from api.domain.problems._validators import read_checker, read_input_validators
from api.domain.problems.errors import PackageError, PackageIssue
from api.domain.problems.importers.dmoj import dmoj_to_icpc, is_dmoj
from api.domain.problems.importers.polygon import is_polygon, polygon_to_icpc
from api.domain.problems.languages import language_of
from judge_worker.contracts import CheckerSpec, InputValidator

__all__ = [
    "REFERENCE_FOLDERS",
    "ParsedPackage",
    "ParsedTest",
    "ReferenceSolution",
    "package_digest",
    "parse_package",
]

# Folder -> the verdict it promises. ``slow_accepted`` must pass within the time limit times the safety margin
# (``time_limit_to_tle``), ``rejected`` may fail in any way, ``brute_force`` is correct but may be too slow.
REFERENCE_FOLDERS: Final = {
    "accepted": "AC",
    "slow_accepted": "AC",
    "wrong_answer": "WA",
    "time_limit_exceeded": "TLE",
    "run_time_error": "RTE",
    "memory_limit_exceeded": "MLE",
    "output_limit_exceeded": "OLE",
    "rejected": "REJECTED",
    "brute_force": "AC_OR_TLE",
}
MAX_REFERENCE_BYTES: Final = 256 * 1024
DEFAULT_TIME_LIMIT_MS: Final = 1000
DEFAULT_MEMORY_MB: Final = 256
# Directories the format defines that Verdict does not use when judging, refused by name when present.
_REFUSED_DIRS: Final = {
    "include": "include/ (files added to every submission) is not supported: put the code in the submissions",
    "answer_validators": "answer validators are not run by Verdict yet: remove answer_validators/",
}


class ParsedTest(msgspec.Struct, frozen=True, kw_only=True):
    __test__ = False
    name: str  # path under data/ without the extension: sample/1, secret/group1/03
    input: bytes
    answer: bytes
    sample: bool
    directory: str  # sample, secret, secret/group1
    settings: TestdataSettings


class ReferenceSolution(msgspec.Struct, frozen=True, kw_only=True):
    path: str  # submissions/accepted/sol.py (a file) or submissions/accepted/multi (a directory)
    expected: str  # AC | WA | TLE | RTE | MLE | OLE | REJECTED (any but AC) | AC_OR_TLE
    language: str | None
    files: dict[str, str]  # file name -> source text
    problem: str | None = None  # why it cannot be judged as is (not UTF-8, no known language...)
    folder: str = ""  # accepted, slow_accepted...

    def accepts(self, verdict: str | None) -> bool:
        """Whether ``verdict`` is what the reference's folder promises."""
        if self.expected == "REJECTED":
            return verdict not in (None, "AC", "IE", "CE")
        if self.expected == "AC_OR_TLE":
            return verdict in ("AC", "TLE")
        return verdict == self.expected


class ParsedPackage(msgspec.Struct, frozen=True, kw_only=True):
    config: ProblemConfig
    title: str
    statement_md: str
    statement_path: str
    time_limit_ms: int
    memory_mb: int
    time_limit_given: bool = True  # False: the default, to be measured from the accepted references
    tests: tuple[ParsedTest, ...]
    checker: CheckerSpec
    checker_files: dict[str, bytes]
    references: tuple[ReferenceSolution, ...]
    extras: dict[str, bytes]  # every file but the tests and the statement (problem.yaml included), for export
    input_validators: tuple[InputValidator, ...] = ()  # run on every test input when the package is pushed
    digest: str  # SHA-256 over the files' names and contents: the same package gives the same digest


def package_digest(files: dict[str, bytes]) -> str:
    """A digest of a package's content, independent of the archive format, member order and timestamps."""
    outer = hashlib.sha256()
    for name in sorted(files):
        outer.update(name.encode() + b"\x00" + hashlib.sha256(files[name]).digest())
    return outer.hexdigest()


def _strip_common_root(files: dict[str, bytes]) -> dict[str, bytes]:
    """``name/problem.yaml`` ... as exported by many tools: a single top directory holding problem.yaml (or a DMOJ
    folder's init.yml, a Polygon package's problem.xml)."""
    roots = ("problem.yaml", "init.yml", "problem.xml")
    if any(name in files for name in roots):
        return files
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1:
        top = tops.pop()
        if any(f"{top}/{name}" in files for name in roots):
            return {name[len(top) + 1 :]: data for name, data in files.items() if "/" in name}
    return files


def _read_tree(root: Path, names: Iterable[str]) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in names}


def _title_from_statement(statement: str) -> str | None:
    for line in statement.splitlines():
        if line.startswith("# "):
            return line[2:].strip() or None
        if line.strip():
            return None
    return None


def _sort_key(name: str) -> tuple[str, ...]:
    return tuple(PurePosixPath(name).parts)


def _tests(files: dict[str, bytes], interactive: bool, issues: list[PackageIssue]) -> tuple[list[ParsedTest], set[str]]:
    """Every test under data/sample and data/secret, in judging order; and the file names they consumed."""
    settings_by_dir: dict[str, TestdataSettings] = {}

    def settings_for(directory: str) -> TestdataSettings:
        if directory in settings_by_dir:
            return settings_by_dir[directory]
        parent = str(PurePosixPath(directory).parent)
        inherited = settings_for(parent) if directory not in ("data", ".") else TestdataSettings()
        own = files.get(f"{directory}/testdata.yaml")
        settings = inherited
        if own is not None:
            loaded = load_yaml(own, f"{directory}/testdata.yaml", issues)
            if loaded is not None:
                settings = parse_testdata_yaml(loaded, inherited, issues, f"{directory}/testdata.yaml")
        settings_by_dir[directory] = settings
        return settings

    consumed: set[str] = set()
    tests: list[ParsedTest] = []
    inputs = sorted((n for n in files if n.startswith("data/") and n.endswith(".in")), key=_sort_key)
    answers = {n for n in files if n.startswith("data/") and n.endswith(".ans")}
    for section in ("sample", "secret"):
        for name in inputs:
            if not name.startswith(f"data/{section}/"):
                continue
            base = name[: -len(".in")]
            answer_name = base + ".ans"
            if answer_name not in files and not interactive:
                issues.append(PackageIssue(name, "has no matching .ans file"))
                continue
            directory = str(PurePosixPath(name).parent)
            tests.append(
                ParsedTest(
                    name=base[len("data/") :],
                    input=files[name],
                    answer=files.get(answer_name, b""),
                    sample=section == "sample",
                    directory=directory[len("data/") :],
                    settings=settings_for(directory),
                )
            )
            consumed.add(name)
            if answer_name in files:
                consumed.add(answer_name)
    for name in sorted(answers - consumed):
        if name.startswith(("data/sample/", "data/secret/")):
            issues.append(PackageIssue(name, "has no matching .in file"))
    if not any(not t.sample for t in tests):
        issues.append(PackageIssue("data/secret/", "holds no tests (*.in with *.ans)"))
    return tests, consumed


def _references(files: dict[str, bytes]) -> list[ReferenceSolution]:
    grouped: dict[tuple[str, str], dict[str, bytes]] = {}
    for name, data in files.items():
        parts = PurePosixPath(name).parts
        if len(parts) < 3 or parts[0] != "submissions" or parts[1] not in REFERENCE_FOLDERS:
            continue
        path = "/".join(parts[:3])
        grouped.setdefault((parts[1], path), {})["/".join(parts[3:]) or parts[2]] = data
    references: list[ReferenceSolution] = []
    for (folder, path), program in sorted(grouped.items(), key=lambda item: item[0][1]):
        expected = REFERENCE_FOLDERS[folder]
        problem: str | None = None
        sources: dict[str, str] = {}
        if any("/" in n for n in program):
            problem = "nested directories are not supported"
        elif sum(len(d) for d in program.values()) > MAX_REFERENCE_BYTES:
            problem = f"over {MAX_REFERENCE_BYTES} bytes of source"
        else:
            try:
                sources = {n: d.decode("utf-8") for n, d in sorted(program.items())}
            except UnicodeDecodeError:
                problem = "source is not UTF-8 text"
        language = language_of(tuple(program))
        if language is None and problem is None:
            problem = "cannot tell the language from the file names"
        references.append(
            ReferenceSolution(
                path=path, expected=expected, language=language, files=sources, problem=problem, folder=folder
            )
        )
    return references


def _time_limit_ms(config: ProblemConfig, files: dict[str, bytes], issues: list[PackageIssue]) -> int:
    if config.time_limit_ms is not None:
        return config.time_limit_ms
    raw = files.get(".timelimit")
    if raw is not None:
        try:
            seconds = float(raw.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            issues.append(PackageIssue(".timelimit", "must hold a number of seconds"))
            return DEFAULT_TIME_LIMIT_MS
        if not 0.05 <= seconds <= 60:
            issues.append(PackageIssue(".timelimit", "must be between 0.05 and 60 seconds"))
            return DEFAULT_TIME_LIMIT_MS
        return round(seconds * 1000)
    return DEFAULT_TIME_LIMIT_MS


def _refused_parts(files: dict[str, bytes], issues: list[PackageIssue]) -> None:
    for top, message in _REFUSED_DIRS.items():
        if any(name.startswith(f"{top}/") for name in files):
            issues.append(PackageIssue(f"{top}/", message))
    has_tests = any(n.startswith("data/secret/") and n.endswith(".in") for n in files)
    if not has_tests and any(n.startswith("generators/") for n in files):
        issues.append(
            PackageIssue("generators/", "test generators are not run by Verdict: generate the tests into data/ first")
        )


def parse_package(root: Path, names: Iterable[str]) -> ParsedPackage:
    """Read an extracted package. Raises :class:`PackageError` listing every issue found."""
    files = _strip_common_root(_read_tree(root, names))
    issues: list[PackageIssue] = []
    if is_dmoj(files) or is_polygon(files):
        converted = dmoj_to_icpc(files, issues) if is_dmoj(files) else polygon_to_icpc(files, issues)
        if converted is None or issues:
            raise PackageError.of(issues)
        files = converted
    raw_yaml = files.get("problem.yaml")
    if raw_yaml is None:
        raise PackageError.of([PackageIssue("problem.yaml", "missing: a problem package has problem.yaml at its root")])
    loaded = load_yaml(raw_yaml, "problem.yaml", issues)
    if loaded is None:
        raise PackageError.of(issues)
    config = parse_problem_yaml(loaded, issues)
    _refused_parts(files, issues)
    statement = read_statement(files, issues)
    title = config.verdict.title or config.name or statement.title or _title_from_statement(statement.markdown)
    if not title and statement.path:
        issues.append(PackageIssue("problem.yaml", "missing: give the problem a name", field="name"))
    tests, consumed = _tests(files, config.validation == "custom interactive", issues)
    config, checker, checker_files = read_checker(
        files, config, {t.settings.output_validator_flags for t in tests}, issues
    )
    input_validators = read_input_validators(files, issues)
    references = _references(files)
    time_limit_ms = _time_limit_ms(config, files, issues)
    if issues:
        raise PackageError.of(issues)
    # The statement's Markdown is stored apart; a LaTeX original stays with the other files (and is exported).
    skip = consumed | ({statement.path} if not statement.converted_from_latex else set())
    return ParsedPackage(
        config=config,
        title=title or "",
        statement_md=statement.markdown,
        statement_path=statement.stored_path,
        time_limit_ms=time_limit_ms,
        time_limit_given=config.time_limit_ms is not None or ".timelimit" in files,
        memory_mb=config.memory_mb or DEFAULT_MEMORY_MB,
        tests=tuple(tests),
        checker=checker,
        checker_files=checker_files,
        references=tuple(references),
        input_validators=input_validators,
        extras={name: data for name, data in sorted(files.items()) if name not in skip},
        digest=package_digest(files),
    )
