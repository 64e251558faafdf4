"""Safe reading of uploaded problem archives (zip, tar.gz).

Two passes. The first reads only the archive's own metadata and refuses anything unsafe before a single byte is
written: absolute paths, ``..``, links, device files, duplicate names, too many members, declared sizes over the
caps. The second extracts regular files into a fresh directory, measuring what it actually decompresses (headers
can lie) against the per-file, total and compression-ratio caps, and stops at the first excess. The caller owns
the destination directory and removes it whatever happens.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final

import msgspec

__all__ = ["ArchiveError", "ArchiveLimits", "ExtractedArchive", "extract_archive", "normalise_member_name"]

_CHUNK: Final = 64 * 1024
# Below this many bytes out, a high ratio is no threat (a 10 KiB file of zeros compresses 1000:1).
_RATIO_FLOOR_BYTES: Final = 1024 * 1024
_TAR_OVERHEAD_PER_MEMBER: Final = 3 * 512  # header, long-name / PAX record, padding


class ArchiveError(ValueError):
    """The archive is malformed or unsafe; the message says why in words, ``member`` which file (if one)."""

    def __init__(self, message: str, *, member: str | None = None) -> None:
        super().__init__(f"member {member!r}: {message}" if member is not None else message)
        self.reason = message
        self.member = member


class ArchiveLimits(msgspec.Struct, frozen=True, kw_only=True):
    max_members: int = 2000
    max_file_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 256 * 1024 * 1024
    max_ratio: float = 200.0  # uncompressed bytes per compressed byte, per member and for the whole archive


class ExtractedArchive(msgspec.Struct, frozen=True, kw_only=True):
    root: Path
    files: tuple[str, ...]  # POSIX paths relative to root, in archive order
    total_bytes: int


def normalise_member_name(raw: str) -> str:
    """The member's path as a clean relative POSIX path, or :class:`ArchiveError` when it is unsafe."""
    if not raw or "\x00" in raw:
        raise ArchiveError("an empty name or a NUL byte in the name", member=raw)
    if "\\" in raw:
        raise ArchiveError("backslashes are not allowed in names (zip it on a system that writes /)", member=raw)
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise ArchiveError("absolute paths are not allowed: paths must be relative to the package root", member=raw)
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise ArchiveError("'..' is not allowed in paths", member=raw)
    if not parts:
        raise ArchiveError("the name names no file", member=raw)
    if any(len(part.encode()) > 255 for part in parts) or len(raw.encode()) > 1024:
        raise ArchiveError("the name is too long", member=raw[:80])
    if any(not part.isprintable() for part in parts):
        raise ArchiveError("control characters are not allowed in names", member=raw)
    return "/".join(parts)


class _Plan(msgspec.Struct, kw_only=True):
    """What the first pass found: the regular files to extract and the directories, by normalised name."""

    files: list[str] = msgspec.field(default_factory=list)
    dirs: set[str] = msgspec.field(default_factory=set)
    declared_total: int = 0


def _admit(plan: _Plan, name: str, *, is_dir: bool, declared_size: int, limits: ArchiveLimits) -> None:
    if len(plan.files) + len(plan.dirs) >= limits.max_members:
        raise ArchiveError(f"more than {limits.max_members} members in the archive")
    if is_dir:
        if name in plan.files:
            raise ArchiveError("the name is both a file and a directory", member=name)
        plan.dirs.add(name)
        return
    if name in plan.files or name in plan.dirs:
        raise ArchiveError("duplicate name: it appears twice in the archive", member=name)
    if declared_size > limits.max_file_bytes:
        raise ArchiveError(f"the file is {declared_size} bytes, over the {limits.max_file_bytes}-byte cap", member=name)
    plan.declared_total += declared_size
    if plan.declared_total > limits.max_total_bytes:
        raise ArchiveError(f"the archive holds more than {limits.max_total_bytes} bytes uncompressed")
    plan.files.append(name)


def _check_parents(plan: _Plan) -> None:
    """No file may also be used as a directory (``a`` and ``a/b``): extraction would need to replace one."""
    names = set(plan.files)
    for name in plan.files:
        parent = PurePosixPath(name).parent
        while str(parent) != ".":
            if str(parent) in names:
                raise ArchiveError("the name is both a file and a directory", member=str(parent))
            parent = parent.parent


class _Meter:
    """Counts bytes written, per member and in total, against the caps and the compression ratio."""

    def __init__(self, limits: ArchiveLimits, compressed_total: int) -> None:
        self.limits = limits
        self.compressed_total = max(compressed_total, 1)
        self.total = 0

    def add(self, name: str, member_bytes: int, chunk: int, member_compressed: int | None) -> None:
        self.total += chunk
        limits = self.limits
        if member_bytes > limits.max_file_bytes:
            raise ArchiveError(f"the file is over the {limits.max_file_bytes}-byte cap", member=name)
        if self.total > limits.max_total_bytes:
            raise ArchiveError(f"the archive holds more than {limits.max_total_bytes} bytes uncompressed")
        if (
            member_compressed is not None
            and member_bytes > _RATIO_FLOOR_BYTES
            and member_bytes / max(member_compressed, 1) > limits.max_ratio
        ):
            raise ArchiveError(
                f"the file expands more than {limits.max_ratio:g} times: refused as a compression bomb", member=name
            )
        if self.total > _RATIO_FLOOR_BYTES and self.total / self.compressed_total > limits.max_ratio:
            raise ArchiveError(
                f"the archive expands more than {limits.max_ratio:g} times: refused as a compression bomb"
            )


def _write_member(root: Path, name: str, source: IO[bytes], meter: _Meter, compressed: int | None) -> None:
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
    written = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            meter.add(name, written, len(chunk), compressed)
            out.write(chunk)


