"""Base64 the way Judge0 (Ruby) writes and reads it, and the ``fields`` parameter."""

from __future__ import annotations

import base64

import pytest

from api.domain.judge0.encoding import decode64, encode64
from api.domain.judge0.fields import ALL_FIELDS, DEFAULT_FIELDS, parse_fields


@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"hello, Judge0\n", "aGVsbG8sIEp1ZGdlMAo=\n"),  # the example in Judge0's documentation
        (b"", ""),
        (b"a", "YQ==\n"),
        (b"x" * 45, "eHh4" * 15 + "\n"),  # 45 bytes fill one 60-character line exactly
        (b"x" * 46, "eHh4" * 15 + "\neA==\n"),
    ],
)
def test_encode64_breaks_lines_every_60_characters_like_ruby(data: bytes, encoded: str) -> None:
    assert encode64(data) == encoded


def test_encode64_keeps_none() -> None:
    assert encode64(None) is None
    assert decode64(None) is None


@pytest.mark.parametrize(
    "data", [b"", b"\x00\xff\xfe", "h\u00e9llo w\u00f6rld \u2603\n".encode(), bytes(range(256)) * 3]
)
def test_decode64_inverts_encode64_and_standard_base64(data: bytes) -> None:
    assert decode64(encode64(data)) == data
    assert decode64(base64.b64encode(data).decode()) == data


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("!!!!", b""),  # nothing in the alphabet: nothing at all (then "can't be blank")
        ("aGVs bG8=", b"hello"),  # characters outside the alphabet are skipped
        ("aGVsbG8", b"hello"),  # missing padding: the partial group still counts
        ("aGVsbG8=trailing", b"hello"),  # padding ends the input
        ("aGVs\nbG8=\n", b"hello"),
        ("YQ", b"a"),
        ("Y", b""),  # a lone character is no byte
        ("=YQ==", b"a"),  # padding where a group starts is skipped
        ("aGVsbG8*", b"hello"),
    ],
)
def test_decode64_is_lenient_and_never_fails(text: str, decoded: bytes) -> None:
    assert decode64(text) == decoded


def test_fields_default_to_judge0s_eight_in_serialisation_order() -> None:
    selection = parse_fields(None)
    assert selection.fields == DEFAULT_FIELDS
    assert set(DEFAULT_FIELDS) == {"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"}
    assert parse_fields("").fields == DEFAULT_FIELDS
    assert selection.error is None


def test_star_means_every_attribute() -> None:
    selection = parse_fields("*")
    assert selection.fields == ALL_FIELDS
    assert len(ALL_FIELDS) == 35
    assert {"status_id", "language_id", "language", "status", "wall_time", "callback_url"} <= set(ALL_FIELDS)


def test_requested_fields_come_back_in_serialisation_order() -> None:
    assert parse_fields("status,stdout,language_id").fields == ("language_id", "stdout", "status")


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("stdout,nope", "invalid fields: [nope]"),
        ("a,b,stdout", "invalid fields: [a, b]"),
        ("stdout, time", "invalid fields: [ time]"),  # no trimming, as in Judge0
        ("stdout,,time", "invalid fields: []"),  # an empty name between commas is invalid
        ("*,bogus", "invalid fields: [bogus]"),
    ],
)
def test_unknown_fields_are_named_in_judge0s_words(raw: str, error: str) -> None:
    assert parse_fields(raw).error == error


def test_trailing_commas_are_ignored_like_rubys_split() -> None:
    assert parse_fields("stdout,,").error is None
    assert parse_fields("stdout,,").fields == ("stdout",)
