"""Judge workers as Docker containers, through the Docker SDK (``docker`` from PyPI; ``DOCKER_HOST`` picks the engine).

Every container this module starts carries the labels ``verdict.fleet.project=<project>`` and
``verdict.fleet.role=judge``, is named ``<project>-judge-<6 hex>`` and uses that name as its ``JUDGE_WORKER_ID``, so
a container, its heartbeat and its drain request line up. Containers get the judge's hardening (see
:data:`JUDGE_CAPABILITIES`): every capability dropped except the ones nsjail needs, a read-only root, tmpfs for
scratch, no Docker socket, no database credentials (only the variables in :data:`PASSED_VARIABLES` reach them).
A container that exits 0 was drained and stays stopped (restart policy ``on-failure``); ``scale``/``status``
remove it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import docker
from docker.errors import APIError, DockerException, ImageNotFound
from docker.models.containers import Container

from api.domain.fleet.seccomp import judge_seccomp_json
from api.domain.fleet.services import FleetError, check_worker_count

__all__ = [
    "JUDGE_CAPABILITIES",
    "PASSED_VARIABLES",
    "DockerFleet",
    "JudgeContainerSpec",
    "connect",
]

# What the sandbox needs and nothing else: SYS_ADMIN to create namespaces and mount the jail's file system, SETUID
# and SETGID to switch to the unprivileged sandbox uid, MKNOD for the jail's /dev/null, /dev/zero and /dev/urandom,
# KILL to end a jailed program (it runs as another uid) at its time limit and to sweep what it left.
# Not SYS_RESOURCE: the jail only lowers rlimits, which needs no capability (the container tests run the judge
# and the sandbox's adversarial suites with exactly these five).
JUDGE_CAPABILITIES: Final = ("SYS_ADMIN", "SETUID", "SETGID", "MKNOD", "KILL")
# Only these variables reach a judge container: Redis, the API URL and judge token, JUDGE_*, SANDBOX_*, logs.
PASSED_VARIABLES: Final = ("REDIS_URL", "LOG_JSON", "LOG_LEVEL", "VERDICT_ENV", "PYTHONDONTWRITEBYTECODE")
_PASSED_PREFIXES: Final = ("JUDGE_", "SANDBOX_")
_FORBIDDEN: Final = ("DATABASE_URL", "SECRET_KEY", "POSTGRES_PASSWORD", "OPENAI_API_KEY", "SMTP_PASSWORD")
LABEL_PROJECT: Final = "verdict.fleet.project"
LABEL_ROLE: Final = "verdict.fleet.role"


@dataclass(frozen=True)
class JudgeContainerSpec:
    image: str
    environment: Mapping[str, str]
    command: tuple[str, ...] = ("verdict", "worker", "judge")
    network: str | None = None  # a Docker network name, "host", or None for the engine's default
    slots: int = 2
    memory: str = "4g"
    cpus: float | None = None  # default: one CPU per slot
    # The judge profile (api.domain.fleet.seccomp): Docker's default forbids the clone/unshare/mount calls nsjail
    # makes, so this one allows what the worker and nsjail use and denies what no judge needs; nsjail adds its
    # own, far stricter, filter on each jailed program. "unconfined" turns seccomp off for the container.
    seccomp_profile: str = field(default_factory=judge_seccomp_json)
    apparmor: str = "unconfined"  # nsjail mounts inside its namespaces, which Docker's default profile forbids
    cgroup_mount: bool = True  # the sandbox needs a writable cgroup tree for its per-run cgroups
    extra_volumes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # e.g. a test's code mounts
    extra_capabilities: tuple[str, ...] = ()  # an operator's explicit additions (`--cap-add`), never by default
    extra_tmpfs: Mapping[str, str] = field(default_factory=dict)  # more scratch (path -> mount options)
    restart: bool = True  # on-failure; off for one-shot containers (the hardening test runs the tests inside)

    def judge_environment(self, worker_id: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in self.environment.items()
            if (key in PASSED_VARIABLES or key.startswith(_PASSED_PREFIXES)) and key not in _FORBIDDEN
        }
        env["JUDGE_WORKER_ID"] = worker_id
        env["JUDGE_SLOTS"] = str(self.slots)
        env.setdefault("JUDGE_CACHE_DIR", "/var/cache/verdict")
        # Judges on one host share its cgroup tree and uids (cgroupns host): each gets its own cgroup root and uid
        # block, or one judge's sandbox would sweep another's runs as leftovers.
        env["SANDBOX_CGROUP_ROOT"] = f"{self.environment.get('SANDBOX_CGROUP_ROOT', 'verdict')}-{worker_id}"
        block = int(hashlib.sha256(worker_id.encode()).hexdigest()[:6], 16) % 8192
        env["SANDBOX_UID"] = env["SANDBOX_GID"] = str(int(self.environment.get("SANDBOX_UID", "300000")) + block * 64)
        return env


def connect(base_url: str | None = None) -> docker.DockerClient:
    try:
        client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
        client.ping()
    except DockerException as exc:
        raise FleetError(f"cannot reach the Docker engine (DOCKER_HOST or --docker-host): {exc}") from exc
    return client


class DockerFleet:
    def __init__(self, client: docker.DockerClient, *, project: str = "verdict", max_workers: int = 64) -> None:
        check_worker_count(0, max_workers)
        self.client = client
        self.project = project
        self.max_workers = max_workers

    def containers(self, *, running_only: bool = False) -> list[Container]:
        filters: dict[str, Any] = {"label": [f"{LABEL_PROJECT}={self.project}", f"{LABEL_ROLE}=judge"]}
        if running_only:
            filters["status"] = "running"
        found: list[Container] = self.client.containers.list(all=not running_only, filters=filters)
        return sorted(found, key=lambda c: str(c.name))

    def check_count(self, count: int) -> None:
        check_worker_count(count, self.max_workers)

    def start(self, spec: JudgeContainerSpec, count: int) -> list[Container]:
        """Start ``count`` more judge containers."""
        self.check_count(len(self.containers(running_only=True)) + count)
        try:
            self.client.images.get(spec.image)
        except ImageNotFound as exc:
            raise FleetError(
                f"image {spec.image!r} is not on this engine: build it (Dockerfile.judge) or pull it"
            ) from exc
        return [self._run(spec) for _ in range(count)]

    def _run(self, spec: JudgeContainerSpec) -> Container:
        name = f"{self.project}-judge-{secrets.token_hex(3)}"
        volumes: dict[str, dict[str, str]] = {k: dict(v) for k, v in spec.extra_volumes.items()}
        if spec.cgroup_mount:
            volumes["/sys/fs/cgroup"] = {"bind": "/sys/fs/cgroup", "mode": "rw"}
        host: dict[str, Any] = {
            "privileged": False,
            "cap_drop": ["ALL"],
            "cap_add": [*JUDGE_CAPABILITIES, *spec.extra_capabilities],
            "security_opt": [f"seccomp={spec.seccomp_profile}", f"apparmor={spec.apparmor}"],
            "read_only": True,
            "tmpfs": {
                "/run/verdict-sandbox": "size=1g,mode=0711",
                "/tmp": "size=256m,mode=1777",  # noqa: S108 - the container's own scratch tmpfs
                "/var/cache/verdict": "size=2g,mode=0700",
                **spec.extra_tmpfs,
            },
            "binds": volumes,
            "mem_limit": spec.memory,
            "nano_cpus": int((spec.cpus or spec.slots) * 1e9),
            "pids_limit": 4096,
            "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 5} if spec.restart else {"Name": "no"},
            "cgroupns": "host" if spec.cgroup_mount else "private",
        }
        if spec.network:
            host["network_mode"] = spec.network
        try:
            host_config = self.client.api.create_host_config(**host)
            # Docker masks /proc/kcore & co. with bind mounts, which forbids any new procfs mount; nsjail mounts a
            # fresh /proc inside each jail's own pid namespace (jailed programs never see the container's /proc).
            host_config["MaskedPaths"] = []
            host_config["ReadonlyPaths"] = []
            created = self.client.api.create_container(
                spec.image,
                command=list(spec.command),
                name=name,
                labels={LABEL_PROJECT: self.project, LABEL_ROLE: "judge"},
                environment=spec.judge_environment(name),
                host_config=host_config,
            )
            self.client.api.start(created["Id"])
            container: Container = self.client.containers.get(created["Id"])
        except APIError as exc:
            raise FleetError(f"the engine refused to start a judge container: {exc.explanation or exc}") from exc
        return container

    def remove_exited(self) -> list[str]:
        """Remove the containers that exited (drained ones exit 0); return their names."""
        removed: list[str] = []
        for container in self.containers():
            if container.status in ("exited", "dead", "created"):
                container.remove(force=True)
                removed.append(str(container.name))
        return removed

    def stop(self, name: str, timeout: int = 150) -> None:
        """SIGTERM (the worker finishes its jobs within ``job_completion_wait``), then remove."""
        container = self.client.containers.get(name)
        container.stop(timeout=timeout)
        container.remove(force=True)
