"""Typed reads of one YAML mapping of a package, each failure recorded as an issue that names the file and field."""

from __future__ import annotations

import math
from typing import Any

from api.domain.problems.errors import PackageIssue

__all__ = ["Fields"]


class Fields:
    """Typed reads of one mapping, each failure recorded as an issue that names the field."""

    def __init__(self, path: str, issues: list[PackageIssue], prefix: str = "") -> None:
        self.path = path
        self.issues = issues
        self.prefix = prefix

    def bad(self, field: str, message: str) -> None:
        self.issues.append(PackageIssue(self.path, message, field=self.prefix + field))

    def number(self, data: dict[str, Any], key: str, *, minimum: float, maximum: float) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.bad(key, f"must be a number, got {value!r}")
            return None
        if not minimum <= value <= maximum:
            self.bad(key, f"must be between {minimum:g} and {maximum:g}, got {value!r}")
            return None
        return float(value)

    def text(self, data: dict[str, Any], key: str, *, max_length: int = 200) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.bad(key, f"must be text, got {type(value).__name__}")
            return None
        text = str(value).strip()
        if len(text) > max_length:
            self.bad(key, f"must be at most {max_length} characters")
            return None
        return text

    def words(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        """A list of strings, or one string of space-separated words."""
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(value.split())
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            return tuple(str(v).strip() for v in value if str(v).strip())
        self.bad(key, "must be a list of strings or one string of words")
        return ()

    def boolean(self, data: dict[str, Any], key: str) -> bool | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.bad(key, f"must be true or false, got {value!r}")
            return None
        return value

    def mapping(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.bad(key, "must be a mapping")
            return {}
        return value
