"""Resource limits for one sandboxed run."""

from __future__ import annotations

import math
from typing import Final

import msgspec

__all__ = ["KIB", "MIB", "Limits"]

KIB: Final = 1024
MIB: Final = 1024 * 1024
_MAX_BYTES: Final = 1 << 40  # 1 TiB: anything larger is a typo, not a limit
_MAX_MS: Final = 24 * 3600 * 1000


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """What one run may use. Every field is enforced; none is advisory.

    - ``cpu_time_ms``: CPU time of all jailed processes and threads together (kernel accounting).
    - ``wall_time_ms``: monotonic wall-clock time from start to end, so sleeping programs end too.
    - ``memory_bytes``: peak memory of the whole jail (cgroup, swap off), page cache and tmpfs pages included.
    - ``processes``: processes plus threads alive at once (pids cgroup).
    - ``output_bytes`` / ``stderr_bytes``: caps on captured stdout / stderr; past either the program is killed.
    - ``file_size_bytes``: largest single file the program may write (RLIMIT_FSIZE, MiB granularity).
    - ``open_files``: RLIMIT_NOFILE.
    - ``box_bytes`` / ``tmp_bytes``: sizes of the ``/box`` and ``/tmp`` tmpfs; ``inodes`` caps files in each.
    - ``collect_bytes``: total size of the files read back from the box after the run.
    """

    cpu_time_ms: int = 2000
    wall_time_ms: int = 5000
    memory_bytes: int = 256 * MIB
    processes: int = 16
    output_bytes: int = 64 * MIB
    stderr_bytes: int = 1 * MIB
    file_size_bytes: int = 64 * MIB
    open_files: int = 64
    box_bytes: int = 64 * MIB
    tmp_bytes: int = 64 * MIB
    inodes: int = 4096
    collect_bytes: int = 64 * MIB

    def __post_init__(self) -> None:
        checks: tuple[tuple[str, int, int, int], ...] = (
            ("cpu_time_ms", self.cpu_time_ms, 1, _MAX_MS),
            ("wall_time_ms", self.wall_time_ms, 1, _MAX_MS),
            ("memory_bytes", self.memory_bytes, 4 * MIB, _MAX_BYTES),
            ("processes", self.processes, 1, 65536),
            ("output_bytes", self.output_bytes, 0, _MAX_BYTES),
            ("stderr_bytes", self.stderr_bytes, 0, _MAX_BYTES),
            ("file_size_bytes", self.file_size_bytes, 0, _MAX_BYTES),
            ("open_files", self.open_files, 4, 1 << 20),
            ("box_bytes", self.box_bytes, 64 * KIB, _MAX_BYTES),
            ("tmp_bytes", self.tmp_bytes, 64 * KIB, _MAX_BYTES),
            ("inodes", self.inodes, 16, 1 << 24),
            ("collect_bytes", self.collect_bytes, 0, _MAX_BYTES),
        )
        for name, value, low, high in checks:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Limits.{name} must be an int, got {type(value).__name__}")
            if not low <= value <= high:
                raise ValueError(f"Limits.{name} must be between {low} and {high}, got {value}")

    @property
    def memory_mib(self) -> int:
        return max(1, self.memory_bytes // MIB)

    @property
    def file_size_mib(self) -> int:
        """RLIMIT_FSIZE as nsjail takes it (whole MiB, rounded up)."""
        return math.ceil(self.file_size_bytes / MIB)

    @property
    def rlimit_cpu_s(self) -> int:
        """A per-process RLIMIT_CPU backstop one second past the limit; the monitor enforces the real one."""
        return math.ceil(self.cpu_time_ms / 1000) + 1

    def scaled(self, *, time_multiplier: float = 1.0, extra_memory_bytes: int = 0, extra_processes: int = 0) -> Limits:
        """These limits adjusted for a language runtime (slower start, bigger footprint, more threads)."""
        if time_multiplier <= 0:
            raise ValueError("time_multiplier must be positive")
        return msgspec.structs.replace(
            self,
            cpu_time_ms=max(1, round(self.cpu_time_ms * time_multiplier)),
            wall_time_ms=max(1, round(self.wall_time_ms * time_multiplier)),
            memory_bytes=self.memory_bytes + extra_memory_bytes,
            processes=self.processes + extra_processes,
        )
