"""ICPC problem packages used by the tests, and helpers to pack them as zip or tar.gz archives in memory.

- ``addup``: a scoring problem: samples, two secret groups (``testdata.yaml``, the second depending on the first),
  the default output validator, reference solutions of every verdict (and one in Kotlin, which Verdict skips);
- ``twosum``: many right answers, judged by a custom output validator (Python, ICPC exit codes 42/43);
- ``guess``: an interactive problem with an interactor, and accepted, wrong-answer and too-slow solutions.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path
from typing import Final

__all__ = ["PACKAGES_DIR", "package_files", "tar_gz", "zip_bytes"]

PACKAGES_DIR: Final = Path(__file__).resolve().parent


def package_files(name: str) -> dict[str, bytes]:
    root = PACKAGES_DIR / name
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def zip_bytes(files: dict[str, bytes], *, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    return buffer.getvalue()


def tar_gz(files: dict[str, bytes], *, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
