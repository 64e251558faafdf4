"""Test data by content digest: download from the API, verify the SHA-256, keep an on-disk LRU cache.

The cache directory is shared by every slot of a worker and by every worker process on the host:

- files are named by their digest and written atomically (a temporary file in the same directory, then
  ``os.replace``), so a reader sees a whole file or none;
- every read verifies the SHA-256 again, so a damaged file is deleted and downloaded afresh;
- a read bumps the file's mtime (the LRU clock); after a write, the least recently used files are evicted until the
  total is under the cap, under an exclusive ``flock`` so two processes do not evict at once (a reader that loses
  a file to eviction simply downloads it again);
- a small in-process cache of decoded test sets saves the read and the hash for a test set judged again soon.

Test data is trusted problem-setter content, but a downloaded blob is not: a digest mismatch is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import secrets
import time
from collections import OrderedDict
from pathlib import Path
from typing import Final

import httpx
import msgspec

from judge_worker.contracts import TestSetData, testset_path

__all__ = ["TestDataCache", "TestDataError", "decode_testset"]

logger = logging.getLogger("verdict.judge.testdata")

_DIGEST: Final = re.compile(r"[0-9a-f]{64}")
_SUFFIX: Final = ".testset"
_TMP_MAX_AGE_S: Final = 3600
_testset_decoder: Final = msgspec.msgpack.Decoder(TestSetData)


class TestDataError(Exception):
    """A test set cannot be had. ``retryable``: a network or server fault worth retrying; otherwise permanent."""

    __test__ = False  # not a pytest test class

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def decode_testset(data: bytes) -> TestSetData:
    try:
        return _testset_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise TestDataError(f"the test set cannot be decoded: {exc}", retryable=False) from None


class TestDataCache:
    __test__ = False  # not a pytest test class

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int,
        api_url: str,
        token: str,
        client: httpx.AsyncClient | None = None,
        memory_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._api_url = api_url.rstrip("/")
        self._token = token
        self._client = client
        self._owns_client = client is None
        self._memory: OrderedDict[str, tuple[TestSetData, int]] = OrderedDict()
        self._memory_bytes = 0
        self._memory_cap = min(memory_bytes, max_bytes)
        self._locks: dict[str, asyncio.Lock] = {}
        self.downloads = 0  # how many test sets this process downloaded (for tests and logs)
        directory.mkdir(parents=True, exist_ok=True)

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
        self._client = None

    def path(self, digest: str) -> Path:
        return self.directory / f"{digest}{_SUFFIX}"

    async def get(self, digest: str) -> TestSetData:
        """The test set with this digest, from memory, from disk or from the API (verified in every case)."""
        if _DIGEST.fullmatch(digest) is None:
            raise TestDataError(f"not a test-set digest: {digest[:80]!r}", retryable=False)
        if (hit := self._memory.get(digest)) is not None:
            self._memory.move_to_end(digest)
            return hit[0]
        lock = self._locks.setdefault(digest, asyncio.Lock())
        async with lock:
            if (hit := self._memory.get(digest)) is not None:
                return hit[0]
            data = await asyncio.to_thread(self._read_disk, digest)
            if data is None:
                data = await self._download(digest)
                await asyncio.to_thread(self._store, digest, data)
            testset = decode_testset(data)
            self._remember(digest, testset, len(data))
        self._locks.pop(digest, None)
        return testset

    # --- disk -------------------------------------------------------------------------------------------------
    def _read_disk(self, digest: str) -> bytes | None:
        path = self.path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            logger.warning("cached test set %s is damaged; downloading it again", digest)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)  # the LRU clock
        return data

    def _store(self, digest: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            logger.warning("test set %s (%d bytes) is larger than the cache; not kept on disk", digest, len(data))
            return
        tmp = self.directory / f".{digest}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            tmp.replace(self.path(digest))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        self.evict(keep=digest)

    def evict(self, *, keep: str | None = None) -> int:
        """Delete least recently used test sets until the cache fits its cap; return how many went."""
        removed = 0
        lock_fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            entries: list[tuple[float, int, Path]] = []
            total = 0
            now = time.time()
            for entry in os.scandir(self.directory):
                try:
                    stat = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if entry.name.endswith(".tmp"):
                    if now - stat.st_mtime > _TMP_MAX_AGE_S:  # left by a process that died mid-write
                        with contextlib.suppress(FileNotFoundError):
                            Path(entry.path).unlink()
                    continue
                if not entry.name.endswith(_SUFFIX) or not entry.is_file(follow_symlinks=False):
                    continue
                total += stat.st_size
                entries.append((stat.st_mtime, stat.st_size, Path(entry.path)))
            entries.sort()
            for _mtime, size, path in entries:
                if total <= self.max_bytes:
                    break
                if keep is not None and path.name == f"{keep}{_SUFFIX}":
                    continue
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
                total -= size
        finally:
            os.close(lock_fd)  # closing releases the flock
        return removed

    # --- memory -----------------------------------------------------------------------------------------------
    def _remember(self, digest: str, testset: TestSetData, size: int) -> None:
        if size > self._memory_cap:
            return
        self._memory[digest] = (testset, size)
        self._memory_bytes += size
        while self._memory_bytes > self._memory_cap:
            _, (_, old_size) = self._memory.popitem(last=False)
            self._memory_bytes -= old_size

    # --- network ----------------------------------------------------------------------------------------------
    async def _download(self, digest: str) -> bytes:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0))
            self._owns_client = True
        url = f"{self._api_url}{testset_path(digest)}"
        try:
            response = await self._client.get(url, headers={"Authorization": f"Bearer {self._token}"})
        except httpx.HTTPError as exc:
            raise TestDataError(f"downloading test set {digest} failed: {exc!r}", retryable=True) from exc
        if response.status_code == 404:
            raise TestDataError(f"the API has no test set {digest}", retryable=False)
        if response.status_code in (401, 403):
            raise TestDataError(
                f"the API refused the judge token ({response.status_code}): check JUDGE_TOKEN", retryable=True
            )
        if response.status_code != 200:
            raise TestDataError(f"downloading test set {digest}: HTTP {response.status_code}", retryable=True)
        data = response.content
        if hashlib.sha256(data).hexdigest() != digest:
            raise TestDataError(f"test set {digest} arrived damaged (SHA-256 mismatch)", retryable=True)
        self.downloads += 1
        logger.info("downloaded test set %s (%d bytes)", digest, len(data))
        return data
