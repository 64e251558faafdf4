"""``verdict fleet`` against a real Docker engine: hardened judge containers that judge, scale down by draining,
and an autoscaler that grows the fleet when the queue backs up. Skipped, loudly, where no engine can run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import stat
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from docker.models.containers import Container

from api.db import models as m
from api.domain.fleet.docker_fleet import JUDGE_CAPABILITIES, DockerFleet, JudgeContainerSpec
from tests.integration.conftest import FleetFactory
from tests.support.docker_engine import DockerEngine, host_root_image, start_engine
from tests.support.fleet import JUDGE_TOKEN, JudgeFleet

REPO = Path(__file__).resolve().parents[3]
PYTHON_HOME = Path(os.path.realpath(sys.executable)).parents[1]
AC = "print(sum(map(int, input().split())))"
SLOW = "import time\ntime.sleep(0.5)\nprint(sum(map(int, input().split())))"


@pytest.fixture(scope="module")
def engine() -> Iterator[DockerEngine]:
    with start_engine() as started:
        yield started


def cgroup_v1_needs_dac_override() -> bool:
    """On cgroup v1 hosts whose controller directories are r-x even for root, creating the sandbox's cgroups
    needs DAC_OVERRIDE (cgroup v2 hosts do not)."""
    memory = Path("/sys/fs/cgroup/memory")
    return memory.is_dir() and not memory.stat().st_mode & stat.S_IWUSR


HOST_MOUNTS = [
    m for m in sorted({"/usr", "/lib", "/lib64", "/bin", "/etc", str(PYTHON_HOME), str(REPO)}) if Path(m).exists()
]


def cli_args(project: str) -> list[str]:
    args = ["--project", project, "--image", "verdict-hostjudge:test", "--network", "host", "--slots", "1"]
    for mount in HOST_MOUNTS:
        args += ["--volume", f"{mount}:{mount}:ro"]
    if cgroup_v1_needs_dac_override():
        args += ["--cap-add", "DAC_OVERRIDE"]
    return args


def sweep_cgroups(prefix: str) -> None:
    """Remove the (empty) cgroups a killed judge container's sandbox left on the host."""
    for top in Path("/sys/fs/cgroup").glob(f"*/{prefix}*"):
        for directory in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                directory.rmdir()
        with contextlib.suppress(OSError):
            top.rmdir()


def exec_output(container: Container, argv: list[str]) -> str:
    output = container.exec_run(argv).output
    assert isinstance(output, bytes)
    return output.decode(errors="replace")


class Fleet:
    def __init__(self, fleet: JudgeFleet, engine: DockerEngine, project: str) -> None:
        self.fleet = fleet
        self.engine = engine
        self.project = project

    async def run(self, *args: str, docker: bool = True) -> tuple[int, str]:
        extra = cli_args(self.project) if docker else []
        env = {
            **self.fleet.base_env(),
            "DOCKER_HOST": self.engine.url,
            "SANDBOX_LANGUAGES": "python3",
            "SANDBOX_UID": str(400_000 + (os.getpid() % 500) * 2048),
            "JUDGE_TOKEN": JUDGE_TOKEN,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "api.cli", "fleet", *args, *extra, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), 180)
        assert proc.returncode is not None
        return proc.returncode, out.decode()

    def containers(self, *, running: bool = True) -> list[Container]:
        filters: dict[str, str | list[str] | bool] = {"label": f"verdict.fleet.project={self.project}"}
        return list(self.engine.client.containers.list(all=not running, filters=filters))


@pytest.fixture
async def docker_fleet(engine: DockerEngine, fleet_factory: FleetFactory) -> AsyncIterator[Fleet]:
    host_root_image(engine, "verdict-hostjudge:test", f"{REPO}/.venv/bin", workdir=str(REPO))
    project = f"t{uuid.uuid4().hex[:6]}"
    async with fleet_factory(judges=0) as fleet:
        handle = Fleet(fleet, engine, project)
        try:
            yield handle
        finally:
            for container in handle.containers(running=False):
                container.stop(timeout=20)  # SIGTERM: the judge's sandbox removes its cgroups
                container.remove(force=True)
            sweep_cgroups(f"verdict-{project}-judge-")


