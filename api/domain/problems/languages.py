"""Which language a file in a problem package is written in, by its extension (as problemtools and DOMjudge
guess it), and the language ids Verdict uses for them.

Ids Verdict does not judge (``haskell``, ``scala``...) are still recognised, so that a package's reference
solutions in those languages are reported as skipped rather than as unknown files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Final, NamedTuple

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.domain.system.services import list_workers

__all__ = [
    "EXTENSION_LANGUAGES",
    "HEADER_EXTENSIONS",
    "LANGUAGE_DISPLAY",
    "VERDICT_LANGUAGES",
    "LanguageDisplay",
    "fleet_languages",
    "in_platform_order",
    "language_name",
    "language_of",
    "source_extension",
    "source_name",
]


class LanguageDisplay(NamedTuple):
    """How a language is named to people, and where it stands in the platform's order (lower first)."""

    name: str
    order: int


# The one source of display names and order: every page, list and the default language of a new problem follow it.
# A language the fleet adds later gets one line here; one that is missing is shown by its id, after these.
LANGUAGE_DISPLAY: Final[dict[str, LanguageDisplay]] = {
    "python3": LanguageDisplay("Python 3", 10),
    "c": LanguageDisplay("C", 20),
    "cpp17": LanguageDisplay("C++17", 30),
    "cpp20": LanguageDisplay("C++20", 40),
    "java": LanguageDisplay("Java", 50),
    "javascript": LanguageDisplay("JavaScript (Node.js)", 60),
    "rust": LanguageDisplay("Rust", 70),
    "go": LanguageDisplay("Go", 80),
    "ruby": LanguageDisplay("Ruby", 90),
    "kotlin": LanguageDisplay("Kotlin", 100),
    "csharp": LanguageDisplay("C#", 110),
}
_UNLISTED_ORDER: Final = 1_000_000


def language_name(language: str) -> str:
    """The name people see for ``language`` ("Python 3", "C++17"); an id without an entry is shown as it is."""
    known = LANGUAGE_DISPLAY.get(language)
    return known.name if known is not None else language


def in_platform_order(languages: Iterable[str]) -> list[str]:
    """``languages`` without repeats, in the platform's order (listed ones by their order, then others by id)."""

    def key(language: str) -> tuple[int, str]:
        known = LANGUAGE_DISPLAY.get(language)
        return (known.order if known is not None else _UNLISTED_ORDER, language)

    return sorted(set(languages), key=key)


# The languages the judge fleet can offer (each worker advertises, in its heartbeat, the subset its host supports).
VERDICT_LANGUAGES: Final = tuple(
    in_platform_order(
        ("python3", "c", "cpp17", "cpp20", "java", "javascript", "rust", "go", "ruby", "kotlin", "csharp")
    )
)

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
    "go": ".go",
    "ruby": ".rb",
    "kotlin": ".kt",
    "csharp": ".cs",
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
