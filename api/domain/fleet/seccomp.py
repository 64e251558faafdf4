"""The judge container's seccomp profile: everything the worker and nsjail use is allowed (nsjail then installs a
far stricter filter on each jailed program); the calls no judge ever needs, and that an escaped process would
want, fail with EPERM. ``deploy/seccomp/judge.json`` is this profile as a file (a test keeps them equal) for
``docker run --security-opt seccomp=...``, compose and a Kubernetes ``Localhost`` profile."""

from __future__ import annotations

import json
from typing import Any, Final

__all__ = ["DENIED_SYSCALLS", "judge_seccomp_json", "judge_seccomp_profile"]

DENIED_SYSCALLS: Final = (
    # kernel modules, kexec, reboot, swap, accounting, clocks
    "init_module", "finit_module", "delete_module", "create_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
    # kernel attack surface no judge uses
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "fanotify_init", "lookup_dcookie", "nfsservctl", "quotactl",
    # reaching into other processes or files by handle
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "open_by_handle_at", "name_to_handle_at",
    # legacy x86 and odd ones
    "vm86", "vm86old", "iopl", "ioperm", "uselib", "syslog",
)  # fmt: skip


def judge_seccomp_profile() -> dict[str, Any]:
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": sorted(DENIED_SYSCALLS), "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }


def judge_seccomp_json() -> str:
    return json.dumps(judge_seccomp_profile(), indent=2) + "\n"
