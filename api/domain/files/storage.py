"""One storage interface for uploaded files, with two back ends.

- :class:`LocalStorage` (the default): files under ``<data dir>/files``, written to a temporary name beside the
  target and renamed into place, so a reader never sees half a file.
- :class:`S3Storage`: any S3-compatible object store through boto3 (AWS, MinIO, Ceph, Garage, ...). Downloads may be
  redirected to a short-lived signed URL whose answer carries ``Content-Disposition: attachment``.

Keys are made by the files service (``<course>/<file id>``), never from a user's file name; both back ends refuse a
key that is not of that plain form, so no key can climb out of the storage root. Every method is async: boto3 calls
and disk writes run in a thread.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable
from urllib.parse import quote

from api.settings import Settings

__all__ = ["LocalStorage", "S3Storage", "Storage", "StorageError", "build_storage", "content_disposition"]

_CHUNK: Final = 256 * 1024
_KEY: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,3}$")


class StorageError(RuntimeError):
    """The store failed (a host fault, not the user's): answered 503, logged."""


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;%' else "_" for c in filename) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@runtime_checkable
class Storage(Protocol):
    """Where file contents live; the database holds what they are."""

    kind: str

    async def put(self, key: str, source: Path, *, content_type: str) -> None:
        """Store the file at ``source`` (the caller's temporary file, left in place) under ``key``."""

    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, in chunks. Raises :class:`FileNotFoundError` when there is no such key."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    async def size(self, key: str) -> int | None:
        """The stored size in bytes, or None when there is no such key."""

    async def signed_url(self, key: str, *, filename: str, expires_s: int) -> str | None:
        """A URL the browser may fetch the file from directly for ``expires_s`` seconds, served as an attachment;
        None when the back end serves files only through the API (local disk)."""


class LocalStorage:
    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _put(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".put-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put(self, key: str, source: Path, *, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, source)

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        fh = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(fh.read, _CHUNK):
                yield chunk
        finally:
            fh.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def size(self, key: str) -> int | None:
        path = self._path(key)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            return None

    async def signed_url(self, key: str, *, filename: str, expires_s: int) -> str | None:
        check_key(key)
        return None


class S3Storage:
    kind = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        import boto3  # noqa: PLC0415 - only deployments that use S3 pay for importing boto3
        from botocore.config import Config  # noqa: PLC0415

        client = boto3.client(
            "s3",
            endpoint_url=settings.files_s3_endpoint_url or None,
            region_name=settings.files_s3_region or None,
            aws_access_key_id=settings.files_s3_access_key_id or None,
            aws_secret_access_key=settings.files_s3_secret_access_key or None,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
        )
        return cls(client, settings.files_s3_bucket, settings.files_s3_prefix)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @staticmethod
    def _missing(exc: Exception) -> bool:
        response = getattr(exc, "response", None) or {}
        code = str(response.get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    async def put(self, key: str, source: Path, *, content_type: str) -> None:
        extra = {"ContentType": content_type, "ContentDisposition": "attachment"}
        name = self._key(key)
        try:
            await asyncio.to_thread(self.client.upload_file, str(source), self.bucket, name, ExtraArgs=extra)
        except Exception as exc:
            raise StorageError(f"object storage refused the file: {type(exc).__name__}") from exc

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        name = self._key(key)
        try:
            obj = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=name)
        except Exception as exc:
            if self._missing(exc):
                raise FileNotFoundError(key) from None
            raise StorageError(f"object storage failed: {type(exc).__name__}") from exc
        body = obj["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, _CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        name = self._key(key)
        try:
            await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=name)
        except Exception as exc:
            if not self._missing(exc):
                raise StorageError(f"object storage failed: {type(exc).__name__}") from exc

    async def size(self, key: str) -> int | None:
        name = self._key(key)
        try:
            head = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=name)
        except Exception as exc:
            if self._missing(exc):
                return None
            raise StorageError(f"object storage failed: {type(exc).__name__}") from exc
        return int(head["ContentLength"])

    async def signed_url(self, key: str, *, filename: str, expires_s: int) -> str | None:
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ResponseContentDisposition": content_disposition(filename),
            "ResponseContentType": "application/octet-stream",  # never rendered by the browser
        }
        url = await asyncio.to_thread(
            self.client.generate_presigned_url, "get_object", Params=params, ExpiresIn=expires_s
        )
        return str(url)


def build_storage(settings: Settings) -> Storage:
    """The back end the settings name (FILES_STORAGE)."""
    if settings.files_storage == "s3":
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.data_dir / "files")
