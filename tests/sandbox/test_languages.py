"""The language table is data: every entry is complete and its command templates render."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from sandbox import LANGUAGES, MIB, Limits, Toolchain
from sandbox.languages import render_command, toolchain_mounts

REQUIRED = {"python3", "c", "cpp17", "cpp20", "java", "javascript"}


def test_required_languages_are_present() -> None:
    assert set(LANGUAGES) >= REQUIRED
    assert {"rust", "go"} <= set(LANGUAGES)  # offered only when their toolchains are present


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_is_complete(language: str) -> None:
    spec = LANGUAGES[language]
    assert spec.id == language
    assert spec.name
    assert "/" not in spec.source
    assert spec.run
    assert spec.self_test.source
    assert spec.self_test.expected
    if spec.compile is not None:
        assert spec.source in spec.compile
        assert spec.artifacts, "a compiled language must say what to keep from the compile box"
    else:
        assert spec.source in spec.run
    assert spec.time_multiplier >= 1.0
    assert spec.compile_limits.stderr_bytes <= 1 * MIB  # compiler diagnostics are capped
    assert all(not path.startswith("/root") for path in spec.requires)


def test_javac_never_runs_annotation_processors() -> None:
    compile_argv = LANGUAGES["java"].compile
    assert compile_argv is not None
    assert "-proc:none" in compile_argv


def test_templates_render_from_the_callers_limits() -> None:
    limits = Limits(memory_bytes=200 * MIB)
    java = render_command(LANGUAGES["java"].run, limits)
    assert "-Xmx200m" in java
    node = render_command(LANGUAGES["javascript"].run, limits)
    assert "--max-old-space-size=200" in node
    assert any(part.startswith("--stack-size=") for part in node)
    assert render_command(("./main", "{{literal}}"), limits) == ("./main", "{literal}")


def test_run_limits_add_the_language_allowances() -> None:
    java = LANGUAGES["java"]
    base = Limits(cpu_time_ms=1000, memory_bytes=64 * MIB)
    scaled = java.run_limits(base)
    assert scaled.cpu_time_ms == round(1000 * java.time_multiplier)
    assert scaled.memory_bytes == 64 * MIB + java.extra_memory_bytes
    assert LANGUAGES["c"].run_limits(base) == base


def test_toolchain_mounts_say_why_a_language_is_missing(tmp_path: Path) -> None:
    base = LANGUAGES["c"]
    missing = msgspec.structs.replace(base, requires=(str(tmp_path / "no-such-compiler"),))
    reason = toolchain_mounts(missing, tmp_path / "stage")
    assert isinstance(reason, str)
    assert reason.startswith("toolchain not installed")
    nowhere = msgspec.structs.replace(
        base, toolchain=Toolchain(target="/opt/x", candidates=(f"{tmp_path}/none-*",), marker="bin/x")
    )
    assert "no bin/x" in str(toolchain_mounts(nowhere, tmp_path / "stage"))
    assert toolchain_mounts(msgspec.structs.replace(base, requires=()), tmp_path / "stage") == ()
