"""The Judge0 language table: Judge0 CE 1.13.1 ids for the languages Verdict's sandbox runs.

Ids are Judge0's, so clients that hard-code them (71 for Python 3, 54 for C++...) keep working. A Judge0 id maps to
one of Verdict's language ids; two Judge0 ids may share one (52 and 54 are both C++ here: the official Python SDK
resolves "C++" to 52, most clients use 54). Names follow Judge0's ``Language (Toolchain)`` form but describe what
Verdict runs, not Judge0's 2020 toolchains.

Which languages are *active* (``GET /languages``) is decided at request time: those in ``JUDGE0_LANGUAGES`` that
the live judge fleet offers (the union of the workers' heartbeats), or all of ``JUDGE0_LANGUAGES`` while no worker
is up, so submissions queue while the fleet restarts. The rest are listed by ``/languages/all`` as archived.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import msgspec

__all__ = [
    "LANGUAGES",
    "Judge0Language",
    "LanguageBrief",
    "LanguageDetail",
    "LanguageEntry",
    "active_ids",
    "default_verdict_languages",
]


class Judge0Language(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    verdict_language: str  # the sandbox's language id
    source_file: str
    compile_cmd: str | None
    run_cmd: str


class LanguageBrief(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /languages``."""

    id: int
    name: str


class LanguageEntry(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /languages/all``."""

    id: int
    name: str
    is_archived: bool


class LanguageDetail(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /languages/{id}``."""

    id: int
    name: str
    is_archived: bool
    source_file: str
    compile_cmd: str | None
    run_cmd: str


_GCC: Final = "-O2 -pipe -fdiagnostics-color=never"

_TABLE: Final = (
    Judge0Language(
        id=50,
        name="C (GCC, C17)",
        verdict_language="c",
        source_file="main.c",
        compile_cmd=f"/usr/bin/gcc -std=c17 {_GCC} -o main main.c -lm",
        run_cmd="./main",
    ),
    Judge0Language(
        id=51,
        name="C# (Mono 6.8)",
        verdict_language="csharp",
        source_file="main.cs",
        compile_cmd="/usr/bin/mono /usr/lib/mono/4.5/mcs.exe -optimize+ -out:main.exe main.cs",
        run_cmd="/usr/bin/mono main.exe",
    ),
    Judge0Language(
        id=52,
        name="C++ (GCC, C++17, as id 54)",
        verdict_language="cpp17",
        source_file="main.cpp",
        compile_cmd=f"/usr/bin/g++ -std=c++17 {_GCC} -o main main.cpp",
        run_cmd="./main",
    ),
    Judge0Language(
        id=54,
        name="C++ (GCC, C++17)",
        verdict_language="cpp17",
        source_file="main.cpp",
        compile_cmd=f"/usr/bin/g++ -std=c++17 {_GCC} -o main main.cpp",
        run_cmd="./main",
    ),
    Judge0Language(
        id=60,
        name="Go",
        verdict_language="go",
        source_file="main.go",
        compile_cmd="go build -o main main.go",
        run_cmd="./main",
    ),
    Judge0Language(
        id=62,
        name="Java (OpenJDK 17)",
        verdict_language="java",
        source_file="Main.java",
        compile_cmd="/usr/bin/javac -encoding UTF-8 Main.java",
        run_cmd="/usr/bin/java Main",
    ),
    Judge0Language(
        id=63,
        name="JavaScript (Node.js)",
        verdict_language="javascript",
        source_file="main.js",
        compile_cmd=None,
        run_cmd="/usr/bin/node main.js",
    ),
    Judge0Language(
        id=71,
        name="Python (3)",
        verdict_language="python3",
        source_file="main.py",
        compile_cmd=None,
        run_cmd="/usr/bin/python3 main.py",
    ),
    Judge0Language(
        id=72,
        name="Ruby (3.1)",
        verdict_language="ruby",
        source_file="main.rb",
        compile_cmd=None,
        run_cmd="/usr/bin/ruby --disable-gems main.rb",
    ),
    Judge0Language(
        id=73,
        name="Rust (rustc, edition 2021)",
        verdict_language="rust",
        source_file="main.rs",
        compile_cmd="rustc --edition=2021 -O -o main main.rs",
        run_cmd="./main",
    ),
    Judge0Language(
        id=78,
        name="Kotlin (kotlinc 1.3, JVM)",
        verdict_language="kotlin",
        source_file="Main.kt",
        compile_cmd="kotlinc -d . Main.kt",
        run_cmd="/usr/bin/java -cp .:/usr/share/kotlin/kotlinc/lib/kotlin-stdlib.jar MainKt",
    ),
)

LANGUAGES: Final[Mapping[int, Judge0Language]] = MappingProxyType({lang.id: lang for lang in _TABLE})


def default_verdict_languages() -> tuple[str, ...]:
    """Every Verdict language the table maps to, in table order (the default of ``JUDGE0_LANGUAGES``)."""
    return tuple(dict.fromkeys(lang.verdict_language for lang in _TABLE))


def active_ids(configured: Iterable[str], fleet: Iterable[str] | None) -> frozenset[int]:
    """Judge0 ids usable now: configured for the Judge0 API and offered by the fleet (``None``: no worker is up)."""
    allowed = set(configured)
    if fleet is not None:
        allowed &= set(fleet)
    return frozenset(lang.id for lang in _TABLE if lang.verdict_language in allowed)
