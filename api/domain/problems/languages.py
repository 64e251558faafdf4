"""Which language a file in a problem package is written in, by its extension (as problemtools and DOMjudge
guess it), and the language ids Verdict uses for them.

Ids Verdict does not judge (``kotlin``, ``rust``...) are still recognised, so that a package's reference
solutions in those languages are reported as skipped rather than as unknown files.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Final

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.domain.system.services import list_workers

__all__ = [
    "EXTENSION_LANGUAGES",
    "HEADER_EXTENSIONS",
    "VERDICT_LANGUAGES",
    "fleet_languages",
    "language_of",
    "source_extension",
    "source_name",
]

# The languages the judge fleet can offer (each worker advertises, in its heartbeat, the subset its host supports).
VERDICT_LANGUAGES: Final = ("python3", "c", "cpp17", "cpp20", "java", "javascript", "rust")

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
HEADER_EXTENSIONS: Final = frozenset({".h", ".hpp", ".hh", ".hxx"})
_PREFERRED_EXTENSION: Final = {
    "python3": ".py",
    "c": ".c",
    "cpp17": ".cpp",
    "cpp20": ".cpp",
    "java": ".java",
    "javascript": ".js",
    "rust": ".rs",
}


def language_of(names: list[str] | tuple[str, ...]) -> str | None:
    """The language of a program made of ``names`` (headers do not count), or None when it cannot be told."""
    found = {
        EXTENSION_LANGUAGES.get(PurePosixPath(name).suffix.lower())
        for name in names
        if PurePosixPath(name).suffix.lower() not in HEADER_EXTENSIONS
    }
    found.discard(None)
    if len(found) != 1:
        return None
    return found.pop()


def source_extension(language: str) -> str:
    return _PREFERRED_EXTENSION.get(language, ".txt")


def source_name(language: str) -> str:
    """The file name a one-file program is stored under (the judge expects it: Main.java for Java)."""
    return "Main.java" if language == "java" else f"main{source_extension(language)}"


async def fleet_languages(redis: Redis) -> frozenset[str] | None:
    """The languages some live judge worker offers; None when no worker is alive (or Redis cannot tell)."""
    try:
        workers = await list_workers(redis)
    except (RedisError, OSError):
        return None
    if not workers:
        return None
    return frozenset(language for worker in workers for language in worker.languages)
