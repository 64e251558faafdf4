"""SandboxConfig and Limits: defaults, SANDBOX_* parsing, and refusal of bad values with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import MIB, Limits, SandboxConfig, SandboxConfigError


def test_defaults_are_safe() -> None:
    config = SandboxConfig()
    assert config.uid >= 1000
    assert config.gid >= 1000
    assert config.slots >= 1
    assert config.cgroup_version == "auto"
    assert config.run_dir.is_absolute()
    assert config.nsjail.endswith("nsjail")


def test_from_env_reads_every_variable() -> None:
    config = SandboxConfig.from_env(
        {
            "SANDBOX_NSJAIL": "/opt/nsjail/bin/nsjail",
            "SANDBOX_SLOTS": "3",
            "SANDBOX_UID": "70000",
            "SANDBOX_GID": "71000",
            "SANDBOX_CGROUP_VERSION": "v2",
            "SANDBOX_CGROUP_ROOT": "judge/a",
            "SANDBOX_RUN_DIR": "/var/run/judge",
            "SANDBOX_BOX_MB": "32",
            "SANDBOX_PIN_CPUS": "yes",
            "SANDBOX_NICE": "5",
            "SANDBOX_LANGUAGES": " c, python3 ,,cpp17",
            "SANDBOX_WARM": "off",
            "SANDBOX_WARM_SCOPE": "slot",
            "UNRELATED": "ignored",
        }
    )
    assert config.nsjail == "/opt/nsjail/bin/nsjail"
    assert config.slots == 3
    assert (config.uid, config.gid) == (70000, 71000)
    assert config.uids == range(70000, 70003)
    assert config.cgroup_version == "v2"
    assert config.cgroup_root == "judge/a"
    assert config.run_dir == Path("/var/run/judge")
    assert config.box_bytes == 32 * MIB
    assert config.pin_cpus is True
    assert config.nice == 5
    assert config.languages == ("c", "python3", "cpp17")
    assert config.warm is False
    assert config.warm_scope == "slot"


def test_empty_variables_mean_defaults() -> None:
    assert SandboxConfig.from_env({"SANDBOX_SLOTS": "", "SANDBOX_UID": "  "}) == SandboxConfig()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SANDBOX_SLOTS": "many"}, "SANDBOX_SLOTS must be a whole number"),
        ({"SANDBOX_WARM_SCOPE": "forever"}, "SANDBOX_WARM_SCOPE must be submission or slot"),
        ({"SANDBOX_WARM": "maybe"}, "SANDBOX_WARM must be true or false"),
        ({"SANDBOX_SLOTS": "0"}, "slots must be between 1 and 256"),
        ({"SANDBOX_SLOTS": "1000"}, "slots must be between 1 and 256"),
        ({"SANDBOX_UID": "0"}, "uid must be an unprivileged id"),
        ({"SANDBOX_GID": "-5"}, "gid must be an unprivileged id"),
        ({"SANDBOX_UID": "1.5"}, "SANDBOX_UID must be a whole number"),
        ({"SANDBOX_CGROUP_VERSION": "v3"}, "SANDBOX_CGROUP_VERSION must be auto, v1 or v2"),
        ({"SANDBOX_CGROUP_ROOT": "/sys/fs/cgroup"}, "cgroup_root must be a relative name"),
        ({"SANDBOX_CGROUP_ROOT": "a/../.."}, "cgroup_root must be a relative name"),
        ({"SANDBOX_RUN_DIR": "relative/dir"}, "run_dir must be an absolute directory"),
        ({"SANDBOX_RUN_DIR": "/"}, "run_dir must be an absolute directory other than /"),
        ({"SANDBOX_BOX_MB": "0"}, "box_bytes must be at least 1 MiB"),
        ({"SANDBOX_NICE": "40"}, "nice must be between -20 and 19"),
        ({"SANDBOX_PIN_CPUS": "maybe"}, "SANDBOX_PIN_CPUS must be true or false"),
    ],
)
def test_bad_values_are_refused_with_the_reason(env: dict[str, str], message: str) -> None:
    with pytest.raises(SandboxConfigError, match=message):
        SandboxConfig.from_env(env)


def test_limits_defaults_validate() -> None:
    limits = Limits()
    assert limits.cpu_time_ms > 0
    assert limits.wall_time_ms >= limits.cpu_time_ms
    assert limits.rlimit_cpu_s == 3
    assert Limits(file_size_bytes=MIB + 1).file_size_mib == 2
    assert Limits(memory_bytes=100 * MIB).memory_mib == 100


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("cpu_time_ms", 0, ValueError),
        ("wall_time_ms", -1, ValueError),
        ("memory_bytes", 1024, ValueError),
        ("processes", 0, ValueError),
        ("open_files", 1, ValueError),
        ("inodes", 1, ValueError),
        ("output_bytes", -1, ValueError),
        ("cpu_time_ms", True, TypeError),
        ("memory_bytes", 1.5, TypeError),
    ],
)
def test_limits_refuse_nonsense(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=field):
        Limits(**{field: value})  # type: ignore[arg-type]


def test_limits_scaled_for_a_language() -> None:
    base = Limits(cpu_time_ms=1000, wall_time_ms=3000, memory_bytes=64 * MIB, processes=4)
    scaled = base.scaled(time_multiplier=2.5, extra_memory_bytes=16 * MIB, extra_processes=10)
    assert scaled.cpu_time_ms == 2500
    assert scaled.wall_time_ms == 7500
    assert scaled.memory_bytes == 80 * MIB
    assert scaled.processes == 14
    assert scaled.output_bytes == base.output_bytes
    with pytest.raises(ValueError, match="time_multiplier"):
        base.scaled(time_multiplier=0)
