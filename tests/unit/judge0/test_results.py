"""From what the judge recorded to Judge0's status, output, time and memory; statuses; value formats."""

from __future__ import annotations

import signal
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from api.db import models as m
from api.domain.judge0.config import ConfigInfo
from api.domain.judge0.fields import ALL_FIELDS
from api.domain.judge0.languages import LANGUAGES, active_ids, default_verdict_languages
from api.domain.judge0.present import NotUtf8Error, format_time, present
from api.domain.judge0.results import Judge0Result, derive_result, format_seconds
from api.domain.judge0.statuses import STATUSES, Status, runtime_error_status, verdict_status
from judge_worker.contracts import CaseResult, Verdict

FINISHED = datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


def case(verdict: Verdict, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.to_builtins(CaseResult(index=0, verdict=verdict, **kwargs))
    return result


def derive(verdict: str | None, cases: list[dict[str, Any]], *, state: str = "done", **kwargs: Any) -> Judge0Result:
    options: dict[str, Any] = {
        "processing": False,
        "compile_output": "",
        "message": "",
        "finished_at": FINISHED,
        "cpu_limit_ms": 5000,
        "wall_limit_ms": 10000,
    }
    options.update(kwargs)
    return derive_result(state=state, verdict=verdict, cases=cases, **options)


def test_the_fourteen_statuses_as_judge0_names_them() -> None:
    assert [(s.id, s.description) for s in STATUSES] == [
        (1, "In Queue"),
        (2, "Processing"),
        (3, "Accepted"),
        (4, "Wrong Answer"),
        (5, "Time Limit Exceeded"),
        (6, "Compilation Error"),
        (7, "Runtime Error (SIGSEGV)"),
        (8, "Runtime Error (SIGXFSZ)"),
        (9, "Runtime Error (SIGFPE)"),
        (10, "Runtime Error (SIGABRT)"),
        (11, "Runtime Error (NZEC)"),
        (12, "Runtime Error (Other)"),
        (13, "Internal Error"),
        (14, "Exec Format Error"),
    ]


@pytest.mark.parametrize(
    ("sig", "status"),
    [
        (signal.SIGSEGV, Status.RUNTIME_ERROR_SIGSEGV),
        (signal.SIGXFSZ, Status.RUNTIME_ERROR_SIGXFSZ),
        (signal.SIGFPE, Status.RUNTIME_ERROR_SIGFPE),
        (signal.SIGABRT, Status.RUNTIME_ERROR_SIGABRT),
        (signal.SIGKILL, Status.RUNTIME_ERROR_OTHER),
        (signal.SIGBUS, Status.RUNTIME_ERROR_OTHER),
        (None, Status.RUNTIME_ERROR_NZEC),
    ],
)
def test_signal_to_status(sig: int | None, status: Status) -> None:
    assert runtime_error_status(sig) is status
    assert verdict_status(Verdict.RTE, sig) is status


@pytest.mark.parametrize(
    ("verdict", "status"),
    [
        (Verdict.AC, Status.ACCEPTED),
        (Verdict.WA, Status.WRONG_ANSWER),
        (Verdict.TLE, Status.TIME_LIMIT_EXCEEDED),
        (Verdict.CE, Status.COMPILATION_ERROR),
        (Verdict.MLE, Status.RUNTIME_ERROR_OTHER),
        (Verdict.OLE, Status.RUNTIME_ERROR_SIGXFSZ),
        (Verdict.IE, Status.INTERNAL_ERROR),
    ],
)
def test_verdict_to_status(verdict: Verdict, status: Status) -> None:
    assert verdict_status(verdict) is status


def test_waiting_and_judging() -> None:
    assert derive(None, [], state="queued").status is Status.IN_QUEUE
    assert derive(None, [], state="queued", processing=True).status is Status.PROCESSING
    assert derive(None, [], state="judging").status is Status.PROCESSING
    assert derive(None, [], state="queued").finished_at is None


def test_accepted_run_carries_output_time_and_memory() -> None:
    result = derive("AC", [case(Verdict.AC, stdout="hello\n", cpu_ms=12, wall_ms=30, memory_kib=3400, exit_code=0)])
    assert result.status is Status.ACCEPTED
    assert result.stdout == b"hello\n"
    assert result.stderr is None
    assert result.time == Decimal("0.012")
    assert result.wall_time == Decimal("0.030")
    assert result.memory == 3400
    assert result.exit_code == 0
    assert result.exit_signal is None
    assert result.message is None
    assert result.finished_at == FINISHED


def test_runs_are_averaged_and_the_first_failing_run_decides() -> None:
    runs = [
        case(Verdict.AC, stdout="1\n", cpu_ms=10, wall_ms=20, memory_kib=1000),
        case(Verdict.WA, stdout="2\n", cpu_ms=20, wall_ms=40, memory_kib=2001),
        case(Verdict.AC, skipped=True),
    ]
    result = derive("WA", runs)
    assert result.status is Status.WRONG_ANSWER
    assert result.stdout == b"2\n"
    assert result.time == Decimal("0.015")
    assert result.memory == 1500


@pytest.mark.parametrize(
    ("run", "status", "message", "exit_code", "exit_signal"),
    [
        (case(Verdict.RTE, exit_code=3), Status.RUNTIME_ERROR_NZEC, "Exited with error status 3", 3, None),
        (case(Verdict.RTE, signal=11), Status.RUNTIME_ERROR_SIGSEGV, "Caught fatal signal 11", 0, 11),
        (case(Verdict.RTE, signal=8), Status.RUNTIME_ERROR_SIGFPE, "Caught fatal signal 8", 0, 8),
        (case(Verdict.TLE, cpu_ms=5001, wall_ms=5100), Status.TIME_LIMIT_EXCEEDED, "Time limit exceeded", 0, None),
        (
            case(Verdict.TLE, cpu_ms=1, wall_ms=10000),
            Status.TIME_LIMIT_EXCEEDED,
            "Time limit exceeded (wall clock)",
            0,
            None,
        ),
        (case(Verdict.MLE, signal=9), Status.RUNTIME_ERROR_OTHER, "Memory limit exceeded", 0, 9),
        (case(Verdict.OLE), Status.RUNTIME_ERROR_SIGXFSZ, "Output limit exceeded", 0, None),
    ],
)
def test_failures_say_what_happened(
    run: dict[str, Any], status: Status, message: str, exit_code: int, exit_signal: int | None
) -> None:
    result = derive(run["verdict"], [run])
    assert (result.status, result.message, result.exit_code, result.exit_signal) == (
        status,
        message,
        exit_code,
        exit_signal,
    )


def test_compilation_error_has_only_the_compiler_output() -> None:
    result = derive("CE", [], compile_output="main.c:1: error\n")
    assert result.status is Status.COMPILATION_ERROR
    assert result.compile_output == b"main.c:1: error\n"
    assert result.stdout is None
    assert result.time is None
    assert result.memory is None


def test_internal_error_before_any_run_keeps_the_reason() -> None:
    result = derive("IE", [], message="the sandbox failed")
    assert result.status is Status.INTERNAL_ERROR
    assert result.message == "the sandbox failed"


def test_redirecting_stderr_appends_it_to_stdout() -> None:
    result = derive("AC", [case(Verdict.AC, stdout="out\n", stderr="err\n")], redirect_stderr_to_stdout=True)
    assert result.stdout == b"out\nerr\n"
    assert result.stderr is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("0.012"), "0.012"), (Decimal("1.000"), "1.0"), (Decimal("0.000"), "0.0"), (5.0, "5.0"), (0.5, "0.5")],
)
def test_seconds_print_like_a_rails_decimal(value: Decimal | float, text: str) -> None:
    assert format_seconds(value) == text


