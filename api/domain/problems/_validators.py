"""Output validators and interactors of a package, as one program of one or several files.

Where they are: ``output_validators/<name>/`` or files directly in ``output_validators/`` (legacy), or the
directory ``output_validator/`` (2023-07). All the files of the program go to the judge together (headers such as
``testlib.h`` beside the source, several ``.cpp`` files compiled into one program, several ``.py`` modules); the
main file is the only source, or the one named ``validate``/``checker``/``interactor``..., or the only one that
defines ``main``. Build and run scripts are refused by name: Verdict compiles the sources itself, in the sandbox.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Final

import msgspec

from api.domain.problems._config import ProblemConfig
from api.domain.problems.errors import PackageIssue
from api.domain.problems.languages import HEADER_EXTENSIONS, language_of
from judge_worker.contracts import CheckerSpec, InputValidator

__all__ = ["INPUT_VALIDATOR_DIRS", "VALIDATOR_DIRS", "read_checker", "read_input_validators", "validator_programs"]

VALIDATOR_DIRS: Final = ("output_validators", "output_validator")
# Input validators: ``input_format_validators/`` (legacy) and ``input_validators/`` (2023-07). Each directory in
# them is one program; each source file directly in them is one program too (headers there are shared).
INPUT_VALIDATOR_DIRS: Final = ("input_format_validators", "input_validators")
MAX_INPUT_VALIDATORS: Final = 8
MAX_VALIDATOR_FILES: Final = 32
_MAIN_NAMES: Final = ("validate", "validator", "checker", "check", "interactor", "interact", "main")
_SCRIPTS: Final = frozenset({"build", "run", "compile", "Makefile", "makefile", "CMakeLists.txt"})
_DEFINES_MAIN: Final = {
    "c": re.compile(rb"\bint\s+main\s*\("),
    "cpp17": re.compile(rb"\bint\s+main\s*\("),
    "java": re.compile(rb"\bstatic\s+(?:public\s+)?void\s+main\s*\("),
    "python3": re.compile(rb"^if\s+__name__\s*==\s*['\"]__main__['\"]", re.MULTILINE),
}


def validator_programs(files: dict[str, bytes], issues: list[PackageIssue]) -> dict[str, dict[str, bytes]]:
    """The validator programs of the package by their directory (``output_validators/check``), files by name."""
    programs: dict[str, dict[str, bytes]] = {}
    for name, data in files.items():
        parts = PurePosixPath(name).parts
        if parts[0] not in VALIDATOR_DIRS or len(parts) < 2:
            continue
        if parts[0] == "output_validator" or len(parts) == 2:  # the directory itself is the program
            key, rest = parts[0], parts[1:]
        else:
            key, rest = f"{parts[0]}/{parts[1]}", parts[2:]
        if len(rest) > 1:
            issues.append(PackageIssue(name, "validator files must be directly in the validator's directory"))
            continue
        programs.setdefault(key, {})[rest[0]] = data
    return programs


def _default_checker(flags: tuple[str, ...], issues: list[PackageIssue]) -> CheckerSpec:
    options: dict[str, object] = {}
    i = 0
    while i < len(flags):
        flag = flags[i]
        if flag in ("case_sensitive", "space_change_sensitive"):
            options[flag] = True
            i += 1
        elif flag in ("float_tolerance", "float_relative_tolerance", "float_absolute_tolerance"):
            try:
                options[flag] = float(flags[i + 1])
            except (IndexError, ValueError):
                issues.append(PackageIssue("problem.yaml", f"{flag} needs a number after it", field="validator_flags"))
            i += 2
        else:
            issues.append(
                PackageIssue("problem.yaml", f"unknown default validator flag {flag!r}", field="validator_flags")
            )
            i += 1
    return msgspec.convert({"kind": "default", **options}, CheckerSpec)


def _main_file(language: str, sources: list[str], program: dict[str, bytes]) -> str | None:
    if len(sources) == 1:
        return sources[0]
    named = [n for n in sources if PurePosixPath(n).stem.lower() in _MAIN_NAMES]
    if len(named) == 1:
        return named[0]
    pattern = _DEFINES_MAIN.get(language)
    if pattern is not None:
        defining = [n for n in sources if pattern.search(program[n])]
        if len(defining) == 1:
            return defining[0]
    return None


def _custom_checker(
    where: str, program: dict[str, bytes], config: ProblemConfig, flags: tuple[str, ...], issues: list[PackageIssue]
) -> tuple[CheckerSpec, dict[str, bytes]]:
    interactive = config.validation == "custom interactive"
    what = "interactor" if interactive else "output validator"
    scripts = sorted(n for n in program if n in _SCRIPTS)
    if scripts:
        issues.append(
            PackageIssue(
                f"{where}/{scripts[0]}",
                f"build and run scripts are not supported: Verdict compiles the {what}'s sources itself "
                "(remove the script; headers and several source files are fine)",
            )
        )
        return CheckerSpec(), {}
    if len(program) > MAX_VALIDATOR_FILES:
        issues.append(PackageIssue(f"{where}/", f"the {what} has more than {MAX_VALIDATOR_FILES} files"))
        return CheckerSpec(), {}
    language = language_of(tuple(program))
    if language is None:
        issues.append(
            PackageIssue(f"{where}/", f"cannot tell the {what}'s language from its file names (one language only)")
        )
        return CheckerSpec(), {}
    sources = sorted(n for n in program if language_of((n,)) == language)
    main = _main_file(language, sources, program)
    if main is None:
        issues.append(
            PackageIssue(
                f"{where}/",
                f"the {what} has several source files and Verdict cannot tell the main one: name it validate.* "
                "(or keep main() in one file only)",
            )
        )
        return CheckerSpec(), {}
    testlib = config.verdict.checker == "testlib"
    if interactive:
        kind = "testlib_interactor" if testlib else "icpc_interactor"
    else:
        kind = "testlib" if testlib else "icpc_validator"
    kept = {n: d for n, d in sorted(program.items()) if n in sources or PurePosixPath(n).suffix in HEADER_EXTENSIONS}
    return CheckerSpec(kind=kind, language=language, source=main, flags=flags), kept


def read_checker(
    files: dict[str, bytes], config: ProblemConfig, group_flags: set[tuple[str, ...]], issues: list[PackageIssue]
) -> tuple[ProblemConfig, CheckerSpec, dict[str, bytes]]:
    """The checker the package asks for, and its files for the test set. A 2023-07 package with
    ``output_validator/`` uses it (the format has no ``validation`` key)."""
    if len(group_flags) > 1:
        issues.append(
            PackageIssue(
                "data/", "output_validator_flags must be the same for every test (set it in data/testdata.yaml)"
            )
        )
    flags = config.validator_flags + (next(iter(group_flags)) if len(group_flags) == 1 else ())
    programs = validator_programs(files, issues)
    modern = config.format is not None and config.format.version == "2023-07"
    if modern and programs and config.validation == "default":
        config = msgspec.structs.replace(config, validation="custom")
    if config.validation == "default":
        if programs:
            issues.append(
                PackageIssue(
                    sorted(programs)[0] + "/",
                    "holds an output validator, but problem.yaml says validation: default: set validation: custom "
                    "to use it, or remove it",
                )
            )
        return config, _default_checker(flags, issues), {}
    what = "interactor" if config.validation == "custom interactive" else "output validator"
    if len(programs) != 1:
        found = "none" if not programs else ", ".join(sorted(programs))
        home = "output_validator/" if modern else "output_validators/"
        issues.append(PackageIssue(home, f"validation '{config.validation}' needs exactly one {what}; found {found}"))
        return config, CheckerSpec(), {}
    where, program = programs.popitem()
    checker, checker_files = _custom_checker(where, program, config, flags, issues)
    return config, checker, checker_files


def _input_programs(files: dict[str, bytes], issues: list[PackageIssue]) -> dict[str, dict[str, bytes]]:
    programs: dict[str, dict[str, bytes]] = {}
    loose: dict[str, dict[str, bytes]] = {}
    for name, data in files.items():
        parts = PurePosixPath(name).parts
        if parts[0] not in INPUT_VALIDATOR_DIRS or len(parts) < 2:
            continue
        if len(parts) == 2:
            loose.setdefault(parts[0], {})[parts[1]] = data
        elif len(parts) == 3:
            programs.setdefault(f"{parts[0]}/{parts[1]}", {})[parts[2]] = data
        else:
            issues.append(PackageIssue(name, "input validator files must be directly in the validator's directory"))
    for top, group in loose.items():
        headers = {n: d for n, d in group.items() if PurePosixPath(n).suffix.lower() in HEADER_EXTENSIONS}
        for name, data in group.items():
            if name in headers:
                continue
            if name in _SCRIPTS or language_of((name,)) is None:
                programs[f"{top}/{name}"] = {name: data}  # refused below, by name
            else:
                programs[f"{top}/{name}"] = {name: data, **headers}
    return programs


def read_input_validators(files: dict[str, bytes], issues: list[PackageIssue]) -> tuple[InputValidator, ...]:
    """The package's input validators as programs for the judge (run on every test input when it is pushed)."""
    found: list[InputValidator] = []
    programs = _input_programs(files, issues)
    if len(programs) > MAX_INPUT_VALIDATORS:
        issues.append(PackageIssue("input_validators/", f"more than {MAX_INPUT_VALIDATORS} input validators"))
        return ()
    for where, program in sorted(programs.items()):
        scripts = sorted(n for n in program if n in _SCRIPTS)
        if scripts:
            issues.append(
                PackageIssue(
                    where if where.endswith(f"/{scripts[0]}") else f"{where}/{scripts[0]}",
                    "build and run scripts are not supported: Verdict compiles the input validator's sources itself "
                    "(remove the script; headers and several source files are fine)",
                )
            )
            continue
        if len(program) > MAX_VALIDATOR_FILES:
            issues.append(PackageIssue(f"{where}/", f"the input validator has more than {MAX_VALIDATOR_FILES} files"))
            continue
        language = language_of(tuple(program))
        if language is None:
            issues.append(
                PackageIssue(where, "cannot tell the input validator's language from its file names (use one language)")
            )
            continue
        sources = sorted(n for n in program if language_of((n,)) == language)
        main = _main_file(language, sources, program)
        if main is None:
            issues.append(
                PackageIssue(
                    f"{where}/",
                    "the input validator has several source files and Verdict cannot tell the main one: name it "
                    "validate.* (or keep main() in one file only)",
                )
            )
            continue
        kept = {n: d for n, d in sorted(program.items()) if n in sources or _is_header(n)}
        found.append(InputValidator(path=where, language=language, main=main, files=kept))
    return tuple(found)


def _is_header(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in HEADER_EXTENSIONS
