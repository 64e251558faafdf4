"""Uploaded file names and types: what a name may be, which extensions a question allows, how a file is served."""

from __future__ import annotations

import mimetypes
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Final

from api.lib.exceptions import ApplicationClientError

__all__ = [
    "SAFE_INLINE_TYPES",
    "SOURCE_EXTENSIONS",
    "check_extension",
    "check_name",
    "content_type_of",
    "extension_of",
    "normalise_extensions",
]

_MAX_NAME_BYTES: Final = 255
# The extensions of program sources and headers that a multi-file submission may hold.
SOURCE_EXTENSIONS: Final = frozenset(
    {".py", ".c", ".h", ".cpp", ".cc", ".cxx", ".hpp", ".hh", ".hxx", ".java", ".kt", ".rs", ".go", ".js", ".txt"}
)
# Types a download may declare as they are; anything else goes out as application/octet-stream.
SAFE_INLINE_TYPES: Final = frozenset(
    {"text/plain", "application/pdf", "image/png", "image/jpeg", "image/gif", "application/zip", "text/csv"}
)


class FileNameError(ApplicationClientError):
    """The name cannot be used; the message says why."""


def check_name(raw: str) -> str:
    """The file name, if it is a plain name: no folders, no ``..``, no control characters, not too long."""
    name = unicodedata.normalize("NFC", raw)
    if not name.strip():
        raise FileNameError("the file has no name: send one in the 'name' query parameter")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise FileNameError(f"{name!r}: control characters are not allowed in file names")
    if name in (".", "..") or ".." in name:
        raise FileNameError(f"{name!r}: '..' is not allowed in file names")
    if "/" in name or "\\" in name:
        raise FileNameError(f"{name!r}: a file name cannot contain / or \\ (send plain names, not paths)")
    if name != name.strip() or name.startswith("-"):
        raise FileNameError(f"{name!r}: a file name cannot start with '-' or a space, nor end with a space")
    if len(name.encode()) > _MAX_NAME_BYTES:
        raise FileNameError(f"the file name is longer than {_MAX_NAME_BYTES} bytes")
    return name


def extension_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def normalise_extensions(values: Iterable[str]) -> frozenset[str]:
    return frozenset(f".{v.strip().lower().lstrip('.')}" for v in values if v.strip().lstrip("."))


def check_extension(name: str, allowed: frozenset[str] | None) -> None:
    """Refuse ``name`` unless its extension is among ``allowed`` (None: any)."""
    if allowed is None:
        return
    ext = extension_of(name)
    if ext not in allowed:
        listed = ", ".join(sorted(allowed))
        raise FileNameError(f"{name}: files of this kind ({ext or 'no extension'}) are not accepted here; use {listed}")


def content_type_of(name: str) -> str:
    """The type recorded for an upload, guessed from its name (a client's Content-Type is not trusted)."""
    if extension_of(name) in SOURCE_EXTENSIONS:
        return "text/plain"
    guessed, _encoding = mimetypes.guess_type(name, strict=True)
    return guessed or "application/octet-stream"
