"""Languages as data: file names, compile and run command lines, limit adjustments, toolchains and a self-test.

Command lines are templates: ``{memory_mib}`` (the run's memory limit before the language's extra allowance) and
``{js_stack_kib}`` are filled in per run. Paths are paths *inside* the jail; a toolchain outside /usr is mounted
read-only at ``Toolchain.target`` from the first host candidate that has it (nothing else of the host is exposed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

import msgspec

from sandbox.limits import MIB, Limits
from sandbox.nsjail import Mount
from sandbox.workspace import is_world_traversable, stage_read_only

__all__ = ["LANGUAGES", "LanguageSpec", "SelfTest", "Toolchain", "host_glob", "render_command", "toolchain_mounts"]


class SelfTest(msgspec.Struct, frozen=True, kw_only=True):
    """A program that must compile, run and print ``expected`` for ``stdin`` before the language is offered."""

    source: bytes
    stdin: bytes
    expected: bytes


class Toolchain(msgspec.Struct, frozen=True, kw_only=True):
    """A toolchain directory bound read-only at ``target``: the first of ``candidates`` (globs) that has ``marker``."""

    target: str
    candidates: tuple[str, ...]
    marker: str

    def locate(self) -> Path | None:
        for pattern in self.candidates:
            for match in host_glob(pattern):
                if (match / self.marker).exists():
                    return match
        return None


class LanguageSpec(msgspec.Struct, frozen=True, kw_only=True):
    """How to compile and run one language in the sandbox."""

    id: str
    name: str
    source: str  # the file name the submission is stored as
    compile: tuple[str, ...] | None  # None: interpreted, the source is the artifact
    run: tuple[str, ...]
    # An interpreted language's check-only compile step (``compile`` None): run over the sources with
    # ``compile_limits``; a non-zero exit is a compilation error whose stderr is the message, and the sources stay
    # the artifacts. (Python: every .py file compiled, nothing written, a syntax error shown as the interpreter does.)
    check: tuple[str, ...] | None = None
    # Exit codes of ``run`` that a failing check would have caused (Python: 1). A one-file program whose first test
    # ended any other way parsed, and the judge skips its check (judge_worker.deferred_check).
    check_exit_codes: tuple[int, ...] = ()
    artifacts: tuple[str, ...] = ()  # globs collected from the compile box (empty for interpreted languages)
    time_multiplier: float = 1.0
    extra_memory_bytes: int = 0
    extra_processes: int = 0
    compile_limits: Limits = Limits(
        cpu_time_ms=15_000,
        wall_time_ms=30_000,
        memory_bytes=512 * MIB,
        processes=16,
        output_bytes=64 * 1024,
        stderr_bytes=64 * 1024,
        file_size_bytes=64 * MIB,
        box_bytes=128 * MIB,
        tmp_bytes=256 * MIB,
    )
    requires: tuple[str, ...] = ()  # host paths that must exist for the language to be offered
    etc: tuple[str, ...] = ()  # extra /etc pieces (globs) bound read-only at the same path
    toolchain: Toolchain | None = None
    env: tuple[tuple[str, str], ...] = ()
    self_test: SelfTest

    def run_limits(self, limits: Limits) -> Limits:
        return limits.scaled(
            time_multiplier=self.time_multiplier,
            extra_memory_bytes=self.extra_memory_bytes,
            extra_processes=self.extra_processes,
        )


def toolchain_mounts(spec: LanguageSpec, staging: Path) -> tuple[Mount, ...] | str:
    """The language's extra read-only mounts, or why it cannot be offered here.

    A toolchain in a directory the jail's user could not reach (``~root/.rustup/...``) is first bound read-only at
    ``staging`` on the host, so that only that directory, never its parents, is exposed.
    """
    missing = [p for p in spec.requires if not Path(p).exists()]
    if missing:
        return f"toolchain not installed: {', '.join(missing)} missing"
    if spec.toolchain is None:
        return ()
    found = spec.toolchain.locate()
    if found is None:
        return f"toolchain not installed: no {spec.toolchain.marker} in {spec.toolchain.candidates}"
    if not is_world_traversable(found):
        stage_read_only(found, staging)
        found = staging
    return (Mount(str(found), spec.toolchain.target),)


def render_command(template: tuple[str, ...], limits: Limits) -> tuple[str, ...]:
    """Fill a command template from the limits the caller asked for (before the language's allowances)."""
    values = {
        "memory_mib": str(limits.memory_mib),
        "js_stack_kib": str(max(1024, min(65_536, limits.memory_mib * 1024 // 2))),
    }
    return tuple(part.format_map(values) for part in template)


def host_glob(pattern: str) -> list[Path]:
    """Absolute-path glob on the host, sorted."""
    return sorted(Path("/").glob(pattern.lstrip("/")))


_AB_INPUT: Final = b"2 40\n"
_AB_OUTPUT: Final = b"42\n"

_C_TEST: Final = SelfTest(
    source=b"#include <stdio.h>\nint main(void) {\n  long long a, b;\n"
    b'  if (scanf("%lld %lld", &a, &b) != 2) return 1;\n  printf("%lld\\n", a + b);\n  return 0;\n}\n',
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_CPP17_TEST: Final = SelfTest(
    source=b"#include <iostream>\n#include <optional>\nint main() {\n  long long a, b;\n"
    b"  std::optional<long long> s;\n  if (std::cin >> a >> b) s = a + b;\n  std::cout << s.value() << '\\n';\n}\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_CPP20_TEST: Final = SelfTest(
    source=b"#include <iostream>\n#include <span>\n#include <concepts>\n"
    b"template <std::integral T> T sum(std::span<const T> xs) { T s{}; for (T x : xs) s += x; return s; }\n"
    b"int main() {\n  long long v[2];\n  std::cin >> v[0] >> v[1];\n"
    b"  std::cout << sum<long long>(v) << '\\n';\n}\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_JAVA_TEST: Final = SelfTest(
    source=b"import java.io.*;\nimport java.util.*;\npublic class Main {\n"
    b"  public static void main(String[] args) throws IOException {\n"
    b"    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n"
    b"    StringTokenizer t = new StringTokenizer(in.readLine());\n"
    b"    System.out.println(Long.parseLong(t.nextToken()) + Long.parseLong(t.nextToken()));\n  }\n}\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_JS_TEST: Final = SelfTest(
    source=b'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(BigInt);\n'
    b"console.log(String(a + b));\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_PY_TEST: Final = SelfTest(
    source=b"import sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_RUST_TEST: Final = SelfTest(
    source=b"use std::io::Read;\nfn main() {\n  let mut s = String::new();\n"
    b"  std::io::stdin().read_to_string(&mut s).unwrap();\n"
    b"  let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();\n"
    b'  println!("{}", v[0] + v[1]);\n}\n',
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_GO_TEST: Final = SelfTest(
    source=b'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar a, b int64\n\tfmt.Scan(&a, &b)\n'
    b"\tfmt.Println(a + b)\n}\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)

_RUBY_TEST: Final = SelfTest(
    source=b"a, b = $stdin.read.split.map(&:to_i)\nputs a + b\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)

# Every .py file of the box, the main one first, compiled as the interpreter would (its encoding declaration, its
# parser) without running or writing anything; each error printed as the interpreter prints it (file, line, caret).
# No braces: command lines are format templates.
_PY_CHECK: Final = (
    "import os, sys, traceback\n"
    "names = sorted(n for n in os.listdir('.') if n.endswith('.py'))\n"
    "names.sort(key=lambda n: n != 'main.py')\n"
    "failed = 0\n"
    "for name in names:\n"
    "    with open(name, 'rb') as source:\n"
    "        code = source.read()\n"
    "    try:\n"
    "        compile(code, name, 'exec', dont_inherit=True)\n"
    "    except SyntaxError as exc:\n"
    "        sys.stderr.write(''.join(traceback.format_exception_only(type(exc), exc)))\n"
    "        failed = 1\n"
    "    except ValueError:\n"  # a NUL byte: Python 3.11 runs the file up to it, so the run decides
    "        pass\n"
    "sys.exit(failed)\n"
)

_KOTLIN_TEST: Final = SelfTest(
    source=b'fun main() {\n    val (a, b) = readLine()!!.trim().split(Regex("\\\\s+")).map { it.toLong() }\n'
    b"    println(a + b)\n}\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)
_CSHARP_TEST: Final = SelfTest(
    source=b"using System;\nusing System.Linq;\npublic static class Program {\n    public static void Main() {\n"
    b"        var v = Console.In.ReadToEnd().Split((char[])null, StringSplitOptions.RemoveEmptyEntries)"
    b".Select(long.Parse).ToArray();\n"
    b"        Console.WriteLine(v[0] + v[1]);\n    }\n}\n",
    stdin=_AB_INPUT,
    expected=_AB_OUTPUT,
)

_GCC_FLAGS: Final = ("-O2", "-pipe", "-fdiagnostics-color=never")
_JVM_COMPILE_LIMITS: Final = Limits(
    cpu_time_ms=20_000,
    wall_time_ms=40_000,
    memory_bytes=1024 * MIB,
    processes=96,
    output_bytes=64 * 1024,
    stderr_bytes=64 * 1024,
    file_size_bytes=64 * MIB,
    box_bytes=128 * MIB,
    tmp_bytes=128 * MIB,
)
_KOTLIN_LIB: Final = "/usr/share/kotlin/kotlinc/lib"  # Debian's kotlin package (links into /usr/share/java)
_JVM_RUN: Final = ("-Xmx{memory_mib}m", "-Xss64m", "-XX:+UseSerialGC", "-XX:-UsePerfData")
_BIG_COMPILE_LIMITS: Final = Limits(
    cpu_time_ms=30_000,
    wall_time_ms=60_000,
    memory_bytes=1536 * MIB,
    processes=128,
    output_bytes=64 * 1024,
    stderr_bytes=64 * 1024,
    file_size_bytes=128 * MIB,
    box_bytes=256 * MIB,
    tmp_bytes=512 * MIB,
)

_SPECS: Final = (
    LanguageSpec(
        id="python3",
        name="Python 3",
        source="main.py",
        compile=None,
        run=("/usr/bin/python3", "-S", "main.py"),
        check=("/usr/bin/python3", "-S", "-c", _PY_CHECK),
        check_exit_codes=(1,),
        time_multiplier=3.0,
        extra_memory_bytes=16 * MIB,
        requires=("/usr/bin/python3",),
        env=(("PYTHONDONTWRITEBYTECODE", "1"), ("PYTHONIOENCODING", "utf-8")),
        self_test=_PY_TEST,
    ),
    LanguageSpec(
        id="c",
        name="C17 (gcc)",
        source="main.c",
        compile=("/usr/bin/gcc", "-std=c17", *_GCC_FLAGS, "-o", "main", "main.c", "-lm"),
        run=("./main",),
        artifacts=("main",),
        requires=("/usr/bin/gcc",),
        self_test=_C_TEST,
    ),
    LanguageSpec(
        id="cpp17",
        name="C++17 (g++)",
        source="main.cpp",
        compile=("/usr/bin/g++", "-std=c++17", *_GCC_FLAGS, "-o", "main", "main.cpp"),
        run=("./main",),
        artifacts=("main",),
        requires=("/usr/bin/g++",),
        self_test=_CPP17_TEST,
    ),
    LanguageSpec(
        id="cpp20",
        name="C++20 (g++)",
        source="main.cpp",
        compile=("/usr/bin/g++", "-std=c++20", *_GCC_FLAGS, "-o", "main", "main.cpp"),
        run=("./main",),
        artifacts=("main",),
        requires=("/usr/bin/g++",),
        self_test=_CPP20_TEST,
    ),
    LanguageSpec(
        id="java",
        name="Java 17",
        source="Main.java",
        compile=(
            "/usr/bin/javac",
            "-J-Xmx512m",
            "-J-XX:+UseSerialGC",
            "-J-XX:TieredStopAtLevel=1",
            "-J-XX:-UsePerfData",
            "-proc:none",
            "-encoding",
            "UTF-8",
            "-d",
            ".",
            "Main.java",
        ),
        run=("/usr/bin/java", *_JVM_RUN, "Main"),
        artifacts=("*.class",),
        time_multiplier=2.0,
        extra_memory_bytes=128 * MIB,
        extra_processes=48,
        compile_limits=_JVM_COMPILE_LIMITS,
        requires=("/usr/bin/javac", "/usr/bin/java"),
        etc=("/etc/java-*-openjdk",),
        self_test=_JAVA_TEST,
    ),
    LanguageSpec(
        id="javascript",
        name="JavaScript (Node.js)",
        source="main.js",
        compile=None,
        run=("/usr/bin/node", "--max-old-space-size={memory_mib}", "--stack-size={js_stack_kib}", "main.js"),
        time_multiplier=2.0,
        extra_memory_bytes=96 * MIB,
        extra_processes=16,
        requires=("/usr/bin/node",),
        self_test=_JS_TEST,
    ),
    LanguageSpec(
        id="rust",
        name="Rust (rustc)",
        source="main.rs",
        compile=("/opt/rust/bin/rustc", "--edition=2021", "-O", "-o", "main", "main.rs"),
        run=("./main",),
        artifacts=("main",),
        compile_limits=_BIG_COMPILE_LIMITS,
        toolchain=Toolchain(
            target="/opt/rust",
            candidates=("/root/.rustup/toolchains/stable-*", "/usr/local/rustup/toolchains/stable-*", "/usr"),
            marker="bin/rustc",
        ),
        self_test=_RUST_TEST,
    ),
    LanguageSpec(
        id="go",
        name="Go",
        source="main.go",
        compile=("/opt/go/bin/go", "build", "-o", "main", "main.go"),
        run=("./main",),
        artifacts=("main",),
        time_multiplier=1.5,
        extra_memory_bytes=32 * MIB,
        extra_processes=16,
        compile_limits=_BIG_COMPILE_LIMITS,
        toolchain=Toolchain(
            target="/opt/go", candidates=("/usr/lib/go", "/usr/lib/go-*", "/usr/local/go"), marker="bin/go"
        ),
        env=(
            ("GOCACHE", "/tmp/go-cache"),  # noqa: S108  (the jail's private tmpfs)
            ("GOPATH", "/tmp/go"),  # noqa: S108
            ("GO111MODULE", "off"),
            ("CGO_ENABLED", "0"),
            ("GOTOOLCHAIN", "local"),
        ),
        self_test=_GO_TEST,
    ),
    LanguageSpec(
        id="ruby",
        name="Ruby",
        source="main.rb",
        compile=None,
        # --disable-gems: no RubyGems start-up (about 40 ms) and no gem paths outside the jail's /usr.
        run=("/usr/bin/ruby", "--disable-gems", "main.rb"),
        time_multiplier=3.0,
        extra_memory_bytes=32 * MIB,
        extra_processes=8,  # the interpreter's timer thread
        requires=("/usr/bin/ruby",),
        env=(("LANG", "C.UTF-8"),),
        self_test=_RUBY_TEST,
    ),
    LanguageSpec(
        id="kotlin",
        name="Kotlin (kotlinc, JVM)",
        # The class to run is the submitted file's (``hello.kt`` runs as ``HelloKt``, ``@file:JvmName`` as given),
        # as Kattis does: judge_worker.programs fits both command lines to the file.
        source="Main.kt",
        compile=(
            "/usr/bin/java",
            "-Xmx768m",
            "-Xss16m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-cp",
            f"{_KOTLIN_LIB}/kotlin-preloader.jar",
            "org.jetbrains.kotlin.preloading.Preloader",
            "-cp",
            f"{_KOTLIN_LIB}/kotlin-compiler.jar",
            "org.jetbrains.kotlin.cli.jvm.K2JVMCompiler",
            "-nowarn",
            "-d",
            ".",
            "Main.kt",
        ),
        run=("/usr/bin/java", *_JVM_RUN, "-cp", f".:{_KOTLIN_LIB}/kotlin-stdlib.jar", "MainKt"),
        artifacts=("*.class",),
        time_multiplier=2.0,
        extra_memory_bytes=128 * MIB,
        extra_processes=48,
        compile_limits=_BIG_COMPILE_LIMITS,
        requires=("/usr/bin/java", f"{_KOTLIN_LIB}/kotlin-compiler.jar", f"{_KOTLIN_LIB}/kotlin-stdlib.jar"),
        etc=("/etc/java-*-openjdk",),
        self_test=_KOTLIN_TEST,
    ),
    LanguageSpec(
        id="csharp",
        name="C# (Mono)",
        source="main.cs",
        compile=(
            "/usr/bin/mono",
            "/usr/lib/mono/4.5/mcs.exe",
            "-optimize+",
            "-nologo",
            "-out:main.exe",
            "main.cs",
        ),
        run=("/usr/bin/mono", "main.exe"),
        artifacts=("main.exe",),
        time_multiplier=1.5,
        extra_memory_bytes=64 * MIB,
        extra_processes=32,  # the runtime's finalizer, GC and timer threads
        compile_limits=_JVM_COMPILE_LIMITS,
        requires=("/usr/bin/mono", "/usr/lib/mono/4.5/mcs.exe"),
        etc=("/etc/mono",),
        # No home directory in the jail: Mono would try to create ~/.mono and a shared-memory registry there.
        env=(("MONO_SHARED_DIR", "/tmp"), ("HOME", "/tmp"), ("MONO_ENV_OPTIONS", "")),  # noqa: S108
        self_test=_CSHARP_TEST,
    ),
)

LANGUAGES: Final[Mapping[str, LanguageSpec]] = MappingProxyType({spec.id: spec for spec in _SPECS})
