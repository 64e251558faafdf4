"""Reading and validating a new Judge0 submission exactly as Judge0 CE 1.13.1 (a Rails app) does.

Judge0 answers invalid input with ``422`` and a body mapping each attribute to its messages, in the order its model
declares its validations, with Rails' wording: ``{"language_id": ["can't be blank", "language with id  doesn't
exist"]}``, ``{"wall_time_limit": ["must be less than or equal to 20.0"]}``. Values are cast the Rails way: numbers
may come as JSON strings, ``"abc"`` is "not a number", an empty string or ``null`` means "use the default", and a
limit's bound is printed as configured (``15.0`` for a float setting, ``512000`` for an integer one).

Verdict adds refusals Judge0 does not have, worded in the same style: a ``callback_url`` whose host is not in the
allow-list, ``source_code``/``stdin``/``expected_output`` over their size caps, and ``stdin`` plus
``expected_output`` times ``number_of_runs`` over the judge's cap on a job's inline tests.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from api.domain.judge0.callbacks import callback_url_problem
from api.domain.judge0.config import Judge0Config
from api.domain.judge0.encoding import decode64
from api.domain.judge0.languages import LANGUAGES
from judge_worker.contracts import INLINE_TESTS_MAX_BYTES

__all__ = ["PERMITTED", "Errors", "NewSubmission", "validate_submission"]

Errors = dict[str, list[str]]

PERMITTED: Final = (
    "source_code",
    "language_id",
    "compiler_options",
    "command_line_arguments",
    "number_of_runs",
    "stdin",
    "expected_output",
    "cpu_time_limit",
    "cpu_extra_time",
    "wall_time_limit",
    "memory_limit",
    "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit",
    "max_file_size",
    "redirect_stderr_to_stdout",
    "callback_url",
    "additional_files",
    "enable_network",
)

_MAX_OPTIONS_LENGTH: Final = 512
_INTEGER: Final = re.compile(r"\A[+-]?\d+\Z")
_FLOAT: Final = re.compile(r"\A\s*[+-]?(?:\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?\s*\Z")
_LEADING_INT: Final = re.compile(r"\A\s*([+-]?\d+(?:_\d+)*)")
_FALSE_WORDS: Final = frozenset({"0", "f", "F", "false", "FALSE", "off", "OFF"})


class NewSubmission(msgspec.Struct, frozen=True, kw_only=True):
    language_id: int
    source_code: bytes
    stdin: bytes | None
    expected_output: bytes | None
    number_of_runs: int
    cpu_time_limit: float
    cpu_extra_time: float
    wall_time_limit: float
    memory_limit: int
    stack_limit: int
    max_processes_and_or_threads: int
    enable_per_process_and_thread_time_limit: bool
    enable_per_process_and_thread_memory_limit: bool
    max_file_size: int
    redirect_stderr_to_stdout: bool
    enable_network: bool
    callback_url: str | None


class _Absent:
    pass


_ABSENT: Final = _Absent()


def _scalar(value: Any) -> Any:
    """What Rails' strong parameters keep: scalars; arrays and objects are dropped (as if absent)."""
    if isinstance(value, list | dict):
        return None
    return value


def _to_s(value: Any) -> str | None:
    """Ruby's ``to_s`` of a permitted scalar (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _blank(value: str | bytes | None) -> bool:
    if value is None:
        return True
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return not text.strip()


def _to_i(value: Any) -> int | None:
    """ActiveRecord's integer cast: ``"71"`` and ``71.9`` are 71, ``"abc"`` is 0, ``""`` and ``null`` are nil."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    text = str(value)
    if not text:
        return None
    match = _LEADING_INT.match(text)
    return int(match.group(1).replace("_", "")) if match else 0


