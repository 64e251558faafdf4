"""A Judge0 submission as JSON: the requested ``fields``, text or Base64, Judge0's value formats.

Formats follow Judge0 1.13.1's Rails serialisation: decimals (``time``, ``wall_time``, ``cpu_time_limit``...) are
strings (``"0.012"``, ``"5.0"``), times are UTC with milliseconds (``"2024-01-01T12:00:00.123Z"``), ``status`` is
``{"id", "description"}`` and ``language`` is ``{"id", "name"}``.

Without ``base64_encoded=true``, an attribute whose bytes are not UTF-8 cannot be sent as JSON text, and the whole
answer is refused with Judge0's message telling the client to ask for Base64 (:class:`NotUtf8Error`). The judge
fleet hands over program output as the bytes the program wrote, so the check is exact and Base64 carries them
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from api.db import models as m
from api.domain.judge0.encoding import encode64
from api.domain.judge0.languages import LANGUAGES
from api.domain.judge0.results import Judge0Result, format_seconds

__all__ = ["NotUtf8Error", "format_time", "present"]


class NotUtf8Error(Exception):
    """An attribute has no UTF-8 text form: the client must ask for ``base64_encoded=true``."""


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _text(name: str, data: bytes | None, *, base64_encoded: bool) -> str | None:
    if data is None:
        return None
    if base64_encoded:
        return encode64(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotUtf8Error(name) from None


def present(
    row: m.Judge0Submission, result: Judge0Result, *, fields: tuple[str, ...], base64_encoded: bool
) -> dict[str, Any]:
    """The submission's ``fields`` (already in serialisation order) as a JSON-ready mapping."""

    def text(name: str, data: bytes | None) -> Callable[[], str | None]:
        return lambda: _text(name, data, base64_encoded=base64_encoded)

    language = LANGUAGES.get(row.language_id)
    message = result.message.encode() if result.message is not None else None
    values: dict[str, Callable[[], Any]] = {
        "source_code": text("source_code", row.source_code),
        "language_id": lambda: row.language_id,
        "stdin": text("stdin", row.stdin),
        "expected_output": text("expected_output", row.expected_output),
        "stdout": text("stdout", result.stdout),
        "status_id": lambda: int(result.status),
        "created_at": lambda: format_time(row.created_at),
        "finished_at": lambda: format_time(result.finished_at),
        "time": lambda: format_seconds(result.time),
        "memory": lambda: result.memory,
        "stderr": text("stderr", result.stderr),
        "token": lambda: str(row.token),
        "number_of_runs": lambda: row.number_of_runs,
        "cpu_time_limit": lambda: format_seconds(row.cpu_time_limit),
        "cpu_extra_time": lambda: format_seconds(row.cpu_extra_time),
        "wall_time_limit": lambda: format_seconds(row.wall_time_limit),
        "memory_limit": lambda: row.memory_limit,
        "stack_limit": lambda: row.stack_limit,
        "max_processes_and_or_threads": lambda: row.max_processes_and_or_threads,
        "enable_per_process_and_thread_time_limit": lambda: row.enable_per_process_and_thread_time_limit,
        "enable_per_process_and_thread_memory_limit": lambda: row.enable_per_process_and_thread_memory_limit,
        "max_file_size": lambda: row.max_file_size,
        "compile_output": text("compile_output", result.compile_output),
        "exit_code": lambda: result.exit_code,
        "exit_signal": lambda: result.exit_signal,
        "message": lambda: encode64(message) if base64_encoded else result.message,
        "wall_time": lambda: format_seconds(result.wall_time),
        "compiler_options": lambda: None,  # refused at creation (not supported), so always null
        "command_line_arguments": lambda: None,
        "redirect_stderr_to_stdout": lambda: row.redirect_stderr_to_stdout,
        "callback_url": lambda: row.callback_url,
        "additional_files": lambda: None,
        "enable_network": lambda: row.enable_network,
        "status": lambda: {"id": int(result.status), "description": result.status.description},
        "language": lambda: {"id": row.language_id, "name": language.name if language else None},
    }
    return {name: values[name]() for name in fields}
