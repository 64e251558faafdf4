"""Verdict's own images, built on this machine with nothing pulled: a debootstrap Debian base, then Dockerfile.api
and Dockerfile.judge on it; the platform then runs from them (migrations, the API with its pages, api-tasks and a
hardened judge container) against PostgreSQL and Redis, and judges submissions. Skipped, loudly, where no engine
can run or debootstrap is missing (``make test`` installs both)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from docker.models.containers import Container

from api.domain.fleet.docker_fleet import JUDGE_CAPABILITIES, DockerFleet, JudgeContainerSpec
from api.domain.fleet.images import BuiltImages, build_images
from api.lib.redis_server import find_free_port
from tests.integration.conftest import FleetFactory
from tests.integration.fleet.test_docker_fleet import cgroup_v1_needs_dac_override, sweep_cgroups
from tests.support.docker_engine import DockerEngine, start_engine
from tests.support.fleet import JUDGE_TOKEN, JudgeFleet

REPO = Path(__file__).resolve().parents[3]
AC = "print(sum(map(int, input().split())))"
CPP_AC = "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"
# The host's apt sources and settings, so that apt-get inside the builds reaches the mirror the host uses.
# Building the base and both images takes minutes (apt, uv and npm downloads): the first test's setup pays for it.
pytestmark = pytest.mark.timeout(2400)
HOST_APT = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/apt.conf.d/99artifact-registry"))
HOST_CA = Path("/usr/local/share/ca-certificates")  # the host's extra authorities (e.g. a TLS-inspecting proxy)


@pytest.fixture(scope="module")
def engine() -> Iterator[DockerEngine]:
    with start_engine() as started:
        yield started


@pytest.fixture(scope="module")
def images(engine: DockerEngine) -> BuiltImages:
    if shutil.which("debootstrap") is None:
        pytest.skip("DEBOOTSTRAP MISSING, IMAGE TESTS NOT RUN (apt-get install debootstrap)")
    return build_images(
        engine.client,
        REPO,
        prefix="verdict-it",
        apt_files=[p for p in HOST_APT if p.exists()],
        ca_certificates=sorted(HOST_CA.glob("*.crt")),
    )


def run_api_container(
    engine: DockerEngine, image: str, fleet: JudgeFleet, command: list[str], *, port: int = 8000
) -> Container:
    env = {
        "VERDICT_ENV": "test",
        "DATABASE_URL": fleet.database_url,
        "REDIS_URL": fleet.redis_url,
        "SECRET_KEY": "image-secret-key-" + "x" * 32,
        "JUDGE_TOKEN": JUDGE_TOKEN,
        "LOG_LEVEL": "INFO",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    return engine.client.containers.run(
        image, command, environment=env, network_mode="host", detach=True, read_only=True,
        tmpfs={"/tmp": "size=256m"},
    )  # fmt: skip


@pytest.fixture
async def platform(
    engine: DockerEngine, images: BuiltImages, fleet_factory: FleetFactory
) -> AsyncIterator[tuple[JudgeFleet, str]]:
    """PostgreSQL and Redis on the host; migrations, the API, api-tasks and one judge from the built images."""
    project = f"i{uuid.uuid4().hex[:6]}"
    started: list[Container] = []
    async with fleet_factory(judges=0, tasks=False, api=False) as fleet:
        try:
            migrate = run_api_container(engine, images.api, fleet, ["verdict", "migrate"])
            started.append(migrate)
            outcome = await asyncio.to_thread(migrate.wait, timeout=180)
            assert outcome["StatusCode"] == 0, migrate.logs().decode()[-3000:]
            port = find_free_port()
            api = run_api_container(engine, images.api, fleet, ["verdict", "serve"], port=port)
            tasks = run_api_container(engine, images.api, fleet, ["verdict", "worker", "tasks"])
            started += [api, tasks]
            url = f"http://127.0.0.1:{port}"
            await wait_healthy(url, api)
            judges = DockerFleet(engine.client, project=project)
            spec = JudgeContainerSpec(
                image=images.judge,
                environment={
                    "REDIS_URL": fleet.redis_url,
                    "JUDGE_API_URL": url,
                    "JUDGE_TOKEN": JUDGE_TOKEN,
                    "SANDBOX_UID": str(420_000 + (uuid.uuid4().int % 400) * 2048),
                    "SANDBOX_LANGUAGES": "python3,cpp17",
                },
                network="host",
                slots=1,
                extra_capabilities=("DAC_OVERRIDE",) if cgroup_v1_needs_dac_override() else (),
            )
            started += judges.start(spec, 1)
            try:
                await fleet.wait_workers(1, within=120)
            except TimeoutError:
                raise AssertionError(f"the judge container did not come up: {started[-1].logs().decode()}") from None
            yield fleet, url
        finally:
            for container in started:
                with contextlib.suppress(Exception):
                    container.stop(timeout=20)
                    container.remove(force=True)
            sweep_cgroups(f"verdict-{project}-judge-")


async def wait_healthy(url: str, container: Container, within: float = 90) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/health", timeout=2)).status_code == 200:
                    return
            container.reload()
            if container.status == "exited":
                break
            await asyncio.sleep(0.5)
    raise AssertionError(f"the API container did not answer /health: {container.logs().decode()[-3000:]}")


def test_images_are_built_from_the_local_base_and_carry_no_secrets(engine: DockerEngine, images: BuiltImages) -> None:
    client = engine.client
    base = client.images.get(images.base)
    for tag in (images.api, images.judge):
        image = client.images.get(tag)
        assert image.attrs["RootFS"]["Layers"][0] == base.attrs["RootFS"]["Layers"][0], f"{tag} not on {images.base}"
        env = dict(item.split("=", 1) for item in image.attrs["Config"]["Env"])
        assert not {"DATABASE_URL", "SECRET_KEY", "JUDGE_TOKEN", "OPENAI_API_KEY"} & set(env)
    api_user = client.images.get(images.api).attrs["Config"]["User"]
    assert api_user == "verdict"  # the API does not run as root
    listing = client.containers.run(images.api, ["sh", "-c", "ls -a /app"], remove=True).decode().split()
    assert not {".git", ".venv-host", "tests", ".env"} & set(listing)
    # the judge image has the sandbox and toolchains but none of the API-side packages
    probe = (
        "import importlib.util as u; print([m for m in ('litestar', 'sqlalchemy', 'asyncpg', 'openai') "
        "if u.find_spec(m)]); import sandbox, judge_worker; print('ok')"
    )
    out = client.containers.run(images.judge, ["python", "-c", probe], remove=True).decode().split("\n")
    assert out[:2] == ["[]", "ok"], out
    found = "for tool in g++ python3 java go ruby kotlinc mcs mono nsjail; do command -v $tool; done"
    tools = client.containers.run(images.judge, ["sh", "-c", found], remove=True)
    assert len(tools.decode().split()) == 9, tools


async def test_the_platform_runs_from_the_built_images_and_judges(platform: tuple[JudgeFleet, str]) -> None:
    fleet, url = platform
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.get("/ready")).status_code == 200
        page = await client.get("/login")
        assert page.status_code == 200
        assert "<form" in page.text
        css = await client.get("/static/css/verdict.css")
        assert css.status_code == 200, "the web assets are in the image"
        vendor = await client.get("/static/vendor/htmx/htmx.min.js")
        assert vendor.status_code == 200, "npm packages were copied into the image"
        judges = (await client.get("/ready/judges")).json()
    assert judges
    problem = await fleet.create_problem(tests=[(b"1 2\n", b"3\n"), (b"40 2\n", b"42\n")])
    ids = [
        await fleet.submit(problem, "python3", AC),
        await fleet.submit(problem, "cpp17", CPP_AC),
        await fleet.submit(problem, "python3", "print(3)"),
    ]
    rows = await fleet.wait_all_final(ids, within=240)
    assert [r["verdict"] for r in rows] == ["AC", "AC", "WA"], rows


def test_the_judge_container_from_the_image_is_hardened(engine: DockerEngine, images: BuiltImages) -> None:
    """The judge started from Dockerfile.judge's image has the same hardening as every fleet judge."""
    fleet = DockerFleet(engine.client, project=f"h{uuid.uuid4().hex[:6]}")
    spec = JudgeContainerSpec(
        image=images.judge,
        environment={"REDIS_URL": "redis://127.0.0.1:1/0", "JUDGE_TOKEN": JUDGE_TOKEN},
        command=("sleep", "60"),
        network="host",
        slots=1,
    )
    (container,) = fleet.start(spec, 1)
    try:
        host = container.attrs["HostConfig"]
        assert host["Privileged"] is False
        assert host["CapDrop"] == ["ALL"]
        assert set(host["CapAdd"]) == set(JUDGE_CAPABILITIES)
        assert host["ReadonlyRootfs"] is True
        assert any(opt.startswith("seccomp={") for opt in host["SecurityOpt"])
        write = container.exec_run(["sh", "-c", "touch /app/x"]).exit_code
        assert write != 0, "the root file system is read-only"
    finally:
        container.remove(force=True)