def test_times_print_with_milliseconds_in_utc() -> None:
    assert format_time(FINISHED) == "2024-01-01T12:00:00.123Z"
    assert format_time(None) is None


def _row(**kwargs: Any) -> m.Judge0Submission:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "token": uuid.UUID("d85cd024-1548-4165-96c7-7bc88673f194"),
        "owner_id": uuid.uuid4(),
        "submission_id": uuid.uuid4(),
        "language_id": 71,
        "source_code": b'print("hi")',
        "stdin": None,
        "expected_output": None,
        "number_of_runs": 1,
        "cpu_time_limit": 5.0,
        "cpu_extra_time": 1.0,
        "wall_time_limit": 10.0,
        "memory_limit": 128000,
        "stack_limit": 64000,
        "max_processes_and_or_threads": 60,
        "enable_per_process_and_thread_time_limit": False,
        "enable_per_process_and_thread_memory_limit": False,
        "max_file_size": 1024,
        "redirect_stderr_to_stdout": False,
        "enable_network": False,
        "callback_url": None,
        "created_at": FINISHED,
    }
    values.update(kwargs)
    return m.Judge0Submission(**values)


def test_every_field_in_judge0s_formats() -> None:
    result = derive("AC", [case(Verdict.AC, stdout="hi\n", cpu_ms=12, wall_ms=20, memory_kib=380)])
    body = present(_row(), result, fields=ALL_FIELDS, base64_encoded=False)
    assert list(body) == list(ALL_FIELDS)
    assert body["token"] == "d85cd024-1548-4165-96c7-7bc88673f194"
    assert body["status"] == {"id": 3, "description": "Accepted"}
    assert body["status_id"] == 3
    assert body["language"] == {"id": 71, "name": LANGUAGES[71].name}
    assert body["language_id"] == 71
    assert (body["time"], body["wall_time"], body["memory"]) == ("0.012", "0.02", 380)
    assert (body["cpu_time_limit"], body["cpu_extra_time"], body["wall_time_limit"]) == ("5.0", "1.0", "10.0")
    assert body["created_at"] == "2024-01-01T12:00:00.123Z"
    assert body["finished_at"] == "2024-01-01T12:00:00.123Z"
    assert body["stdout"] == "hi\n"
    assert body["source_code"] == 'print("hi")'
    assert body["compile_output"] is None
    assert body["message"] is None
    assert body["additional_files"] is None