def _damaged(kind: str, exc: BaseException) -> str:
    """Why an archive cannot be read, in words (the library's own text names internals such as headers)."""
    text = str(exc).lower()
    if "truncated" in text or "unexpected end" in text or isinstance(exc, EOFError) or "end of file" in text:
        return f"the {kind} archive is cut short (the upload may be incomplete): create it again"
    if "not a zip file" in text or "invalid header" in text or "bad magic" in text or "not a gzip" in text:
        return f"the file is not a valid {kind} archive: create it again with zip or tar -czf"
    return f"the {kind} archive is damaged and cannot be read: create it again"


def _damaged_member(exc: BaseException) -> str:
    text = str(exc).lower()
    if "crc" in text or "bad" in text or isinstance(exc, zlib.error):
        return "the file is damaged inside the archive (its data does not match its checksum): create it again"
    if isinstance(exc, NotImplementedError) or "compression" in text:
        return "the file is compressed with a method Verdict cannot read: use deflate (zip's default)"
    return "the file cannot be read from the archive: create the archive again"


def _zip_mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0xFFFF


def _extract_zip(archive: Path, dest: Path, limits: ArchiveLimits) -> tuple[str, ...]:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(_damaged("zip", exc)) from None
    with zf:
        plan = _Plan()
        infos: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            name = normalise_member_name(info.filename)
            mode = _zip_mode(info)
            kind = stat.S_IFMT(mode)
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                what = "a symbolic link" if stat.S_ISLNK(mode) else "a link or device file"
                raise ArchiveError(
                    f"the member is {what}: only files and directories are allowed", member=info.filename
                )
            if info.flag_bits & 0x1:
                raise ArchiveError(
                    "the file is encrypted: packages must not be password-protected", member=info.filename
                )
            is_dir = info.is_dir() or stat.S_ISDIR(mode)
            _admit(plan, name, is_dir=is_dir, declared_size=0 if is_dir else info.file_size, limits=limits)
            if not is_dir:
                infos[name] = info
        _check_parents(plan)
        meter = _Meter(limits, archive.stat().st_size)
        for name in plan.files:
            info = infos[name]
            try:
                with zf.open(info) as source:
                    _write_member(dest, name, source, meter, info.compress_size)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
                raise ArchiveError(_damaged_member(exc), member=name) from None
        return tuple(plan.files)


class _CappedStream(io.RawIOBase):
    """A read-only stream that refuses to decompress more than ``cap`` bytes (a gzip bomb stops here)."""

    def __init__(self, inner: gzip.GzipFile, cap: int, ratio_cap: float, compressed: int) -> None:
        super().__init__()
        self._inner = inner
        self._cap = cap
        self._ratio_cap = ratio_cap
        self._compressed = max(compressed, 1)
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._inner.read(len(view))
        self._read += len(data)
        if self._read > self._cap:
            raise ArchiveError("the archive decompresses to more than the allowed total size")
        if self._read > _RATIO_FLOOR_BYTES and self._read / self._compressed > self._ratio_cap:
            raise ArchiveError(
                f"the archive expands more than {self._ratio_cap:g} times: refused as a compression bomb"
            )
        view[: len(data)] = data
        return len(data)


def _tar_members(archive: Path, limits: ArchiveLimits) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    compressed = archive.stat().st_size
    cap = limits.max_total_bytes + limits.max_members * _TAR_OVERHEAD_PER_MEMBER + 1024 * 1024
    with archive.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
        stream = _CappedStream(gz, cap, limits.max_ratio, compressed)
        try:
            with tarfile.open(fileobj=stream, mode="r|") as tf:
                for member in tf:
                    yield tf, member
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise ArchiveError(_damaged("tar.gz", exc)) from None


def _extract_tar(archive: Path, dest: Path, limits: ArchiveLimits) -> tuple[str, ...]:
    plan = _Plan()
    for _tf, member in _tar_members(archive, limits):
        name = normalise_member_name(member.name)
        if member.issym() or member.islnk():
            raise ArchiveError("the member is a link: only files and directories are allowed", member=member.name)
        if not (member.isreg() or member.isdir()):
            raise ArchiveError(
                "the member is a device or special file: only files and directories are allowed", member=member.name
            )
        _admit(plan, name, is_dir=member.isdir(), declared_size=0 if member.isdir() else member.size, limits=limits)
    _check_parents(plan)
    # Second pass: the plan above is final, so every member met here was already admitted.
    meter = _Meter(limits, archive.stat().st_size)
    for tf, member in _tar_members(archive, limits):
        if not member.isreg():
            continue
        name = normalise_member_name(member.name)
        source = tf.extractfile(member)
        if source is None:  # pragma: no cover - regular members always have a file object
            continue
        _write_member(dest, name, source, meter, None)
    return tuple(plan.files)


def _sniff(archive: Path) -> str:
    with archive.open("rb") as fh:
        head = fh.read(4)
    if head[:2] == b"PK":
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    raise ArchiveError("the upload is neither a zip nor a tar.gz archive")


def extract_archive(archive: Path, dest: Path, limits: ArchiveLimits) -> ExtractedArchive:
    """Validate ``archive`` (a zip or a tar.gz), then extract its regular files into the empty directory ``dest``.

    Raises :class:`ArchiveError` on anything unsafe or malformed; ``dest`` may then hold part of the files and the
    caller removes it.
    """
    kind = _sniff(archive)
    dest.mkdir(mode=0o700, exist_ok=False)
    files = _extract_zip(archive, dest, limits) if kind == "zip" else _extract_tar(archive, dest, limits)
    total = sum((dest / name).stat().st_size for name in files)
    return ExtractedArchive(root=dest, files=files, total_bytes=total)
