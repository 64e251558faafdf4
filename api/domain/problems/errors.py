"""Errors of the problems domain, mapped to HTTP by the application's one error handler."""

from __future__ import annotations

from typing import Any

from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from api.lib.exceptions import ApplicationClientError

__all__ = ["PackageError", "PackageIssue"]


class PackageIssue(dict[str, Any]):
    """One problem with a package: where (``path``, optional ``field``, ``line`` and ``column``, counted from 1) and
    what to fix (``message``, in words a person can act on, never a parser's internal text)."""

    def __init__(
        self, path: str, message: str, *, field: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(path=path, message=message)
        if field is not None:
            self["field"] = field
        if line is not None:
            self["line"] = line
        if column is not None:
            self["column"] = column

    def where(self) -> str:
        """``problem.yaml line 3, column 7`` or ``problem.yaml: limits.memory``: how the issue is named to people."""
        place = str(self["path"])
        if "line" in self:
            place += f" line {self['line']}" + (f", column {self['column']}" if "column" in self else "")
        if "field" in self:
            place += f": {self['field']}"
        return place


class PackageError(ApplicationClientError):
    """A problem package (or its archive) cannot be accepted. ``errors`` lists every issue found."""

    status_code = HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail, errors=errors)

    @classmethod
    def of(cls, issues: list[PackageIssue]) -> PackageError:
        first = issues[0]
        where = first.where()
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        return cls(f"invalid problem package: {where}: {first['message']}{more}", errors=[dict(i) for i in issues])
