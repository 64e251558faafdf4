"""The rules behind issue 22's first items: one source of language names and order, one time/memory formatter, and
validation errors that state a pattern's rule in words."""

from __future__ import annotations

import msgspec
import pytest

from api.domain.problems.languages import VERDICT_LANGUAGES, in_platform_order, language_name
from api.domain.problems.schemas import SLUG_RULE, ProblemCreate
from api.pages.filters import format_memory, format_ms


def test_languages_are_named_and_ordered_by_the_platform_not_the_alphabet() -> None:
    assert language_name("python3") == "Python 3"
    assert language_name("cpp17") == "C++17"
    assert language_name("javascript") == "JavaScript (Node.js)"
    assert language_name("cobol") == "cobol"  # unknown ids are shown as they are
    assert in_platform_order(["rust", "java", "cpp17", "c", "python3", "java"]) == [
        "python3",
        "c",
        "cpp17",
        "java",
        "rust",
    ]
    assert in_platform_order(["zig", "python3", "ada"]) == ["python3", "ada", "zig"]  # unlisted last, by id
    assert VERDICT_LANGUAGES[0] == "python3"  # the default language of a new problem
    assert list(VERDICT_LANGUAGES) == in_platform_order(VERDICT_LANGUAGES)


def test_memory_always_in_mib_and_times_with_thousands_separators() -> None:
    assert format_memory(512) == "0.5 MiB"
    assert format_memory(3_900) == "3.8 MiB"
    assert format_memory(2_097_152) == "2,048.0 MiB"  # never switches to GiB inside a table
    assert format_memory(None) == "—"
    assert format_memory(0) == "—"
    assert format_ms(9) == "9 ms"
    assert format_ms(12_345) == "12,345 ms"
    assert format_ms(None) == "—"


def test_a_bad_slug_is_rejected_with_its_rule_available_in_words() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"slug": "Two Sum!", "title": "Two sum"}, ProblemCreate)
    assert "lower-case letters, digits and dashes" in SLUG_RULE
