"""The ``fields`` query parameter: which submission attributes an answer carries.

Judge0 1.13.1 serialises every column of its submission table (but ``id``) plus ``status`` and ``language``, in
column order, whatever order the client asked for. ``*`` means all of them; an empty or absent ``fields`` means
the eight defaults; any unknown name makes the request fail with ``400 {"error": "invalid fields: [a, b]"}``.
The list is split on commas exactly (no trimming), as Ruby's ``String#split`` does.
"""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = ["ALL_FIELDS", "DEFAULT_FIELDS", "UNIVERSAL_FIELD", "FieldSelection", "parse_fields"]

UNIVERSAL_FIELD: Final = "*"

ALL_FIELDS: Final = (
    "source_code",
    "language_id",
    "stdin",
    "expected_output",
    "stdout",
    "status_id",
    "created_at",
    "finished_at",
    "time",
    "memory",
    "stderr",
    "token",
    "number_of_runs",
    "cpu_time_limit",
    "cpu_extra_time",
    "wall_time_limit",
    "memory_limit",
    "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit",
    "max_file_size",
    "compile_output",
    "exit_code",
    "exit_signal",
    "message",
    "wall_time",
    "compiler_options",
    "command_line_arguments",
    "redirect_stderr_to_stdout",
    "callback_url",
    "additional_files",
    "enable_network",
    "status",
    "language",
)

# Judge0's eight defaults, in serialisation order (as its documentation's example answers show them).
DEFAULT_FIELDS: Final = ("stdout", "time", "memory", "stderr", "token", "compile_output", "message", "status")

_KNOWN: Final = frozenset(ALL_FIELDS)


class FieldSelection(msgspec.Struct, frozen=True, kw_only=True):
    fields: tuple[str, ...]  # in serialisation order
    invalid: tuple[str, ...] = ()

    @property
    def error(self) -> str | None:
        if not self.invalid:
            return None
        return f"invalid fields: [{', '.join(self.invalid)}]"


def _ruby_split(text: str) -> list[str]:
    """``text.split(",")`` in Ruby: like Python's, but trailing empty strings are dropped."""
    parts = text.split(",")
    while parts and not parts[-1]:
        parts.pop()
    return parts


def parse_fields(raw: str | None) -> FieldSelection:
    requested = _ruby_split(raw or "")
    invalid = tuple(name for name in requested if name != UNIVERSAL_FIELD and name not in _KNOWN)
    if UNIVERSAL_FIELD in requested:
        return FieldSelection(fields=ALL_FIELDS, invalid=invalid)
    wanted = {name for name in requested if name in _KNOWN}
    if not wanted:
        return FieldSelection(fields=DEFAULT_FIELDS, invalid=invalid)
    return FieldSelection(fields=tuple(name for name in ALL_FIELDS if name in wanted), invalid=invalid)
