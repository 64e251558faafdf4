"""Files a statement shows or offers: its images (in the statement's directory) and ``attachments/``.

Served only to people who may see the problem, and only those two kinds: a statement directory also holds the
statement's sources and, in legacy packages, often the solution sketch (``solution.en.tex``), which must never
reach a student; so from there only images are served. SVG is served with a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Final

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.problems._statements import MAX_STATEMENT_BYTES
from api.domain.problems.latex import latex_to_markdown

__all__ = ["IMAGE_TYPES", "package_file", "statement_in", "statement_versions"]

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


_STATEMENT_NAME: Final = re.compile(r"^problem(?:\.([a-z]{2,3}(?:-[A-Za-z]{2})?))?\.(md|tex)$")


@lru_cache(maxsize=64)
def _converted(source: str, path: str) -> str | None:
    converted = latex_to_markdown(source, path, [])
    return converted.markdown if converted is not None else None


async def statement_versions(session: AsyncSession, problem: m.Problem) -> tuple[str | None, dict[str, str]]:
    """The stored statement's language and the package's other statements as ``{language: path}``: the
    languages a reader may choose between (a package with one statement gives ``{}``)."""
    package = await session.get(m.ProblemPackage, problem.package_digest) if problem.package_digest else None
    if package is None or not package.statement_path:
        return None, {}
    stored = PurePosixPath(package.statement_path)
    match = _STATEMENT_NAME.match(stored.name)
    own = (match.group(1) or "") if match else None
    files = msgspec.msgpack.decode(package.files, type=dict[str, bytes])
    others: dict[str, str] = {}
    for name in sorted(files, key=lambda n: (n.endswith(".tex"), n)):  # Markdown before LaTeX
        path = PurePosixPath(name)
        found = _STATEMENT_NAME.match(path.name)
        if str(path.parent) == str(stored.parent) and found and (found.group(1) or "") != own:
            others.setdefault(found.group(1) or "", name)
    return own, others


async def statement_in(session: AsyncSession, problem: m.Problem, path: str) -> str | None:
    """The Markdown of the package's statement at ``path`` (LaTeX converted), None when it cannot be shown."""
    package = await session.get(m.ProblemPackage, problem.package_digest) if problem.package_digest else None
    if package is None:
        return None
    data = msgspec.msgpack.decode(package.files, type=dict[str, bytes]).get(path)
    if data is None or len(data) > MAX_STATEMENT_BYTES:
        return None
    text = data.decode("utf-8", errors="replace")
    return _converted(text, path) if path.endswith(".tex") else text