def _to_bool(value: Any) -> bool | None:
    """ActiveModel's boolean cast: ``""``/``null`` are nil; ``false``, ``0``, ``"0"``, ``"f"``, ``"off"``... false."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value) not in _FALSE_WORDS


def _number(value: Any) -> float | _Absent | None:
    """Rails' numericality parse of the raw value: ``_ABSENT`` for null/empty (the default applies), ``None`` when it
    is not a number."""
    if value is None or value == "":
        return _ABSENT
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    if _INTEGER.match(text):
        return float(int(text))
    if text.lstrip().startswith(("0x", "0X")) or not _FLOAT.match(text):
        return None
    return float(text.replace("_", ""))


def _bound(value: float) -> str:
    """A bound as Ruby prints it: ``15.0`` for a float setting, ``512000`` for an integer one."""
    return repr(value) if isinstance(value, float) else str(value)


class _Checker:
    def __init__(self) -> None:
        self.errors: Errors = {}

    def add(self, attribute: str, message: str) -> None:
        self.errors.setdefault(attribute, []).append(message)

    def number(
        self,
        attribute: str,
        raw: Any,
        default: float,
        *,
        greater_than: float | None = None,
        at_least: float | None = None,
        at_most: float,
    ) -> float:
        parsed = _number(raw)
        if isinstance(parsed, _Absent):
            return default
        if parsed is None:
            self.add(attribute, "is not a number")
            return default
        if greater_than is not None and not parsed > greater_than:
            self.add(attribute, f"must be greater than {_bound(greater_than)}")
        if at_least is not None and not parsed >= at_least:
            self.add(attribute, f"must be greater than or equal to {_bound(at_least)}")
        if not parsed <= at_most:
            self.add(attribute, f"must be less than or equal to {_bound(at_most)}")
        return parsed


def _text(raw: Any, *, base64_encoded: bool) -> bytes | None:
    text = _to_s(raw)
    if text is None:
        return None
    if base64_encoded:
        return decode64(text)
    return text.encode("utf-8", "surrogatepass")


def validate_submission(
    params: Mapping[str, Any], *, base64_encoded: bool, config: Judge0Config, active: frozenset[int]
) -> NewSubmission | Errors:
    """A valid submission, or the errors Judge0 would answer with (``422``)."""
    raw = {name: _scalar(params.get(name)) for name in PERMITTED}
    info = config.info
    check = _Checker()

    source_code = _text(raw["source_code"], base64_encoded=base64_encoded)
    stdin = _text(raw["stdin"], base64_encoded=base64_encoded)
    expected_output = _text(raw["expected_output"], base64_encoded=base64_encoded)
    additional_files = decode64(_to_s(raw["additional_files"]))
    language_id = _to_i(raw["language_id"])
    compiler_options = _to_s(raw["compiler_options"])
    command_line_arguments = _to_s(raw["command_line_arguments"])
    callback_url = _to_s(raw["callback_url"])

    if _blank(source_code):
        check.add("source_code", "can't be blank")
    if language_id is None:
        check.add("language_id", "can't be blank")
    number_of_runs = check.number(
        "number_of_runs", raw["number_of_runs"], info.number_of_runs, greater_than=0, at_most=info.max_number_of_runs
    )
    cpu_time_limit = check.number(
        "cpu_time_limit", raw["cpu_time_limit"], info.cpu_time_limit, at_least=0, at_most=info.max_cpu_time_limit
    )
    cpu_extra_time = check.number(
        "cpu_extra_time", raw["cpu_extra_time"], info.cpu_extra_time, at_least=0, at_most=info.max_cpu_extra_time
    )
    wall_time_limit = check.number(
        "wall_time_limit", raw["wall_time_limit"], info.wall_time_limit, at_least=1, at_most=info.max_wall_time_limit
    )
    memory_limit = check.number(
        "memory_limit", raw["memory_limit"], info.memory_limit, at_least=2048, at_most=info.max_memory_limit
    )
    stack_limit = check.number(
        "stack_limit", raw["stack_limit"], info.stack_limit, at_least=0, at_most=info.max_stack_limit
    )
    max_processes = check.number(
        "max_processes_and_or_threads",
        raw["max_processes_and_or_threads"],
        info.max_processes_and_or_threads,
        greater_than=0,
        at_most=info.max_max_processes_and_or_threads,
    )
    per_process_time = _to_bool(raw["enable_per_process_and_thread_time_limit"])
    if per_process_time is None:
        per_process_time = info.enable_per_process_and_thread_time_limit
    if per_process_time and not info.allow_enable_per_process_and_thread_time_limit:
        check.add("enable_per_process_and_thread_time_limit", "this option cannot be enabled")
    per_process_memory = _to_bool(raw["enable_per_process_and_thread_memory_limit"])
    if per_process_memory is None:
        per_process_memory = info.enable_per_process_and_thread_memory_limit
    if per_process_memory and not info.allow_enable_per_process_and_thread_memory_limit:
        check.add("enable_per_process_and_thread_memory_limit", "this option cannot be enabled")
    max_file_size = check.number(
        "max_file_size", raw["max_file_size"], info.max_file_size, at_least=0, at_most=info.max_max_file_size
    )
    for name, value in (("compiler_options", compiler_options), ("command_line_arguments", command_line_arguments)):
        if value is not None and len(value) > _MAX_OPTIONS_LENGTH:
            check.add(name, f"is too long (maximum is {_MAX_OPTIONS_LENGTH} characters)")

    if language_id is None or language_id not in LANGUAGES:
        shown = "" if language_id is None else str(language_id)
        check.add("language_id", f"language with id {shown} doesn't exist")
    elif language_id not in active:
        check.add("language_id", f"language with id {language_id} is archived and cannot be used anymore")
    if not _blank(compiler_options) and not info.enable_compiler_options:
        check.add("compiler_options", "setting compiler options is not allowed")
    if not _blank(command_line_arguments) and not info.enable_command_line_arguments:
        check.add("command_line_arguments", "setting command line arguments is not allowed")
    if not _blank(callback_url):
        if not info.enable_callbacks:
            check.add("callback_url", "setting callback is not allowed")
        else:
            problem = callback_url_problem(callback_url or "", config.callback_allowed_hosts)
            if problem is not None:
                check.add("callback_url", problem)
    if not _blank(additional_files) and not info.enable_additional_files:
        check.add("additional_files", "setting additional files is not allowed")
    enable_network = _to_bool(raw["enable_network"])
    if enable_network is None:
        enable_network = info.enable_network
    if enable_network and not info.allow_enable_network:
        check.add("enable_network", "enabling network is not allowed")

    for name, data, cap in (
        ("source_code", source_code, config.max_source_bytes),
        ("stdin", stdin, config.max_stdin_bytes),
        ("expected_output", expected_output, config.max_stdin_bytes),
    ):
        if data is not None and len(data) > cap:
            check.add(name, f"is too long (maximum is {cap} bytes)")

    inline = (len(stdin or b"") + len(expected_output or b"")) * max(1, int(number_of_runs))
    if "stdin" not in check.errors and inline > INLINE_TESTS_MAX_BYTES:
        check.add(
            "stdin",
            f"is too long (stdin and expected_output, times number_of_runs, may total {INLINE_TESTS_MAX_BYTES} bytes)",
        )

    if check.errors:
        return check.errors
    redirect = _to_bool(raw["redirect_stderr_to_stdout"])
    return NewSubmission(
        language_id=language_id or 0,
        source_code=source_code or b"",
        stdin=stdin,
        expected_output=expected_output,
        number_of_runs=int(number_of_runs),
        cpu_time_limit=cpu_time_limit,
        cpu_extra_time=cpu_extra_time,
        wall_time_limit=wall_time_limit,
        memory_limit=int(memory_limit),
        stack_limit=int(stack_limit),
        max_processes_and_or_threads=int(max_processes),
        enable_per_process_and_thread_time_limit=per_process_time,
        enable_per_process_and_thread_memory_limit=per_process_memory,
        max_file_size=int(max_file_size),
        redirect_stderr_to_stdout=info.redirect_stderr_to_stdout if redirect is None else redirect,
        enable_network=enable_network,
        callback_url=None if _blank(callback_url) else (callback_url or "").strip(),
    )