def test_base64_applies_to_every_text_attribute_and_the_message() -> None:
    result = derive("RTE", [case(Verdict.RTE, stdout="x", stderr="boom\n", exit_code=1)])
    body = present(_row(), result, fields=ALL_FIELDS, base64_encoded=True)
    assert body["stdout"] == "eA==\n"
    assert body["stderr"] == "Ym9vbQo=\n"
    assert body["source_code"] == "cHJpbnQoImhpIik=\n"
    assert body["message"] == "RXhpdGVkIHdpdGggZXJyb3Igc3RhdHVzIDE=\n"  # Judge0's own example


def test_output_that_was_not_utf8_needs_base64() -> None:
    # The fleet hands over the program's own bytes next to the escaped text: Base64 carries them unchanged.
    result = derive("AC", [case(Verdict.AC, stdout="\\xff\n", stdout_bytes=b"\xff\n")])
    with pytest.raises(NotUtf8Error):
        present(_row(), result, fields=("stdout",), base64_encoded=False)
    assert present(_row(), result, fields=("stdout",), base64_encoded=True) == {"stdout": "/wo=\n"}
    assert present(_row(), result, fields=("token",), base64_encoded=False)  # not asked for, no problem
    with pytest.raises(NotUtf8Error):
        present(_row(source_code=b"\xff"), result, fields=("source_code",), base64_encoded=False)


def test_config_info_has_exactly_judge0_1_13_1s_keys_in_order() -> None:
    keys = list(msgspec.to_builtins(ConfigInfo()))
    assert keys == [
        "maintenance_mode",
        "enable_wait_result",
        "enable_compiler_options",
        "allowed_languages_for_compile_options",
        "enable_command_line_arguments",
        "enable_submission_delete",
        "enable_callbacks",
        "callbacks_max_tries",
        "callbacks_timeout",
        "enable_additional_files",
        "max_queue_size",
        "cpu_time_limit",
        "max_cpu_time_limit",
        "cpu_extra_time",
        "max_cpu_extra_time",
        "wall_time_limit",
        "max_wall_time_limit",
        "memory_limit",
        "max_memory_limit",
        "stack_limit",
        "max_stack_limit",
        "max_processes_and_or_threads",
        "max_max_processes_and_or_threads",
        "enable_per_process_and_thread_time_limit",
        "allow_enable_per_process_and_thread_time_limit",
        "enable_per_process_and_thread_memory_limit",
        "allow_enable_per_process_and_thread_memory_limit",
        "max_file_size",
        "max_max_file_size",
        "number_of_runs",
        "max_number_of_runs",
        "redirect_stderr_to_stdout",
        "max_extract_size",
        "enable_batched_submissions",
        "max_submission_batch_size",
        "submission_cache_duration",
        "use_docs_as_homepage",
        "allow_enable_network",
        "enable_network",
    ]


def test_language_ids_are_judge0_ce_1_13_1s() -> None:
    expected = {
        **{50: "c", 52: "cpp17", 54: "cpp17", 60: "go", 62: "java", 63: "javascript", 71: "python3", 72: "ruby"},
        **{73: "rust", 51: "csharp", 78: "kotlin"},
    }
    assert {lang.id: lang.verdict_language for lang in LANGUAGES.values()} == expected
    assert LANGUAGES[62].source_file == "Main.java"


def test_active_languages_follow_the_fleet_or_the_configuration() -> None:
    configured = default_verdict_languages()
    assert active_ids(configured, None) == frozenset(LANGUAGES)  # no worker up: everything configured
    assert active_ids(configured, ["python3", "c"]) == frozenset({71, 50})
    assert active_ids(["python3"], ["python3", "c"]) == frozenset({71})
    assert active_ids(configured, []) == frozenset()
