"""A Docker engine of the test session's own: Debian's ``docker.io`` (``dockerd``) with its own data root, exec root
and socket under a temporary directory, started once and stopped by PID at the end. Nothing is pulled: images are
built locally (``FROM scratch``).

``TEST_DOCKER_HOST`` uses an engine that already runs instead. Where ``dockerd`` is missing or cannot start (no
root, no overlay file system, no cgroups), the fixture skips with the reason in capitals, never silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import docker
import pytest

__all__ = ["DockerEngine", "host_root_image", "start_engine"]


@dataclass
class DockerEngine:
    url: str
    client: docker.DockerClient
    popen: subprocess.Popen[bytes] | None = None
    root: Path | None = None


def _skip(reason: str) -> NoReturn:
    pytest.skip(f"DOCKER ENGINE UNAVAILABLE, CONTAINER TESTS NOT RUN: {reason}")


@contextlib.contextmanager
def start_engine() -> Iterator[DockerEngine]:
    if existing := os.environ.get("TEST_DOCKER_HOST"):
        given = docker.DockerClient(base_url=existing)
        yield DockerEngine(url=existing, client=given)
        given.close()
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        _skip("dockerd is not installed (apt-get install docker.io)")
    if os.geteuid() != 0:
        _skip("dockerd needs root")
    root = Path(tempfile.mkdtemp(prefix="verdict-docker-"))
    sock = root / "docker.sock"
    log = (root / "dockerd.log").open("wb")
    popen = subprocess.Popen(
        [
            str(dockerd),
            f"--data-root={root / 'data'}",
            f"--exec-root={root / 'exec'}",
            f"--pidfile={root / 'dockerd.pid'}",
            f"--host=unix://{sock}",
            "--iptables=false",
            "--ip6tables=false",
            "--bridge=none",  # containers use the host's network or none: no NAT rules on a shared machine
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"unix://{sock}"
    client: docker.DockerClient | None = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and popen.poll() is None:
            if sock.exists():
                with contextlib.suppress(docker.errors.DockerException):
                    client = docker.DockerClient(base_url=url)
                    client.ping()
                    break
            time.sleep(0.2)
        if client is None:
            _skip(f"dockerd did not start: {(root / 'dockerd.log').read_text(errors='replace')[-1500:]}")
        yield DockerEngine(url=url, client=client, popen=popen, root=root)
    finally:
        if client is not None:
            with contextlib.suppress(docker.errors.DockerException):
                for container in client.containers.list(all=True):
                    container.remove(force=True)
            client.close()
        if popen.poll() is None:
            os.kill(popen.pid, signal.SIGTERM)
            try:
                popen.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(popen.pid, signal.SIGKILL)
                popen.wait(10)
        log.close()
        for mounted in (root / "exec" / "netns" / "default", root / "data"):
            subprocess.run(["umount", "-R", str(mounted)], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def host_root_image(engine: DockerEngine, tag: str, path: str, workdir: str = "/") -> str:
    """An empty image (``FROM scratch``) whose PATH starts with ``path``: containers get the host's toolchains and
    this checkout through read-only bind mounts. Stands in for Dockerfile.judge where no base image can be pulled."""
    context = Path(tempfile.mkdtemp(prefix="verdict-image-"))
    try:
        (context / "Dockerfile").write_text(
            f"FROM scratch\nENV PATH={path}:/usr/local/bin:/usr/bin:/bin\nWORKDIR {workdir}\n"
        )
        engine.client.images.build(path=str(context), tag=tag, rm=True)
    finally:
        shutil.rmtree(context, ignore_errors=True)
    return tag
