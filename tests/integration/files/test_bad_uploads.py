"""Hostile uploads on both storage back ends: each gets a clear 4xx and leaves nothing behind (no row, no stored
object, no temporary file)."""

from __future__ import annotations

import io
import stat
import zipfile

from litestar import Litestar

from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client
from tests.integration.files.support import remember_course, stored_nothing, upload


def _zip(members: dict[str, bytes], *, modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            zf.writestr(info, data)
    return buffer.getvalue()


BAD_NAMES: list[tuple[str, str]] = [
    ("../evil.py", "'..' is not allowed"),
    ("..", "'..' is not allowed"),
    ("a/b.py", "cannot contain / or \\"),
    ("a\\b.py", "cannot contain / or \\"),
    ("bad\x01name.py", "control characters"),
    ("new\nline.py", "control characters"),
    ("\u202eyp.exe", "control characters"),  # right-to-left override: hides the real extension
    ("-rf.py", "cannot start with '-'"),
    ("x" * 300 + ".py", "longer than 255 bytes"),
]


async def test_unusable_names_are_refused(client: Client, cast: Cast, app: Litestar, settings: Settings) -> None:
    remember_course(cast)
    for name, reason in BAD_NAMES:
        resp = await upload(client, cast.student, name, b"print(1)\n", purpose="submission_source")
        assert resp.status_code == 400, (name, resp.text)
        assert reason in resp.json()["detail"], name
    assert await stored_nothing(app, settings)


async def test_an_oversized_file_is_refused_while_streaming(
    client: Client, cast: Cast, app: Litestar, settings: Settings
) -> None:
    remember_course(cast)

    # Refused on the bytes actually read (the Content-Length is only a hint): see tests/unit/files/test_uploads.py
    # for the stream being left unread past the cap.
    exact = await upload(client, cast.instructor, "big.bin", b"x" * 4097, purpose="attachment")
    assert exact.status_code == 413, exact.text
    assert "over the limit of 4096 bytes per file" in exact.json()["detail"]
    assert (await upload(client, cast.instructor, "fits.bin", b"x" * 4096, purpose="attachment")).status_code == 201
    declared = await upload(client, cast.instructor, "big.bin", b"x" * 5000, purpose="attachment")
    assert declared.status_code == 413  # refused on its Content-Length, before reading
    assert await stored_nothing(app, settings, allow=1)


async def test_a_quota_exceeded_is_refused_and_says_which(
    client: Client, cast: Cast, app: Litestar, settings: Settings
) -> None:
    remember_course(cast)
    for index in range(3):
        ok = await upload(client, cast.instructor, f"part{index}.dat", b"d" * 4000, purpose="attachment")
        assert ok.status_code == 201, ok.text
    over = await upload(client, cast.instructor, "part3.dat", b"d" * 1000, purpose="attachment")
    assert over.status_code == 413
    assert "your quota of 12288 bytes in this course" in over.json()["detail"]
    assert "288 bytes are left" in over.json()["detail"]
    assert await stored_nothing(app, settings, allow=3)


BAD_ZIPS: dict[str, tuple[bytes, str]] = {
    "zip-slip": (_zip({"../../evil.py": b"print(1)"}), "'..' is not allowed in paths"),
    "absolute": (_zip({"/etc/cron.d/x.py": b"print(1)"}), "absolute paths are not allowed"),
    "symlink": (_zip({"link.py": b"/etc/passwd"}, modes={"link.py": stat.S_IFLNK | 0o777}), "a symbolic link"),
    "device": (_zip({"tty.py": b""}, modes={"tty.py": stat.S_IFCHR | 0o666}), "a link or device file"),
    "bomb": (_zip({"zeros.py": b"\0" * (2 * 1024 * 1024)}), "over the 4096-byte cap"),  # a bomb: 2 MiB from ~2 KiB
    "nested": (_zip({"a.py": b"1", "deep/er/b.py": b"2"}), "not in folders"),
    "extension": (_zip({"main.py": b"1", "notes.exe": b"MZ"}), "not accepted here"),
    "damaged": (b"PK\x03\x04 this is no zip", "not a valid zip archive"),
}


async def test_unsafe_zips_are_refused_before_anything_is_extracted_or_stored(
    client: Client, cast: Cast, app: Litestar, settings: Settings
) -> None:
    remember_course(cast)
    for what, (archive, reason) in BAD_ZIPS.items():
        resp = await upload(client, cast.student, "program.zip", archive, purpose="submission_source", unzip="true")
        assert resp.status_code == 400, (what, resp.text)
        assert reason in resp.json()["detail"], what
    assert await stored_nothing(app, settings)


async def test_a_good_zip_is_unpacked_into_its_files(
    client: Client, cast: Cast, app: Litestar, settings: Settings
) -> None:
    remember_course(cast)
    archive = _zip({"prog/": b"", "prog/main.py": b"import util\n", "prog/util.py": b"X = 1\n"})
    resp = await upload(client, cast.student, "program.zip", archive, purpose="submission_source", unzip="true")
    assert resp.status_code == 201, resp.text
    assert sorted((f["name"], f["size"]) for f in resp.json()["files"]) == [("main.py", 12), ("util.py", 6)]
    assert await stored_nothing(app, settings, allow=2)
