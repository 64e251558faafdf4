"""Which language a file in a problem package is written in, by its extension (as problemtools and DOMjudge
guess it), and the language ids Verdict uses for them.

Ids Verdict does not judge (``kotlin``, ``rust``...) are still recognised, so that a package's reference
solutions in those languages are reported as skipped rather than as unknown files.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Final

__all__ = ["EXTENSION_LANGUAGES", "VERDICT_LANGUAGES", "language_of", "source_extension"]

# The languages the judge fleet can offer (each worker advertises the subset its host supports).
VERDICT_LANGUAGES: Final = ("python3", "c", "cpp17", "cpp20", "java", "javascript")

EXTENSION_LANGUAGES: Final[dict[str, str]] = {
    ".py": "python3",
    ".py3": "python3",
    ".c": "c",
    ".cc": "cpp17",
    ".cpp": "cpp17",
    ".cxx": "cpp17",
    ".c++": "cpp17",
    ".java": "java",
    ".js": "javascript",
    ".kt": "kotlin",
    ".rs": "rust",
    ".go": "go",
    ".hs": "haskell",
    ".cs": "csharp",
    ".rb": "ruby",
    ".pas": "pascal",
    ".scala": "scala",
    ".ml": "ocaml",
    ".php": "php",
    ".swift": "swift",
    ".lua": "lua",
    ".pl": "perl",
    ".sh": "bash",
}
_HEADER_EXTENSIONS: Final = frozenset({".h", ".hpp", ".hh", ".hxx"})
_PREFERRED_EXTENSION: Final = {"python3": ".py", "c": ".c", "cpp17": ".cpp", "cpp20": ".cpp", "java": ".java"}


def language_of(names: list[str] | tuple[str, ...]) -> str | None:
    """The language of a program made of ``names`` (headers do not count), or None when it cannot be told."""
    found = {
        EXTENSION_LANGUAGES.get(PurePosixPath(name).suffix.lower())
        for name in names
        if PurePosixPath(name).suffix.lower() not in _HEADER_EXTENSIONS
    }
    found.discard(None)
    if len(found) != 1:
        return None
    return found.pop()


def source_extension(language: str) -> str:
    return _PREFERRED_EXTENSION.get(language, ".js" if language == "javascript" else ".txt")
