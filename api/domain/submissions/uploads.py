"""Program files uploaded as multipart form data: one source file, several, or one zip of them."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from api.domain.problems.archive import ArchiveError, ArchiveLimits, extract_archive
from api.domain.submissions.services import SourceTooLargeError, decode_upload
from api.lib.exceptions import ApplicationClientError
from api.settings import Settings

__all__ = ["UploadedFile", "program_from_uploads"]

UploadedFile = tuple[str, bytes]  # (file name as sent, content)


def _unzip(data: bytes, settings: Settings, work_root: Path) -> dict[str, bytes]:
    limits = ArchiveLimits(
        max_members=settings.submission_max_files + 8,  # room for directory entries
        max_file_bytes=settings.submission_max_source_bytes,
        max_total_bytes=settings.submission_max_source_bytes,
        max_ratio=200.0,
    )
    work_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="upload-", dir=work_root))
    try:
        archive = work / "upload.zip"
        archive.write_bytes(data)
        try:
            extracted = extract_archive(archive, work / "files", limits)
        except ArchiveError as exc:
            raise ApplicationClientError(f"the zip cannot be used: {exc}") from None
        files = {name: (extracted.root / name).read_bytes() for name in extracted.files}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tops = {PurePosixPath(name).parts[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):  # one folder holding the program
        files = {name.split("/", 1)[1]: content for name, content in files.items()}
    nested = [name for name in files if "/" in name]
    if nested:
        raise ApplicationClientError(f"put the program's files at the top of the zip, not in folders ({nested[0]})")
    return files


async def program_from_uploads(uploads: list[UploadedFile], settings: Settings) -> dict[str, str]:
    """The uploaded program as {file name: text}; a single zip is unpacked (safely, with the submission caps)."""
    if not uploads:
        raise ApplicationClientError("attach the program: a 'file' field (one source file or a zip)")
    total = sum(len(content) for _name, content in uploads)
    if total > settings.submission_max_source_bytes:
        raise SourceTooLargeError(
            f"the upload is {total} bytes, over the limit of {settings.submission_max_source_bytes} bytes"
        )
    raw: dict[str, bytes] = {}
    if len(uploads) == 1 and uploads[0][1][:4] == b"PK\x03\x04":
        raw = await asyncio.to_thread(_unzip, uploads[0][1], settings, settings.data_dir / "tmp")
    else:
        for name, content in uploads:
            base = PurePosixPath(name.replace("\\", "/")).name
            if base in raw:
                raise ApplicationClientError(f"two uploaded files are named {base}")
            raw[base] = content
    return {name: decode_upload(name, content) for name, content in raw.items()}
