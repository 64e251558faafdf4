"""New submissions are read and refused the way Judge0 CE 1.13.1 (Rails) reads and refuses them."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from api.domain.judge0.config import ConfigInfo, Judge0Config
from api.domain.judge0.encoding import encode64
from api.domain.judge0.validation import NewSubmission, validate_submission

CONFIG = Judge0Config(languages=("python3", "c", "cpp17", "java", "javascript", "rust"))
ACTIVE = frozenset({50, 52, 54, 62, 63, 71, 73})
HELLO = 'print("hello")'


def check(params: dict[str, Any], *, base64_encoded: bool = False, config: Judge0Config = CONFIG) -> Any:
    return validate_submission(params, base64_encoded=base64_encoded, config=config, active=ACTIVE)


def accepted(params: dict[str, Any], **kwargs: Any) -> NewSubmission:
    result = check(params, **kwargs)
    assert isinstance(result, NewSubmission), result
    return result


def test_a_minimal_submission_gets_judge0s_defaults() -> None:
    data = accepted({"source_code": HELLO, "language_id": 71})
    assert data.source_code == HELLO.encode()
    assert data.stdin is None
    assert data.expected_output is None
    assert (data.cpu_time_limit, data.cpu_extra_time, data.wall_time_limit) == (5.0, 1.0, 10.0)
    assert (data.memory_limit, data.stack_limit, data.max_file_size) == (128000, 64000, 1024)
    assert (data.number_of_runs, data.max_processes_and_or_threads) == (1, 60)
    assert data.enable_network is False
    assert data.redirect_stderr_to_stdout is False
    assert data.callback_url is None


def test_missing_everything_reads_as_judge0s_answer() -> None:
    assert check({}) == {
        "source_code": ["can't be blank"],
        "language_id": ["can't be blank", "language with id  doesn't exist"],
    }


@pytest.mark.parametrize(
    ("language_id", "errors"),
    [
        (150000, {"language_id": ["language with id 150000 doesn't exist"]}),
        ("abc", {"language_id": ["language with id 0 doesn't exist"]}),  # Ruby's "abc".to_i
        (89, {"language_id": ["language with id 89 doesn't exist"]}),  # multi-file programs: not offered
        (60, {"language_id": ["language with id 60 is archived and cannot be used anymore"]}),  # Go: not active
    ],
)
def test_unknown_or_archived_language(language_id: Any, errors: dict[str, list[str]]) -> None:
    assert check({"source_code": HELLO, "language_id": language_id}) == errors


@pytest.mark.parametrize(("language_id", "expected"), [("71", 71), (71.9, 71), (" 71", 71)])
def test_language_id_is_cast_like_an_activerecord_integer(language_id: Any, expected: int) -> None:
    assert accepted({"source_code": HELLO, "language_id": language_id}).language_id == expected


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wall_time_limit", 100000, "must be less than or equal to 20.0"),
        ("wall_time_limit", 0.5, "must be greater than or equal to 1"),
        ("cpu_time_limit", 15.5, "must be less than or equal to 15.0"),
        ("cpu_time_limit", -1, "must be greater than or equal to 0"),
        ("cpu_extra_time", 6, "must be less than or equal to 5.0"),
        ("memory_limit", 2047, "must be greater than or equal to 2048"),
        ("memory_limit", 512001, "must be less than or equal to 512000"),
        ("stack_limit", 128001, "must be less than or equal to 128000"),
        ("max_processes_and_or_threads", 0, "must be greater than 0"),
        ("max_processes_and_or_threads", 121, "must be less than or equal to 120"),
        ("max_file_size", 4097, "must be less than or equal to 4096"),
        ("number_of_runs", 0, "must be greater than 0"),
        ("number_of_runs", 21, "must be less than or equal to 20"),
        ("cpu_time_limit", "abc", "is not a number"),
        ("memory_limit", "0x800", "is not a number"),  # Rails refuses hexadecimal literals
        ("number_of_runs", True, "is not a number"),
    ],
)
def test_limits_over_their_maxima_are_refused_with_rails_wording(field: str, value: Any, message: str) -> None:
    assert check({"source_code": HELLO, "language_id": 71, field: value}) == {field: [message]}


def test_limits_as_strings_and_nulls() -> None:
    data = accepted(
        {
            "source_code": HELLO,
            "language_id": 71,
            "cpu_time_limit": "2.5",
            "memory_limit": "65536.9",
            "wall_time_limit": None,
            "number_of_runs": "",
        }
    )
    assert data.cpu_time_limit == 2.5
    assert data.memory_limit == 65536  # an integer column keeps the integer part
    assert data.wall_time_limit == 10.0
    assert data.number_of_runs == 1


def test_several_errors_keep_judge0s_validation_order() -> None:
    errors = check({"language_id": 71, "memory_limit": 1, "number_of_runs": 99, "enable_network": True})
    assert list(errors) == ["source_code", "number_of_runs", "memory_limit", "enable_network"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("compiler_options", "-O3", "setting compiler options is not allowed"),
        ("command_line_arguments", "--fast", "setting command line arguments is not allowed"),
        ("additional_files", "UEsDBA==", "setting additional files is not allowed"),
        ("enable_network", True, "enabling network is not allowed"),
        ("enable_network", "1", "enabling network is not allowed"),
        ("enable_per_process_and_thread_time_limit", True, "this option cannot be enabled"),
        ("enable_per_process_and_thread_memory_limit", "true", "this option cannot be enabled"),
        ("callback_url", "https://example.com/hook", "setting callback is not allowed"),
        ("compiler_options", "x" * 513, "is too long (maximum is 512 characters)"),
    ],
)
def test_features_verdict_does_not_offer_are_refused_like_disabled_ones(field: str, value: Any, message: str) -> None:
    errors = check({"source_code": HELLO, "language_id": 71, field: value})
    assert message in errors[field]


@pytest.mark.parametrize("value", [False, "false", "0", "off", None, ""])
def test_switching_an_unoffered_feature_off_is_fine(value: Any) -> None:
    data = accepted({"source_code": HELLO, "language_id": 71, "enable_network": value, "compiler_options": ""})
    assert data.enable_network is False


def test_callback_urls_must_name_an_allow_listed_host() -> None:
    info = msgspec.structs.replace(CONFIG.info, enable_callbacks=True)
    config = msgspec.structs.replace(CONFIG, info=info, callback_allowed_hosts=("hooks.example.com", "10.0.0.0/8"))
    base = {"source_code": HELLO, "language_id": 71}
    ok = accepted({**base, "callback_url": "https://hooks.example.com/judge0"}, config=config)
    assert ok.callback_url == "https://hooks.example.com/judge0"
    assert accepted({**base, "callback_url": "http://10.1.2.3:8080/x"}, config=config).callback_url
    for url, message in [
        ("http://127.0.0.1/x", "host 127.0.0.1 is not in the callback allow-list"),
        ("https://evil.example.com/x", "host evil.example.com is not in the callback allow-list"),
        ("ftp://hooks.example.com/x", "must be an http:// or https:// URL with a host"),
        ("https://user:pw@hooks.example.com/", "must not carry credentials"),
    ]:
        assert check({**base, "callback_url": url}, config=config) == {"callback_url": [message]}


def test_base64_attributes_are_decoded_leniently() -> None:
    data = accepted(
        {"source_code": encode64(HELLO.encode()), "language_id": 71, "stdin": "SnVkZ2Uw", "expected_output": None},
        base64_encoded=True,
    )
    assert data.source_code == HELLO.encode()
    assert data.stdin == b"Judge0"
    # Invalid Base64 decodes to whatever its valid characters spell; here nothing, so the source is blank.
    assert check({"source_code": "!!!!", "language_id": 71}, base64_encoded=True) == {"source_code": ["can't be blank"]}


def test_without_base64_the_text_is_taken_as_is() -> None:
    data = accepted({"source_code": "aGVsbG8=", "language_id": 71, "stdin": "caf\u00e9"})
    assert data.source_code == b"aGVsbG8="
    assert data.stdin == "caf\u00e9".encode()


def test_non_scalar_values_are_dropped_like_rails_strong_parameters() -> None:
    assert check({"source_code": ["print(1)"], "language_id": {"id": 71}}) == {
        "source_code": ["can't be blank"],
        "language_id": ["can't be blank", "language with id  doesn't exist"],
    }


def test_verdicts_size_caps() -> None:
    config = msgspec.structs.replace(CONFIG, max_source_bytes=10, max_stdin_bytes=4)
    errors = check(
        {"source_code": "x" * 11, "language_id": 71, "stdin": "12345", "expected_output": "1234"}, config=config
    )
    assert errors == {
        "source_code": ["is too long (maximum is 10 bytes)"],
        "stdin": ["is too long (maximum is 4 bytes)"],
    }


def test_lowered_maxima_are_reported_as_configured() -> None:
    info = ConfigInfo(max_cpu_time_limit=2.0, cpu_time_limit=2.0)
    config = msgspec.structs.replace(CONFIG, info=info)
    assert check({"source_code": HELLO, "language_id": 71, "cpu_time_limit": 3}, config=config) == {
        "cpu_time_limit": ["must be less than or equal to 2.0"]
    }


def test_inline_tests_stay_under_the_judges_cap() -> None:
    from judge_worker.contracts import INLINE_TESTS_MAX_BYTES

    config = msgspec.structs.replace(CONFIG, max_stdin_bytes=INLINE_TESTS_MAX_BYTES)
    half = "x" * (INLINE_TESTS_MAX_BYTES // 4)
    base = {"source_code": HELLO, "language_id": 71, "stdin": half, "expected_output": half}
    assert isinstance(check({**base, "number_of_runs": 2}, config=config), NewSubmission)
    errors = check({**base, "number_of_runs": 3}, config=config)
    assert list(errors) == ["stdin"]
    assert "times number_of_runs" in errors["stdin"][0]
