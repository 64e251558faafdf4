"""A program of one or several files, arranged the way its language's compiler and runner expect it.

- Java: the class to run is the submitted file's own (``Solution.java`` holding ``public class Solution``), as
  Kattis does, not a fixed ``Main``; every ``.java`` file is compiled together.
- Kotlin: likewise the class is the submitted file's facade class, as Kattis runs it (``hello.kt`` runs as
  ``HelloKt``; ``@file:JvmName("Name")`` as it says); every ``.kt`` file is compiled together.
- C and C++: the main file is stored under the language's source name (``main.cpp``) and every other source of the
  language is compiled with it, so a validator split over ``validate.cpp`` and ``io.cpp`` builds; headers are
  simply beside them.
- Others: the main file gets the language's source name; other files stay beside it (Python modules, Rust ``mod``
  files).

The language's command lines are changed only by replacing the source name (and, for Java, the class name) with
the program's own, so every limit, flag and toolchain mount of the language stays as the language table says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Final

import msgspec

from sandbox import LanguageSpec

__all__ = ["arrange_program", "java_main_class", "kotlin_main_class"]

_CLASS: Final = re.compile(rb"\bclass\s+([A-Za-z_$][A-Za-z0-9_$]*)")
_PUBLIC_CLASS: Final = re.compile(rb"\bpublic\s+(?:(?:final|abstract|sealed)\s+)*class\s+([A-Za-z_$][A-Za-z0-9_$]*)")
_MAIN_METHOD: Final = re.compile(rb"\bstatic\s+(?:public\s+|final\s+)*void\s+main\s*\(")
_PACKAGE: Final = re.compile(rb"^\s*package\s+[\w.]+\s*;", re.MULTILINE)
_COMMENTS: Final = re.compile(rb"//[^\n]*|/\*.*?\*/", re.DOTALL)
_KOTLIN_PACKAGE: Final = re.compile(rb"^\s*package\s+[\w.`]+", re.MULTILINE)
_KOTLIN_MAIN: Final = re.compile(rb"^fun\s+main\s*\(", re.MULTILINE)
_KOTLIN_JVM_NAME: Final = re.compile(rb'@file\s*:\s*JvmName\s*\(\s*"([A-Za-z_$][A-Za-z0-9_$]*)"\s*\)')
_C_SOURCES: Final = {"c": (".c",), "cpp": (".cpp", ".cc", ".cxx", ".c++")}


def java_main_class(name: str, source: bytes) -> str | None:
    """The class a Java file is run as: its file name's when the file declares that class, else its public class,
    else its only class."""
    code = _COMMENTS.sub(b" ", source)
    classes = [m.group(1).decode() for m in _CLASS.finditer(code)]
    stem = PurePosixPath(name).stem
    if stem in classes:
        return stem
    public = _PUBLIC_CLASS.search(code)
    if public is not None:
        return public.group(1).decode()
    return classes[0] if len(classes) == 1 else None


def kotlin_main_class(name: str, source: bytes) -> str:
    """The class a Kotlin file's top-level ``main`` is compiled into: ``@file:JvmName`` when given, else the file
    name's facade class as kotlinc names it (``hello.kt`` is ``HelloKt``, ``my-sol.kt`` is ``My_solKt``)."""
    named = _KOTLIN_JVM_NAME.search(_COMMENTS.sub(b" ", source))
    if named is not None:
        return named.group(1).decode()
    stem = re.sub(r"[^A-Za-z0-9_$]", "_", PurePosixPath(name).stem) or "_"
    if stem[0].isdigit():
        stem = f"_{stem}"
    return f"{stem[0].upper()}{stem[1:]}Kt"


def _replace(command: tuple[str, ...] | None, old: str, new: tuple[str, ...]) -> tuple[str, ...] | None:
    if command is None:
        return None
    out: list[str] = []
    for part in command:
        out.extend(new if part == old else (part,))
    return tuple(out)


