"""Files a statement shows or offers: its images (in the statement's directory) and ``attachments/``.

Served only to people who may see the problem, and only those two kinds: a statement directory also holds the
statement's sources and, in legacy packages, often the solution sketch (``solution.en.tex``), which must never
reach a student; so from there only images are served. SVG is served with a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Final

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m

__all__ = ["IMAGE_TYPES", "package_file"]

IMAGE_TYPES: Final = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
_ATTACHMENTS: Final = "attachments/"


async def package_file(session: AsyncSession, problem: m.Problem, name: str) -> tuple[bytes, str, bool]:
    """``(data, media type, as a download)`` for a statement image or an attachment; NotFoundError otherwise."""
    parts = PurePosixPath(name).parts
    if not parts or any(part in ("..", ".") or part.startswith(".") for part in parts) or name.startswith("/"):
        raise NotFoundError("no such file")
    package = await session.get(m.ProblemPackage, problem.package_digest) if problem.package_digest else None
    if package is None:
        raise NotFoundError("no such file")
    files = msgspec.msgpack.decode(package.files, type=dict[str, bytes])
    if name.startswith(_ATTACHMENTS) and name in files:
        return files[name], "application/octet-stream", True
    directory = str(PurePosixPath(package.statement_path).parent) if package.statement_path else "statement"
    media = IMAGE_TYPES.get(PurePosixPath(name).suffix.lower())
    path = f"{directory}/{name}"
    if media is None or path not in files:
        raise NotFoundError("no such file")
    return files[path], media, False
