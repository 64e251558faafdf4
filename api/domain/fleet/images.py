"""Build Verdict's images without a registry: a Debian base made by ``debootstrap``, imported into the engine, then
``Dockerfile.api`` and ``Dockerfile.judge`` built on it (``BASE_IMAGE`` build argument). Nothing is pulled.

The same Dockerfiles build on the public ``python:3.12-slim-bookworm`` image where a registry is reachable (their
default). Builds use the host's network (``network_mode=host``) so that ``apt-get`` and ``uv`` reach the package
registries the host reaches; the images themselves contain no credentials.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import docker
from docker.errors import APIError, BuildError, DockerException

from api.domain.fleet.services import FleetError

__all__ = ["BASE_PACKAGES", "BuiltImages", "build_images", "debootstrap_base"]

# What both Dockerfiles need from a base: python3 (bookworm: 3.11) with venv (uv is installed into one) and
# certificates for the package registries. Everything else the Dockerfiles install themselves.
BASE_PACKAGES: Final = ("python3", "python3-venv", "ca-certificates")
DEFAULT_MIRROR: Final = "http://deb.debian.org/debian"
_DEFAULT_PATH: Final = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# pip, uv and npm each ship or prefer their own certificate list: point them all at the system's, which holds the
# extra authorities too.
_BUNDLE: Final = "/etc/ssl/certs/ca-certificates.crt"
_TRUST_ENV: Final = tuple(f"ENV {name}={_BUNDLE}" for name in ("SSL_CERT_FILE", "PIP_CERT", "NODE_EXTRA_CA_CERTS"))


@dataclass(frozen=True)
class BuiltImages:
    base: str
    api: str
    judge: str
    seconds: dict[str, float]


def _run(argv: Sequence[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout)[-1500:]
        raise FleetError(f"{what} failed (exit {done.returncode}): {tail}")


def debootstrap_base(
    client: docker.DockerClient,
    tag: str,
    *,
    suite: str = "bookworm",
    mirror: str = DEFAULT_MIRROR,
    apt_files: Sequence[Path] = (),
    ca_certificates: Sequence[Path] = (),
) -> str:
    """A minimal Debian ``suite`` root file system with :data:`BASE_PACKAGES`, imported into the engine as ``tag``.

    ``apt_files`` are copied below the image's ``/etc/apt`` at the same relative place they have below the host's
    ``/etc/apt`` (for example a ``sources.list.d/*.sources`` naming a local mirror, or an ``apt.conf.d`` proxy
    setting), so that ``apt-get`` in the Dockerfiles reaches the same mirror as the host. ``ca_certificates`` are
    extra certificate authorities (PEM, for example a TLS-inspecting proxy's) added to the image's trust store.
    Needs root and the ``debootstrap`` command."""
    if shutil.which("debootstrap") is None:
        raise FleetError("debootstrap is not installed (apt-get install debootstrap)")
    work = Path(tempfile.mkdtemp(prefix="verdict-base-"))
    root = work / "root"
    try:
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                suite,
                str(root),
                mirror,
            ],
            "debootstrap",
        )
        etc_apt = root / "etc" / "apt"
        for source in apt_files:
            relative = source.resolve().relative_to("/etc/apt")
            target = etc_apt / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            if relative.parts[0] == "sources.list.d":
                (etc_apt / "sources.list").unlink(missing_ok=True)  # the given sources replace debootstrap's
        if ca_certificates:
            local = root / "usr" / "local" / "share" / "ca-certificates"
            local.mkdir(parents=True, exist_ok=True)
            for number, certificate in enumerate(ca_certificates):
                shutil.copyfile(certificate, local / f"extra-{number}-{certificate.stem}.crt")
            _run(["chroot", str(root), "update-ca-certificates"], "adding the certificate authorities")
        # apt caches and logs are not part of a base image
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (root / leftover).glob("*"):
                if entry.is_file():
                    entry.unlink()
        archive = work / "root.tar"
        _run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(archive), "."], "packing the root file system")
        repository, _, version = tag.partition(":")
        client.api.import_image_from_file(
            str(archive),
            repository=repository,
            tag=version or "latest",
            changes=[f"ENV PATH={_DEFAULT_PATH}", "ENV LANG=C.UTF-8", *_TRUST_ENV, 'CMD ["bash"]'],
        )
    except (APIError, DockerException) as exc:
        raise FleetError(f"importing the base image failed: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tag


def _stream(lines: Iterator[Any]) -> list[str]:
    """The build's output lines; a build error raises with the last lines of output."""
    output: list[str] = []
    for chunk in lines:
        if not isinstance(chunk, dict):
            continue
        if "error" in chunk:
            raise FleetError(f"image build failed: {chunk['error'].strip()}\n" + "".join(output[-30:]))
        if text := chunk.get("stream"):
            output.append(str(text))
    return output


def build_image(client: docker.DockerClient, context: Path, dockerfile: str, tag: str, base_image: str) -> str:
    try:
        lines = client.api.build(
            path=str(context),
            dockerfile=dockerfile,
            tag=tag,
            buildargs={"BASE_IMAGE": base_image},
            network_mode="host",
            pull=False,
            rm=True,
            forcerm=True,
            decode=True,
        )
        _stream(lines)
    except (APIError, BuildError, DockerException) as exc:
        raise FleetError(f"building {dockerfile} failed: {exc}") from exc
    return tag


def build_images(
    client: docker.DockerClient,
    context: Path,
    *,
    base_image: str | None = None,
    prefix: str = "verdict",
    apt_files: Sequence[Path] = (),
    ca_certificates: Sequence[Path] = (),
    mirror: str = DEFAULT_MIRROR,
) -> BuiltImages:
    """Build ``<prefix>-api`` and ``<prefix>-judge`` from ``context`` (a checkout). Without ``base_image`` a Debian
    base is made with :func:`debootstrap_base` first (``<prefix>-base:bookworm``)."""
    seconds: dict[str, float] = {}
    started = time.monotonic()
    if base_image is None:
        base_image = debootstrap_base(
            client, f"{prefix}-base:bookworm", mirror=mirror, apt_files=apt_files, ca_certificates=ca_certificates
        )
        seconds["base"] = round(time.monotonic() - started, 1)
    images = {}
    for name in ("api", "judge"):
        began = time.monotonic()
        images[name] = build_image(client, context, f"Dockerfile.{name}", f"{prefix}-{name}:local", base_image)
        seconds[name] = round(time.monotonic() - began, 1)
    return BuiltImages(base=base_image, api=images["api"], judge=images["judge"], seconds=seconds)


def describe(built: BuiltImages, client: docker.DockerClient) -> str:
    sizes = {tag: client.images.get(tag).attrs.get("Size", 0) for tag in (built.base, built.api, built.judge)}
    return json.dumps(
        {"images": {tag: round(size / 2**20) for tag, size in sizes.items()}, "seconds": built.seconds}, indent=2
    )
