"""Per-slot cgroups: limits, counters and clean-up for cgroup v1 and v2.

cgroup v1 (this is the fast path). Each slot owns ``<root>/slot<i>`` in the memory, pids and cpuacct hierarchies,
created once. A dedicated thread of the worker joins them once (v1 cgroup membership is per thread), and nsjail is
spawned from that thread, so nsjail and the jail are *born* in the slot's cgroups: no per-run mkdir, no per-run
migration (a migration takes the global cgroup_threadgroup_rwsem and stalls 5-10 ms after an idle period). Limits
are written to the slot before each run and the counters reset. The OOM killer only considers thread-group leaders,
so the worker (whose non-leader thread sits in the slot) is never a candidate.

cgroup v2. Threads cannot sit in a different domain cgroup than their process, so nsjail creates its per-run cgroup
itself (``--use_cgroupv2``) under a fresh ``<root>/slot<i>/run`` leaf we make per run; peak, OOM events and CPU
come from that leaf, which we remove afterwards.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Literal

from sandbox._cgroup_base import CgroupLayout, CgroupStats, SlotCgroup, sweep_tree
from sandbox._cgroup_v1 import NSJAIL_ALLOWANCE_BYTES, V1_CONTROLLERS, V1SlotCgroup
from sandbox._cgroup_v2 import V2SlotCgroup, ensure_v2_root
from sandbox._sys import read_small
from sandbox.errors import SandboxError

__all__ = [
    "NSJAIL_ALLOWANCE_BYTES",
    "CgroupLayout",
    "CgroupStats",
    "SlotCgroup",
    "V1SlotCgroup",
    "V2SlotCgroup",
    "detect_layout",
    "ensure_v2_root",
    "make_slot_cgroup",
    "sweep_tree",
]


def _parse_mounts() -> tuple[dict[str, str], str]:
    v1: dict[str, str] = {}
    v2 = ""
    for line in read_small("/proc/self/mountinfo", 1 << 22).splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        rest = right.split()
        if len(fields) < 5 or len(rest) < 3:
            continue
        fstype, options = rest[0], rest[2].split(",")
        if fstype == "cgroup2" and not v2:
            v2 = fields[4]
        elif fstype == "cgroup":
            for opt in options:
                if opt in ("memory", "pids", "cpuacct", "cpu", "cpuset") and opt not in v1:
                    v1[opt] = fields[4]
    return v1, v2


def detect_layout(preference: Literal["auto", "v1", "v2"] = "auto") -> CgroupLayout:
    """Find the cgroup hierarchies; raises SandboxError with the fix when limits cannot be enforced."""
    v1, v2 = _parse_mounts()
    v2_controllers: tuple[str, ...] = ()
    if v2:
        with contextlib.suppress(OSError):
            v2_controllers = tuple(read_small(Path(v2) / "cgroup.controllers").split())
    v2_ok = bool(v2) and {"memory", "pids"} <= set(v2_controllers)
    v1_ok = all(c in v1 for c in V1_CONTROLLERS)
    if preference == "v2" or (preference == "auto" and v2_ok):
        if not v2_ok:
            raise SandboxError(
                f"cgroup v2 needs the memory and pids controllers at {v2 or '/sys/fs/cgroup'} "
                f"(found: {' '.join(v2_controllers) or 'none'}); boot with systemd.unified_cgroup_hierarchy=1 "
                "or set SANDBOX_CGROUP_VERSION=v1"
            )
        return CgroupLayout(version=2, v2_mount=v2, v2_controllers=v2_controllers)
    if not v1_ok:
        missing = [c for c in V1_CONTROLLERS if c not in v1]
        raise SandboxError(
            f"cgroup v1 controllers not mounted: {', '.join(missing)}; mount them "
            f"(e.g. mount -t cgroup -o {missing[0]} cgroup /sys/fs/cgroup/{missing[0]}) or use a cgroup v2 host"
        )
    has_memsw = (Path(v1["memory"]) / "memory.memsw.limit_in_bytes").exists()
    return CgroupLayout(version=1, v1_mounts=v1, has_memsw=has_memsw)


def make_slot_cgroup(layout: CgroupLayout, root: str, index: int) -> SlotCgroup:
    if layout.version == 1:
        return V1SlotCgroup(layout, root, index)
    return V2SlotCgroup(layout, root, index)
