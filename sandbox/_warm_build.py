"""Building the warm jail's init and the Python zygote (``policies/warm_init.c``) into the jail's root.

Both are compiled once per source and flags and cached next to the skeleton, like the cold jail's init. The warm
init is static; the zygote links the host's ``libpython`` of ``/usr/bin/python3`` (found with ``python3-config``),
so it is exactly the interpreter a plain ``python3`` start runs, reached in the jail through the read-only ``/usr``.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Final

__all__ = ["WARM_INIT_PATH", "ZYGOTE_PATH", "ZYGOTE_PYTHON", "install_warm_binaries"]

WARM_INIT_PATH: Final = "/.verdict-warm-init"
ZYGOTE_PATH: Final = "/.verdict-python-zygote"
ZYGOTE_PYTHON: Final = "/usr/bin/python3"  # the interpreter the zygote stands in for (its run command's argv[0])
_PYTHON_CONFIG: Final = "/usr/bin/python3-config"
_ENV: Final = {"PATH": "/usr/bin:/bin"}


def _python_flags() -> tuple[list[str], str]:
    """Compiler and linker flags for embedding the host's python3, or why it cannot be embedded."""
    if not Path(_PYTHON_CONFIG).exists():
        return [], f"no {_PYTHON_CONFIG} (install python3-dev) to build the Python zygote"
    flags: list[str] = []
    for what in ("--cflags", "--ldflags"):
        done = subprocess.run([_PYTHON_CONFIG, what, "--embed"], capture_output=True, env=_ENV, check=False, timeout=30)
        if done.returncode != 0:
            return [], f"{_PYTHON_CONFIG} {what} failed"
        flags += [f for f in shlex.split(done.stdout.decode()) if not f.startswith("-O")]
    return flags, ""


def _build(root: Path, name: str, target: str, extra: list[str], compiler: str) -> str:
    source = importlib.resources.files("sandbox.policies").joinpath("warm_init.c").read_bytes()
    digest = hashlib.sha256(source + "\0".join(extra).encode()).hexdigest()[:16]
    cached = root.parent / f"{name}-{digest}"
    if not cached.is_file():
        work = root.parent / f"{name}.build"
        work.mkdir(exist_ok=True)
        (work / "init.c").write_bytes(source)
        head, tail = extra[:1], extra[1:]  # "-static" or "-DVERDICT_PYTHON" first, libraries after the source
        argv = [compiler, *head, "-O2", "-o", str(work / "init"), str(work / "init.c"), *tail]
        built = subprocess.run(argv, capture_output=True, env=_ENV, check=False, timeout=120)
        if built.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            return f"building {name} failed: " + built.stderr.decode(errors="replace")[-300:]
        (work / "init").rename(cached)
        shutil.rmtree(work, ignore_errors=True)
    placed = root / target.lstrip("/")
    shutil.copyfile(cached, placed)
    placed.chmod(0o755)
    return ""


def install_warm_binaries(root: Path, compiler: str = "/usr/bin/gcc") -> tuple[str, str]:
    """Place the warm init and the zygote in the skeleton at ``root``; returns why each cannot be offered ("")."""
    if not Path(compiler).exists():
        problem = f"no C compiler at {compiler} to build the warm jail's init"
        return problem, problem
    warm = _build(root, "warm-init", WARM_INIT_PATH, ["-static", "-s"], compiler)
    flags, zygote = _python_flags()
    if not zygote:
        zygote = _build(root, "python-zygote", ZYGOTE_PATH, ["-DVERDICT_PYTHON", *flags], compiler)
    return warm, zygote
