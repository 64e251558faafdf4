"""Streaming uploads stop at the cap: the body is not read further, and the names rule holds as a table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.domain.files.names import FileNameError, check_extension, check_name, normalise_extensions
from api.domain.files.services import FileService, PayloadTooLargeError
from api.domain.files.storage import LocalStorage
from api.settings import Settings


async def test_the_stream_is_left_unread_past_the_cap(tmp_path: Path) -> None:
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        for _ in range(100):
            read += 1
            yield b"x" * 1024

    service = FileService(None, LocalStorage(tmp_path / "files"), Settings())  # type: ignore[arg-type]
    with pytest.raises(PayloadTooLargeError, match="too big"):
        await service._spool(body(), tmp_path / "upload", 4096, lambda size: f"too big at {size}")
    assert read == 5  # the fifth KiB crossed the cap; the other 95 were never asked for


@pytest.mark.parametrize("name", ["main.py", "Über.txt", "report v2.pdf", "a.b.c", ".gitignore"])
def test_plain_names_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", " ", "..", "a..b", "../x", "a/b", "a\\b", "a\x00b", "a\tb", "\u200bzero", "-x", "x "]
)
def test_unusable_names_are_refused(name: str) -> None:
    with pytest.raises(FileNameError):
        check_name(name)


def test_extensions_compare_without_case_or_dots() -> None:
    allowed = normalise_extensions(["PDF", ".txt", " "])
    assert allowed == frozenset({".pdf", ".txt"})
    check_extension("Report.PDF", allowed)
    with pytest.raises(FileNameError, match=r"use \.pdf, \.txt"):
        check_extension("report.docx", allowed)
    check_extension("anything.bin", None)
