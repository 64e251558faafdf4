"""The nsjail command line is a pure function of a JailSpec: check the flags that isolation depends on."""

from __future__ import annotations

import pytest

from sandbox.limits import MIB, Limits
from sandbox.nsjail import InitReport, JailSpec, Mount, Tmpfs, build_argv, parse_init_report, parse_log
from sandbox.policies.seccomp import CLONE_NEW_FLAGS, SECCOMP_POLICY

NSJAIL = "/opt/nsjail"


def spec(**overrides: object) -> JailSpec:
    fields: dict[str, object] = {
        "command": ("./main", "arg with space"),
        "root": "/run/verdict/root",
        "uid": 61000,
        "gid": 61001,
        "limits": Limits(cpu_time_ms=1500, wall_time_ms=4200, memory_bytes=128 * MIB, file_size_bytes=3 * MIB),
        "mounts": (Mount("/usr", "/usr"), Mount("/run/verdict/slot0", "/box", writable=True)),
        "tmpfs": (Tmpfs("/tmp", 8 * MIB, 100),),
        "env": (("PATH", "/usr/bin"), ("LANG", "C.UTF-8")),
    }
    fields.update(overrides)
    return JailSpec(**fields)  # type: ignore[arg-type]


def value_of(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv[: argv.index("--")]) if a == flag]


def test_runs_once_with_the_command_after_the_separator() -> None:
    argv = build_argv(NSJAIL, spec())
    assert argv[0] == NSJAIL
    assert "-Mo" in argv
    assert argv[argv.index("--") + 1 :] == ["./main", "arg with space"]


def test_jailed_user_is_mapped_to_an_unprivileged_host_id() -> None:
    argv = build_argv(NSJAIL, spec())
    assert value_of(argv, "--user") == ["65534:61000"]
    assert value_of(argv, "--group") == ["65534:61001"]
    assert "65534" not in value_of(argv, "--user")  # plain 65534 would map to host root


def test_root_is_the_skeleton_never_the_host_root() -> None:
    argv = build_argv(NSJAIL, spec())
    assert value_of(argv, "--chroot") == ["/run/verdict/root"]
    assert "/" not in value_of(argv, "--chroot")
    assert "--rw" not in argv
    assert "--keep_env" not in argv
    assert "-e" not in argv
    assert "--disable_clone_newnet" not in argv
    assert "--disable_clone_newuser" not in argv
    assert "--iface_no_lo" in argv


def test_mounts_tmpfs_and_environment() -> None:
    argv = build_argv(NSJAIL, spec())
    assert value_of(argv, "--bindmount_ro") == ["/usr:/usr"]
    assert value_of(argv, "--bindmount") == ["/run/verdict/slot0:/box"]
    assert value_of(argv, "--mount") == ["none:/tmp:tmpfs:size=8388608,nr_inodes=100"]
    assert value_of(argv, "--env") == ["PATH=/usr/bin", "LANG=C.UTF-8"]
    assert value_of(argv, "--cwd") == ["/box"]


def test_rlimits_follow_the_limits_and_address_space_is_unlimited() -> None:
    argv = build_argv(NSJAIL, spec())
    assert value_of(argv, "--rlimit_as") == ["inf"]  # memory is the cgroup's job (JVM, V8 reserve a lot)
    assert value_of(argv, "--rlimit_cpu") == ["3"]  # 1.5 s rounded up, plus a second: a backstop only
    assert value_of(argv, "--rlimit_fsize") == ["3"]
    assert value_of(argv, "--rlimit_stack") == ["128"]
    assert value_of(argv, "--rlimit_core") == ["0"]
    assert value_of(argv, "--time_limit") == ["6"]
    assert value_of(argv, "--log_fd") == ["3"]