def _main_name(spec: LanguageSpec, files: Mapping[str, bytes], main: str | None) -> str:
    if main is not None:
        return main
    if spec.source in files:
        return spec.source
    if len(files) == 1:
        return next(iter(files))
    if spec.id == "java":
        defining = [n for n, d in files.items() if n.endswith(".java") and _MAIN_METHOD.search(_COMMENTS.sub(b"", d))]
        if len(defining) == 1:
            return defining[0]
    if spec.id == "kotlin":
        defining = [n for n, d in files.items() if n.endswith(".kt") and _KOTLIN_MAIN.search(_COMMENTS.sub(b"", d))]
        if len(defining) == 1:
            return defining[0]
    raise _ArrangeError(f"one of the files must be named {spec.source}")


class _ArrangeError(Exception):
    pass


def _java(spec: LanguageSpec, files: dict[str, bytes], main: str) -> tuple[LanguageSpec, dict[str, bytes]] | str:
    source = files[main]
    if _PACKAGE.search(_COMMENTS.sub(b" ", source)):
        return f"{main}: remove the package declaration (the program runs from the default package)"
    name = java_main_class(main, source)
    if name is None:
        return f"{main}: no class to run (declare a public class with a main method)"
    arranged = {n: d for n, d in files.items() if n != main}
    target = f"{name}.java"
    if target in arranged:
        return f"two files would both be {target}"
    arranged[target] = source
    sources = (target, *sorted(n for n in arranged if n.endswith(".java") and n != target))
    if name == PurePosixPath(spec.source).stem and len(sources) == 1:
        return spec, arranged
    main_class = PurePosixPath(spec.source).stem
    arranged_spec = msgspec.structs.replace(
        spec,
        compile=_replace(spec.compile, spec.source, sources),
        run=_replace(spec.run, main_class, (name,)) or spec.run,
    )
    return arranged_spec, arranged


def _kotlin(spec: LanguageSpec, files: dict[str, bytes], main: str) -> tuple[LanguageSpec, dict[str, bytes]] | str:
    source = files[main]
    if _KOTLIN_PACKAGE.search(_COMMENTS.sub(b" ", source)):
        return f"{main}: remove the package declaration (the program runs from the default package)"
    if not main.endswith(".kt"):
        return f"{main}: a Kotlin source file's name ends in .kt"
    name = kotlin_main_class(main, source)
    sources = (main, *sorted(n for n in files if n.endswith(".kt") and n != main))
    default_class = kotlin_main_class(spec.source, b"")
    if sources == (spec.source,) and name == default_class:
        return spec, files
    arranged_spec = msgspec.structs.replace(
        spec,
        compile=_replace(spec.compile, spec.source, sources),
        run=_replace(spec.run, default_class, (name,)) or spec.run,
    )
    return arranged_spec, files


def arrange_program(
    spec: LanguageSpec, files: Mapping[str, bytes], main: str | None = None
) -> tuple[LanguageSpec, dict[str, bytes]] | str:
    """The language (commands adapted) and the files to compile for a program whose main file is ``main`` (or is
    found: the language's source name, the only file, the only Java class with ``main``). A string says why the
    program cannot be built, in words for the person who wrote it."""
    if not files:
        return "the program has no source file"
    bad = [name for name in files if not name or "/" in name or "\0" in name or name in (".", "..")]
    if bad:
        return f"file names must be plain names: {', '.join(repr(b) for b in bad[:5])}"
    try:
        main_name = _main_name(spec, files, main)
    except _ArrangeError as exc:
        return str(exc)
    if main_name not in files:
        return f"the main file {main_name} is missing"
    if spec.id == "java":
        return _java(spec, dict(files), main_name)
    if spec.id == "kotlin":
        return _kotlin(spec, dict(files), main_name)
    arranged = {n: d for n, d in files.items() if n != main_name}
    if spec.source in arranged:
        return f"{spec.source} is not the main file: rename it"
    arranged[spec.source] = files[main_name]
    family = "c" if spec.id == "c" else "cpp" if spec.id.startswith("cpp") else None
    if family is not None:
        extra = tuple(sorted(n for n in arranged if n != spec.source and n.lower().endswith(_C_SOURCES[family])))
        if extra:
            spec = msgspec.structs.replace(spec, compile=_replace(spec.compile, spec.source, (spec.source, *extra)))
    return spec, arranged
