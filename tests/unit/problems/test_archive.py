"""Archive safety: every unsafe archive is refused with a message naming the member, nothing leaks outside the
destination, and the caps are measured on what is actually decompressed."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from api.domain.problems.archive import ArchiveError, ArchiveLimits, extract_archive, normalise_member_name
from tests.packages import tar_gz, zip_bytes

LIMITS = ArchiveLimits(max_members=50, max_file_bytes=4 * 1024 * 1024, max_total_bytes=8 * 1024 * 1024, max_ratio=50)


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return path


def _extract(tmp_path: Path, data: bytes, limits: ArchiveLimits = LIMITS) -> list[str]:
    result = extract_archive(_write(tmp_path, data), tmp_path / "out", limits)
    return list(result.files)


def _zip_with(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return buffer.getvalue()


def _tar_with(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


@pytest.mark.parametrize("packer", [zip_bytes, tar_gz])
def test_a_plain_archive_is_extracted_with_its_files(tmp_path: Path, packer: object) -> None:
    files = {"problem.yaml": b"name: x\n", "data/secret/1.in": b"1\n", "data/secret/1.ans": b"1\n"}
    data = packer(files)  # type: ignore[operator]
    assert sorted(_extract(tmp_path, data)) == sorted(files)
    assert (tmp_path / "out" / "data/secret/1.in").read_bytes() == b"1\n"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("../evil.txt", "'..'"),
        ("data/../../evil.txt", "'..'"),
        ("C:/windows/evil.txt", "absolute"),
        ("data\\..\\evil.txt", "backslash"),
        ("a\x00b", "NUL"),
        ("bell\x07.txt", "control"),
    ],
)
def test_unsafe_names_are_refused(name: str, reason: str) -> None:
    with pytest.raises(ArchiveError, match=reason):
        normalise_member_name(name)


def test_names_are_normalised() -> None:
    assert normalise_member_name("./data//sample/1.in") == "data/sample/1.in"


@pytest.mark.parametrize("packer", [zip_bytes, tar_gz])
def test_path_traversal_is_refused_before_anything_is_written(tmp_path: Path, packer: object) -> None:
    data = packer({"problem.yaml": b"ok", "../../escaped.txt": b"owned"})  # type: ignore[operator]
    with pytest.raises(ArchiveError, match=r"'\.\.'"):
        _extract(tmp_path, data)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert list((tmp_path / "out").iterdir()) == []  # validated before extracting: nothing was written


def test_absolute_path_in_a_tar_is_refused(tmp_path: Path) -> None:
    info = tarfile.TarInfo("/tmp/verdict-owned")
    info.size = 2
    with pytest.raises(ArchiveError, match="absolute"):
        _extract(tmp_path, _tar_with([(info, b"hi")]))


def test_a_symlink_in_a_zip_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("data/secret/1.in")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(ArchiveError, match="symbolic link"):
        _extract(tmp_path, _zip_with([(zipfile.ZipInfo("problem.yaml"), b"x"), (link, b"/etc/shadow")]))


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_symlinks_and_hardlinks_in_a_tar_are_refused(tmp_path: Path, kind: bytes) -> None:
    link = tarfile.TarInfo("data/secret/1.in")
    link.type = kind
    link.linkname = "/etc/shadow" if kind == tarfile.SYMTYPE else "problem.yaml"
    yaml = tarfile.TarInfo("problem.yaml")
    yaml.size = 1
    with pytest.raises(ArchiveError, match="is a link"):
        _extract(tmp_path, _tar_with([(yaml, b"x"), (link, None)]))
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_device_files_in_a_tar_are_refused(tmp_path: Path, kind: bytes) -> None:
    device = tarfile.TarInfo("data/secret/dev")
    device.type = kind
    device.devmajor, device.devminor = 1, 3
    with pytest.raises(ArchiveError, match="device or special"):
        _extract(tmp_path, _tar_with([(device, None)]))


def test_a_device_file_in_a_zip_is_refused(tmp_path: Path) -> None:
    device = zipfile.ZipInfo("null")
    device.external_attr = (stat.S_IFCHR | 0o666) << 16
    with pytest.raises(ArchiveError, match="device"):
        _extract(tmp_path, _zip_with([(device, b"")]))


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    entries = [(zipfile.ZipInfo("problem.yaml"), b"a"), (zipfile.ZipInfo("./problem.yaml"), b"b")]
    with pytest.raises(ArchiveError, match="duplicate"):
        _extract(tmp_path, _zip_with(entries))


def test_duplicate_names_in_a_tar_are_refused(tmp_path: Path) -> None:
    first, second = tarfile.TarInfo("a.txt"), tarfile.TarInfo("a.txt")
    first.size = second.size = 1
    with pytest.raises(ArchiveError, match="duplicate"):
        _extract(tmp_path, _tar_with([(first, b"1"), (second, b"2")]))


def test_a_file_that_is_also_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="both a file and a directory"):
        _extract(tmp_path, zip_bytes({"data": b"x", "data/1.in": b"y"}))


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    files = {f"data/secret/{i:03d}.in": b"" for i in range(LIMITS.max_members + 1)}
    with pytest.raises(ArchiveError, match="more than 50 members"):
        _extract(tmp_path, zip_bytes(files))


def test_a_member_over_the_file_cap_is_refused(tmp_path: Path) -> None:
    big = bytes(range(256)) * (LIMITS.max_file_bytes // 256 + 1)
    with pytest.raises(ArchiveError, match="cap"):
        _extract(tmp_path, tar_gz({"big.bin": big}))


def test_a_zip_bomb_is_stopped_by_the_ratio_measured_while_reading(tmp_path: Path) -> None:
    zeros = b"\0" * (3 * 1024 * 1024)  # 3 MiB of zeros deflates about 1000:1
    with pytest.raises(ArchiveError, match="compression bomb"):
        _extract(tmp_path, zip_bytes({"bomb.bin": zeros}))


def test_a_zip_whose_header_lies_about_the_size_is_still_capped(tmp_path: Path) -> None:
    payload = bytes(range(256)) * (5 * 1024 * 1024 // 256)  # 5 MiB, barely compressible
    data = bytearray(zip_bytes({"liar.bin": payload}))
    # Patch the central directory's uncompressed size (offset 24 from its signature) to claim 1 KiB.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1024).to_bytes(4, "little")
    with pytest.raises(ArchiveError):
        _extract(tmp_path, bytes(data))


def test_a_gzip_bomb_tar_is_stopped_while_decompressing(tmp_path: Path) -> None:
    zeros = b"\0" * (4 * 1024 * 1024)
    with pytest.raises(ArchiveError, match=r"compression bomb|cap|total"):
        _extract(tmp_path, tar_gz({"a.bin": zeros, "b.bin": zeros, "c.bin": zeros}))


def test_the_total_size_cap_holds_across_members(tmp_path: Path) -> None:
    chunk = bytes(range(256)) * (3 * 1024 * 1024 // 256)
    limits = ArchiveLimits(max_members=10, max_file_bytes=4 * 1024 * 1024, max_total_bytes=5 * 1024 * 1024)
    with pytest.raises(ArchiveError, match="more than"):
        _extract(tmp_path, zip_bytes({"a.bin": chunk, "b.bin": chunk}), limits)


@pytest.mark.parametrize("data", [b"", b"not an archive at all", b"PK\x03\x04garbage", b"\x1f\x8bgarbage"])
def test_garbage_is_refused_plainly(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ArchiveError):
        _extract(tmp_path, data)


def test_an_encrypted_zip_member_is_refused(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"problem.yaml": b"name: x"}))
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # the "encrypted" general purpose flag
    with pytest.raises(ArchiveError, match="encrypted"):
        _extract(tmp_path, bytes(data))