def test_seccomp_policy_is_passed_and_denies_the_dangerous_calls() -> None:
    argv = build_argv(NSJAIL, spec())
    assert value_of(argv, "--seccomp_string") == [SECCOMP_POLICY]
    for call in ("ptrace", "process_vm_readv", "mount", "unshare", "setns", "bpf", "userfaultfd", "keyctl"):
        assert f"{call}," in SECCOMP_POLICY or f"{call}\n" in SECCOMP_POLICY
    assert f"{CLONE_NEW_FLAGS:#x}" in SECCOMP_POLICY
    assert SECCOMP_POLICY.strip().endswith("DEFAULT ALLOW")


def test_cgroup_flags_and_proc_switch() -> None:
    argv = build_argv(NSJAIL, spec(cgroup_args=("--use_cgroupv2", "--cgroupv2_mount", "/x"), proc=False))
    assert "--use_cgroupv2" in argv
    assert "--disable_proc" in argv
    assert argv.index("--use_cgroupv2") < argv.index("--")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"command": ()}, "command must not be empty"),
        ({"mounts": (Mount("/a:b", "/x"),)}, "mount source"),
        ({"mounts": (Mount("/a", ""),)}, "mount target"),
        ({"env": (("A=B", "x"),)}, "invalid environment variable"),
        ({"env": (("A", "x\0y"),)}, "invalid environment variable"),
        ({"cwd": "/box:/etc"}, "cwd"),
    ],
)
def test_malformed_specs_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_argv(NSJAIL, spec(**overrides))


def test_parse_log_exit_status() -> None:
    log = parse_log(
        "[I][2026-01-01T00:00:00+0000] Mode: STANDALONE_ONCE\n"
        "[I][2026-01-01T00:00:00+0000] pid=41 ([STANDALONE MODE]) exited with status: 3, (PIDs left: 0)\n"
    )
    assert (log.exit_code, log.signal, log.seccomp_violation, log.errors) == (3, None, False, ())
    assert log.child_finished


def test_parse_log_signal_and_seccomp() -> None:
    log = parse_log(
        "[W][2026][7] seccompViolation():291 pid=8 committed a syscall/seccomp violation and exited with SIGSYS\n"
        "[I][2026] pid=8 ([STANDALONE MODE]) terminated with signal: Bad system call (31), (PIDs left: 0)\n"
    )
    assert log.signal == 31
    assert log.exit_code is None
    assert log.seccomp_violation


def test_parse_log_failure_to_start() -> None:
    log = parse_log(
        "[E][2026][1] buildMountTree():328 Failed to mount mandatory point: '/opt/rust'\n"
        "[F][2026][1] runChild():506 Launching child process failed\n"
    )
    assert not log.child_finished
    assert len(log.errors) == 2
    assert "Failed to mount" in log.errors[0]


def test_parse_log_time_limit_and_empty() -> None:
    assert parse_log("[I] pid=3 run time >= time limit (7 >= 6) ([STANDALONE MODE]). Killing it\n").time_limit
    assert parse_log("") == parse_log("garbage without a status")


def test_the_init_runs_the_command_and_gets_its_status_fd() -> None:
    argv = build_argv(NSJAIL, spec(init="/.verdict-init", init_fd=4))
    assert argv[argv.index("--") + 1 :] == ["/.verdict-init", "./main", "arg with space"]
    assert value_of(argv, "--pass_fd") == ["4"]
    assert "--quiet" in argv  # the init reports the status; nsjail's info lines are not needed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S 0 1500000\n", InitReport(exit_code=0, self_ns=1_500_000)),
        ("S 768 7\n", InitReport(exit_code=3, self_ns=7)),  # wait status 3 << 8
        ("S 134 9\n", InitReport(signal=6, self_ns=9)),  # SIGABRT with the core-dump bit
        ("S 25 9\n", InitReport(signal=25, self_ns=9)),
        (
            "E exec 2\nS 32512 40\n",
            InitReport(exit_code=127, self_ns=40, error="exec failed: No such file or directory"),
        ),
        ("E fork 11\n", InitReport(error="fork failed: Resource temporarily unavailable")),
        ("", None),
        ("S lies\nS 1 2 3\n", None),
    ],
)
def test_parse_init_report(text: str, expected: InitReport | None) -> None:
    assert parse_init_report(text) == expected
