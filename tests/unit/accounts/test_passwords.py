from __future__ import annotations

import pytest

from api.domain.accounts.passwords import MIN_PASSWORD_LENGTH, is_common_password, password_problems


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "Password2024!",
        "!!monkey123",
        "qwertyuiop",
        "1234567890",
        "123456789012",
        "0987654321",
        "abcdefghijkl",
        "zyxwvutsrqpo",
        "1qaz2wsx3edc",
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "ILOVEYOU123",
        "correcthorsebatterystaple",
    ],
)
def test_common_and_patterned_passwords_are_caught(password: str) -> None:
    assert is_common_password(password)


@pytest.mark.parametrize(
    "password", ["correct horse battery", "purple monkey dishwasher", "Tr0ub4dor&3-ish but longer", "x7#Lq9!vRw2m"]
)
def test_uncommon_passwords_pass(password: str) -> None:
    assert not is_common_password(password)
    assert password_problems(password) == []


def test_every_problem_is_named() -> None:
    assert password_problems("short") == [
        f"use at least {MIN_PASSWORD_LENGTH} characters (this one has 5); "
        "a few unrelated words make a password that is long and easy to remember"
    ]
    assert password_problems("x" * 257) == ["use at most 256 characters"]
    problems = password_problems("grace hopper grace!", email="grace@example.com", display_name="Grace Hopper")
    assert problems == ["do not use your e-mail address in your password", "do not use your name in your password"]


def test_short_local_parts_and_names_do_not_trip_the_check() -> None:
    assert password_problems("al and bo sail far away", email="al@example.com", display_name="Bo") == []


def test_the_list_file_has_no_duplicates_and_is_lower_case() -> None:
    from api.domain.accounts.passwords import _COMMON_FILE

    entries = [line for line in _COMMON_FILE.read_text().splitlines() if line and not line.startswith("#")]
    assert len(entries) == len(set(entries)) > 300
    assert all(entry == entry.lower() and entry.strip() == entry for entry in entries)
