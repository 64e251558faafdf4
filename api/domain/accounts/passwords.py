"""The password policy: long enough, not a common password, not your own e-mail address. Messages say what to fix."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Final

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "is_common_password", "password_problems"]

MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 256  # long passphrases are welcome; megabytes of "password" are not
_COMMON_FILE: Final = Path(__file__).with_name("common_passwords.txt")
_EDGES: Final = re.compile(r"^[\d\W_]+|[\d\W_]+$")
_MIN_CORE: Final = 4


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """True for a listed password, also when only digits or punctuation were added around it ('Password2024!')."""
    lowered = password.lower()
    common = _common()
    if lowered in common:
        return True
    core = _EDGES.sub("", lowered)
    if len(core) >= _MIN_CORE and core in common:
        return True
    return _is_pattern(lowered)


# Runs an attacker tries first: counting, the alphabet, keyboard rows and columns (both ways).
_RUNS: Final = tuple(
    run + run
    for base in ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn")
    for run in (base, base[::-1])
)


def _is_pattern(lowered: str) -> bool:
    """A run ('123456789012', 'qwertyuiopas') or a short unit repeated ('aaaaaaaaaa', 'abcabcabcabc')."""
    if any(lowered in run for run in _RUNS):
        return True
    for size in range(1, 5):
        unit = lowered[:size]
        if (unit * (len(lowered) // size + 1))[: len(lowered)] == lowered:
            return True
    return False


def password_problems(password: str, *, email: str = "", display_name: str = "") -> list[str]:
    """What is wrong with ``password``, as sentences a person can act on (empty: it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            f"use at least {MIN_PASSWORD_LENGTH} characters (this one has {len(password)}); "
            "a few unrelated words make a password that is long and easy to remember"
        )
        return problems
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"use at most {MAX_PASSWORD_LENGTH} characters")
        return problems
    if is_common_password(password):
        problems.append(
            "this is one of the most common passwords (adding digits or symbols around it does not help): "
            "choose something less guessable"
        )
    lowered = password.lower()
    local_part = email.partition("@")[0].lower()
    if len(local_part) >= _MIN_CORE and local_part in lowered:
        problems.append("do not use your e-mail address in your password")
    name = display_name.strip().lower()
    if len(name) >= _MIN_CORE and name in lowered:
        problems.append("do not use your name in your password")
    return problems
