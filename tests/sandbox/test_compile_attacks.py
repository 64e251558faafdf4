"""Attacks on the compiler: each ends as a failed (or limited) compilation, quickly, never hanging the host."""

from __future__ import annotations

import time

import pytest

from sandbox import LANGUAGES, MIB, Limits, RunStatus, Sandbox

pytestmark = pytest.mark.sandbox

COMPILE = Limits(
    cpu_time_ms=4000,
    wall_time_ms=6000,
    memory_bytes=256 * MIB,
    processes=16,
    output_bytes=64 * 1024,
    stderr_bytes=64 * 1024,
    file_size_bytes=16 * MIB,
)

ATTACKS = {
    "include-urandom": ("c", "#include </dev/urandom>\nint main(void) { return 0; }\n"),
    "include-zero": ("c", '#include "/dev/zero"\nint main(void) { return 0; }\n'),
    "include-self": ("c", "#include __FILE__\nint main(void) { return 0; }\n"),
    "include-host-secret": ("c", '#include "/etc/shadow"\nint main(void) { return 0; }\n'),
    "template-bomb": (
        "cpp17",
        "template <int N, int M> struct A { using T = typename A<N - 1, M>::T; enum { v = A<N - 1, M + 1>::v "
        "+ A<N - 1, M + 2>::v }; };\n"
        "template <int M> struct A<0, M> { using T = int; enum { v = 1 }; };\n"
        "int main() { return A<40, 0>::v; }\n",
    ),
    "diagnostics-flood": ("cpp17", "int main() {\n" + "  undefined_name_here + 1;\n" * 20000 + "}\n"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
async def test_compile_time_attacks_fail_fast(sandbox: Sandbox, attack: str) -> None:
    language, source = ATTACKS[attack]
    spec = LANGUAGES[language]
    started = time.monotonic()
    build = await sandbox.compile(spec, {spec.source: source.encode()}, COMPILE)
    elapsed = time.monotonic() - started
    assert build.result is not None
    assert not build.ok
    assert build.artifacts == {}
    assert build.result.status is not RunStatus.INTERNAL_ERROR, build.result
    assert build.result.status is not RunStatus.OK
    assert elapsed < COMPILE.wall_time_ms / 1000 + 3
    assert len(build.result.stderr) <= COMPILE.stderr_bytes
    assert b"root:" not in build.result.stderr  # /etc/shadow is not in the jail at all


async def test_compile_output_file_size_is_limited(sandbox: Sandbox) -> None:
    # an initialised 64 MiB array must be written into the executable, past the 16 MiB file size limit
    source = b"char big[64 << 20] = {1};\nint main(void) { return big[5]; }\n"
    spec = LANGUAGES["c"]
    build = await sandbox.compile(spec, {spec.source: source}, COMPILE)
    assert build.result is not None
    assert not build.ok
    assert build.result.status in (RunStatus.NONZERO_EXIT, RunStatus.SIGNALED, RunStatus.MEMORY_LIMIT)


async def test_huge_static_array_compiles_but_cannot_run(sandbox: Sandbox) -> None:
    spec = LANGUAGES["c"]
    source = b"char big[1L << 40];\nint main(void) { big[1L << 39] = 1; return big[7]; }\n"
    build = await sandbox.compile(spec, {spec.source: source}, COMPILE)
    assert build.ok  # a terabyte of .bss costs the compiler nothing (and the file is small)
    assert len(build.artifacts["main"]) < COMPILE.file_size_bytes
    result = await sandbox.execute(spec, build.artifacts, None, Limits(memory_bytes=64 * MIB))
    assert result.status in (RunStatus.SIGNALED, RunStatus.MEMORY_LIMIT), result


async def test_compiler_gets_no_stdin_and_no_environment(sandbox: Sandbox, canary_secret: str) -> None:
    spec = LANGUAGES["c"]
    source = b'#include <stdio.h>\nint main(void) { puts("x"); return 0; }\n'
    build = await sandbox.compile(spec, {spec.source: source})
    assert build.ok
    assert set(build.artifacts) == {"main"}
    assert build.result is not None
    assert canary_secret.encode() not in build.result.stderr