async def test_judge_containers_are_hardened_judge_and_scale_down_by_draining(docker_fleet: Fleet) -> None:
    fleet = docker_fleet.fleet
    code, out = await docker_fleet.run("up", "2")
    assert code == 0, out
    names = sorted(str(c.name) for c in docker_fleet.containers())
    assert len(names) == 2
    try:
        await fleet.wait_workers(ids=names, within=120)
    except TimeoutError:
        logs = [c.logs(tail=20).decode() for c in docker_fleet.containers(running=False)]
        raise AssertionError(f"judge containers did not come up: {logs}") from None

    attrs = docker_fleet.engine.client.containers.get(names[0]).attrs
    host = attrs["HostConfig"]
    assert host["Privileged"] is False
    assert host["CapDrop"] == ["ALL"]
    assert set(JUDGE_CAPABILITIES) <= set(host["CapAdd"]) <= {*JUDGE_CAPABILITIES, "DAC_OVERRIDE"}
    assert host["ReadonlyRootfs"] is True
    assert {"/run/verdict-sandbox", "/tmp", "/var/cache/verdict"} <= set(host["Tmpfs"])
    mounts = " ".join(host.get("Binds") or [])
    assert "docker.sock" not in mounts
    assert any(opt.startswith("seccomp={") for opt in host["SecurityOpt"])  # the judge profile, not unconfined
    container = docker_fleet.engine.client.containers.get(names[0])
    probe = (
        "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); "
        "print(libc.syscall(250, 0, 0, 0, 0, 0), os.strerror(ctypes.get_errno()))"  # 250: keyctl on x86-64
    )
    keyctl = exec_output(container, ["python", "-c", probe])
    assert keyctl.strip() == "-1 Operation not permitted", keyctl  # keyctl(2) is denied by the profile
    assert "Seccomp:\t2" in exec_output(container, ["cat", "/proc/1/status"])
    env = dict(item.split("=", 1) for item in attrs["Config"]["Env"])
    assert not {"DATABASE_URL", "SECRET_KEY", "POSTGRES_PASSWORD"} & set(env)
    assert env["JUDGE_WORKER_ID"] == names[0]

    problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n"), (b"4 5\n", b"9\n")])
    ids = [await fleet.submit(problem, "python3", AC) for _ in range(4)]
    wrong = await fleet.submit(problem, "python3", "print(3)")
    rows = await fleet.wait_all_final([*ids, wrong], within=120)
    assert [r["verdict"] for r in rows] == ["AC"] * 4 + ["WA"], [
        [(r["verdict"], r["message"]) for r in rows],
        [c.logs(tail=60).decode(errors="replace") for c in docker_fleet.containers()],
    ]

    code, out = await docker_fleet.run("scale", "1", "--wait", "90")
    assert code == 0, out
    assert "draining" in out
    assert len(docker_fleet.containers()) == 1
    code, status = await docker_fleet.run("status", docker=False)
    assert code == 0, status
    assert sum(name in status for name in names) == 1


async def test_autoscale_grows_the_fleet_when_the_queue_backs_up(docker_fleet: Fleet) -> None:
    fleet = docker_fleet.fleet
    code, out = await docker_fleet.run("up", "1")
    assert code == 0, out
    await fleet.wait_workers(1, within=120)
    problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n")], time_limit_ms=3000)
    ids = [await fleet.submit(problem, "python3", SLOW, kind=m.SubmissionKind.SUBMISSION) for _ in range(12)]
    code, out = await docker_fleet.run("autoscale", "--min", "1", "--max", "2", "--target-wait", "1", "--once")
    assert code == 0, out
    assert "scaling 1 -> 2" in out
    await fleet.wait_workers(2, within=120)
    rows = await fleet.wait_all_final(ids, within=180)
    assert [r["verdict"] for r in rows] == ["AC"] * 12


def collected(suites: tuple[str, ...]) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *suites],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"(\d+) tests? collected", out)
    assert found is not None, out[-500:]
    return int(found.group(1))


def test_the_hostile_program_tests_pass_inside_a_hardened_judge_container(engine: DockerEngine) -> None:
    """The sandbox's adversarial suites (fork bombs, floods, escapes, secrets, compile-time attacks) and the warm
    jails' reset run inside a container with exactly the judge's hardening: they hold there too, not only on a root
    host (a warm jail once failed only there: no CAP_FOWNER to give the box its mode back)."""
    image = host_root_image(engine, "verdict-hostjudge:test", f"{REPO}/.venv/bin", workdir=str(REPO))
    project = f"h{uuid.uuid4().hex[:6]}"
    suites = (
        "tests/sandbox/test_adversarial.py",
        "tests/sandbox/test_compile_attacks.py",
        "tests/sandbox/test_warm.py",
    )
    spec = JudgeContainerSpec(
        image=image,
        environment={"PYTHONDONTWRITEBYTECODE": "1"},
        command=("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *suites),
        network="none",
        slots=2,
        extra_volumes={m: {"bind": m, "mode": "ro"} for m in HOST_MOUNTS},
        extra_capabilities=("DAC_OVERRIDE",) if cgroup_v1_needs_dac_override() else (),
        extra_tmpfs={"/run/verdict-sandbox-test": "size=512m,mode=0711"},
        restart=False,
    )
    fleet = DockerFleet(engine.client, project=project)
    (container,) = fleet.start(spec, 1)
    try:
        result = container.wait(timeout=900)
        output = container.logs().decode(errors="replace")
        assert container.attrs["HostConfig"]["CapDrop"] == ["ALL"]
        assert result["StatusCode"] == 0, output[-4000:]
        summary = output.strip().splitlines()[-1]
        passed = re.search(r"(\d+) passed", summary)
        assert passed is not None, summary
        assert int(passed.group(1)) == collected(suites), summary  # every test of the two suites ran and passed
        assert "skipped" not in summary, output[-2000:]
    finally:
        container.remove(force=True)
        sweep_cgroups("verdict-test-")
