"""Each language proves itself in the real sandbox (the same self-test the worker runs at start-up)."""

from __future__ import annotations

import pytest

from sandbox import LANGUAGES, Limits, RunStatus, Sandbox

pytestmark = pytest.mark.sandbox

# Every language of the table: `make dev` and `make test` install every toolchain (scripts/ensure-system.sh), so
# none is skipped, here or in CI.
REQUIRED = tuple(sorted(LANGUAGES))


@pytest.mark.parametrize("language", REQUIRED)
async def test_self_test(sandbox: Sandbox, language: str) -> None:
    status = await sandbox.self_test(LANGUAGES[language])
    assert status.available, status.reason


async def test_available_languages_reports_every_language(sandbox: Sandbox) -> None:
    statuses = await sandbox.available_languages()
    assert set(statuses) == set(LANGUAGES)
    for language in REQUIRED:
        assert statuses[language].available, statuses[language].reason
    for status in statuses.values():
        assert status.available or status.reason


HELLO = {
    "python3": b'print("hello")\n',
    "c": b'#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n',
    "cpp17": b'#include <iostream>\nint main() { std::cout << "hello" << std::endl; }\n',
    "cpp20": b'#include <iostream>\nint main() { std::cout << "hello" << std::endl; }\n',
    "java": b'public class Main { public static void main(String[] a) { System.out.println("hello"); } }\n',
    "javascript": b'console.log("hello");\n',
    "rust": b'fn main() { println!("hello"); }\n',
    "go": b'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n',
    "ruby": b'puts "hello"\n',
    "kotlin": b'fun main() { println("hello") }\n',
    "csharp": b'class Program { static void Main() { System.Console.WriteLine("hello"); } }\n',
}


def test_every_language_has_a_hello_world() -> None:
    assert set(HELLO) == set(LANGUAGES)


@pytest.mark.parametrize("language", REQUIRED)
async def test_hello_world(sandbox: Sandbox, language: str) -> None:
    spec = LANGUAGES[language]
    build = await sandbox.compile(spec, {spec.source: HELLO[language]})
    assert build.ok, build.result
    result = await sandbox.execute(spec, build.artifacts, None, Limits())
    assert result.status is RunStatus.OK, result
    assert result.stdout == b"hello\n"


async def test_uncaught_exception_aborts_with_sigabrt(sandbox: Sandbox) -> None:
    """The program is not its jail's PID 1, so abort() (here: an uncaught C++ exception) is SIGABRT, not SIGSEGV."""
    spec = LANGUAGES["cpp17"]
    build = await sandbox.compile(
        spec, {spec.source: b'#include <stdexcept>\nint main() { throw std::runtime_error("x"); }\n'}
    )
    assert build.ok
    result = await sandbox.execute(spec, build.artifacts, None, Limits())
    assert result.status is RunStatus.SIGNALED
    assert result.signal == 6
    assert b"runtime_error" in result.stderr


async def test_java_heap_is_bounded_by_the_memory_limit(sandbox: Sandbox) -> None:
    spec = LANGUAGES["java"]
    source = (
        b"import java.util.*;\npublic class Main { public static void main(String[] a) {\n"
        b"  List<long[]> k = new ArrayList<>(); while (true) k.add(new long[1 << 20]); } }\n"
    )
    build = await sandbox.compile(spec, {spec.source: source})
    assert build.ok
    result = await sandbox.execute(spec, build.artifacts, None, Limits(memory_bytes=64 * 1024 * 1024))
    # -Xmx follows the limit: the JVM reports OutOfMemoryError itself (or the cgroup stops it)
    assert result.status in (RunStatus.NONZERO_EXIT, RunStatus.MEMORY_LIMIT), result
    if result.status is RunStatus.NONZERO_EXIT:
        assert b"OutOfMemoryError" in result.stderr


async def test_pythons_check_step_reports_a_syntax_error_as_the_interpreter_does(sandbox: Sandbox) -> None:
    spec = LANGUAGES["python3"]
    bad = await sandbox.compile(spec, {"main.py": b"import helper\n", "helper.py": b"x = (1,\n"})
    assert not bad.ok
    assert bad.result is not None
    assert bad.result.status is RunStatus.NONZERO_EXIT
    caret = b"  File \"helper.py\", line 1\n    x = (1,\n        ^\nSyntaxError: '(' was never closed\n"
    assert bad.result.stderr == caret
    nul = await sandbox.compile(spec, {"main.py": b"print(1)\0\n"})
    assert nul.ok  # Debian's Python 3.11 runs a file up to a NUL byte: the check leaves that to the run
    good = await sandbox.compile(spec, {"main.py": b"# -*- coding: latin-1 -*-\nprint('\xe9')\n"})
    assert good.ok, good.result
    assert good.artifacts == {"main.py": b"# -*- coding: latin-1 -*-\nprint('\xe9')\n"}  # nothing compiled is kept


async def test_csharp_runs_its_garbage_collector_and_threads_in_the_jail(sandbox: Sandbox) -> None:
    spec = LANGUAGES["csharp"]
    source = b"""using System;
using System.Threading.Tasks;
public static class Program {
    public static void Main() {
        long total = 0;
        Parallel.For(0, 4, i => {
            for (int k = 0; k < 200; k++) {
                var junk = new byte[1 << 20];
                junk[k] = 1;
                System.Threading.Interlocked.Add(ref total, junk[k]);
            }
        });
        GC.Collect();
        Console.WriteLine(total);
    }
}
"""
    build = await sandbox.compile(spec, {spec.source: source})
    assert build.ok, build.result
    result = await sandbox.execute(spec, build.artifacts, None, Limits(memory_bytes=128 * 1024 * 1024))
    assert result.status is RunStatus.OK, result
    assert result.stdout == b"800\n"


async def test_kotlin_heap_is_bounded_by_the_memory_limit(sandbox: Sandbox) -> None:
    spec = LANGUAGES["kotlin"]
    source = b"fun main() {\n    val keep = ArrayList<LongArray>()\n    while (true) keep.add(LongArray(1 shl 20))\n}\n"
    build = await sandbox.compile(spec, {spec.source: source})
    assert build.ok, build.result
    result = await sandbox.execute(spec, build.artifacts, None, Limits(memory_bytes=64 * 1024 * 1024))
    assert result.status in (RunStatus.NONZERO_EXIT, RunStatus.MEMORY_LIMIT), result
    if result.status is RunStatus.NONZERO_EXIT:
        assert b"OutOfMemoryError" in result.stderr
