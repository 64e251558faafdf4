"""The test-data cache: verified downloads, an on-disk LRU with a size cap shared by slots and processes.

The API is stood in for by an httpx transport here (the cache's logic is what is tested); the real endpoint and a
real worker process meet in tests/integration/fleet.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import pytest

from judge_worker.contracts import TestCaseData, TestSetData, pack_testset
from judge_worker.testdata import TestDataCache, TestDataError

TOKEN = "judge-token"


def packed(tag: str, size: int = 100) -> tuple[str, bytes]:
    data = TestSetData(tests=(TestCaseData(name=tag, input=tag.encode() * size, expected=b"x"),))
    return pack_testset(data)


class Api:
    """Serves packed test sets by digest, counting requests; ``damage`` flips a byte in the answer."""

    def __init__(self, *sets: tuple[str, bytes]) -> None:
        self.sets = dict(sets)
        self.requests: list[str] = []
        self.damage = False
        self.status: int | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        digest = request.url.path.rsplit("/", 1)[1]
        self.requests.append(digest)
        if self.status is not None:
            return httpx.Response(self.status)
        if digest not in self.sets:
            return httpx.Response(404)
        body = self.sets[digest]
        if self.damage:
            body = bytes([body[0] ^ 1]) + body[1:]
        return httpx.Response(200, content=body)

    def cache(self, directory: Path, max_bytes: int = 1 << 20, memory_bytes: int = 1 << 20) -> TestDataCache:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self.handler))
        return TestDataCache(
            directory,
            max_bytes=max_bytes,
            api_url="http://api.test",
            token=TOKEN,
            client=client,
            memory_bytes=memory_bytes,
        )


async def test_a_test_set_is_downloaded_once_verified_and_kept(tmp_path: Path) -> None:
    digest, data = packed("a")
    api = Api((digest, data))
    cache = api.cache(tmp_path)
    first = await cache.get(digest)
    assert first.tests[0].name == "a"
    assert await cache.get(digest) is first  # from memory
    assert cache.path(digest).read_bytes() == data
    other_process = api.cache(tmp_path)  # another worker on the host: same directory, empty memory
    assert (await other_process.get(digest)).tests[0].name == "a"
    assert api.requests == [digest]


async def test_concurrent_slots_share_one_download(tmp_path: Path) -> None:
    digest, data = packed("b")
    api = Api((digest, data))
    cache = api.cache(tmp_path)
    results = await asyncio.gather(*(cache.get(digest) for _ in range(8)))
    assert {r.tests[0].name for r in results} == {"b"}
    assert api.requests == [digest]


async def test_a_damaged_cache_file_is_replaced(tmp_path: Path) -> None:
    digest, data = packed("c")
    api = Api((digest, data))
    await api.cache(tmp_path).get(digest)
    api.cache(tmp_path).path(digest).write_bytes(b"garbage")
    assert (await api.cache(tmp_path).get(digest)).tests[0].name == "c"
    assert api.requests == [digest, digest]
    assert hashlib.sha256(api.cache(tmp_path).path(digest).read_bytes()).hexdigest() == digest


async def test_a_download_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    digest, data = packed("d")
    api = Api((digest, data))
    api.damage = True
    with pytest.raises(TestDataError, match="SHA-256 mismatch") as caught:
        await api.cache(tmp_path).get(digest)
    assert caught.value.retryable
    assert not api.cache(tmp_path).path(digest).exists()


@pytest.mark.parametrize(("status", "retryable"), [(404, False), (500, True), (503, True), (401, True)])
async def test_api_answers_say_whether_to_retry(tmp_path: Path, status: int, retryable: bool) -> None:
    digest, data = packed("e")
    api = Api((digest, data))
    api.status = status
    with pytest.raises(TestDataError) as caught:
        await api.cache(tmp_path).get(digest)
    assert caught.value.retryable is retryable


async def test_an_unreachable_api_is_retryable(tmp_path: Path) -> None:
    digest, _ = packed("f")
    cache = TestDataCache(tmp_path, max_bytes=1 << 20, api_url="http://127.0.0.1:1", token=TOKEN)
    try:
        with pytest.raises(TestDataError, match="downloading test set") as caught:
            await cache.get(digest)
        assert caught.value.retryable
    finally:
        await cache.aclose()


@pytest.mark.parametrize("digest", ["../../etc/passwd", "ABC", "a" * 63, "g" * 64, "A" * 64])
async def test_only_digests_are_looked_up(tmp_path: Path, digest: str) -> None:
    api = Api()
    with pytest.raises(TestDataError, match="not a test-set digest") as caught:
        await api.cache(tmp_path).get(digest)
    assert not caught.value.retryable
    assert api.requests == []


def _cached(directory: Path) -> dict[str, int]:
    """Digest -> size of the test sets on disk."""
    return {p.name.removesuffix(".testset"): p.stat().st_size for p in directory.glob("*.testset")}


async def test_least_recently_used_sets_are_evicted_past_the_cap(tmp_path: Path) -> None:
    sets = [packed(tag, size=1000) for tag in "pqrs"]
    size = len(sets[0][1])
    api = Api(*sets)
    cache = api.cache(tmp_path, max_bytes=int(size * 2.5), memory_bytes=0)
    p, q, r, s = (digest for digest, _ in sets)
    await cache.get(p)
    await cache.get(q)
    old = time.time() - 100
    os.utime(cache.path(p), (old, old))
    os.utime(cache.path(q), (old + 10, old + 10))
    await cache.get(p)  # a hit bumps p: q is now the least recently used
    await cache.get(r)
    assert sorted(_cached(tmp_path)) == sorted((p, r))
    await cache.get(s)
    on_disk = _cached(tmp_path)
    assert s in on_disk
    assert len(on_disk) == 2
    assert sum(size for size in on_disk.values()) <= cache.max_bytes


async def test_a_set_larger_than_the_cache_is_used_but_not_kept(tmp_path: Path) -> None:
    digest, data = packed("big", size=5000)
    api = Api((digest, data))
    cache = api.cache(tmp_path, max_bytes=len(data) // 2)
    assert (await cache.get(digest)).tests[0].name == "big"
    assert not cache.path(digest).exists()


def _store_many(directory: str, seed: int) -> int:
    cache = TestDataCache(Path(directory), max_bytes=40_000, api_url="http://unused", token="")
    stored = 0
    for n in range(30):
        digest, data = packed(f"{seed}-{n}", size=300)
        cache._store(digest, data)  # the write-and-evict path every slot and process takes
        stored += 1
        if cache.path(digest).exists():
            assert hashlib.sha256(cache.path(digest).read_bytes()).hexdigest() == digest
    return stored


def test_processes_sharing_the_directory_keep_it_whole_and_under_the_cap(tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(_store_many, [str(tmp_path)] * 4, range(4))) == 120
    files = list(tmp_path.glob("*.testset"))
    assert files
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name.removesuffix(".testset")
    assert sum(p.stat().st_size for p in files) <= 40_000
    assert list(tmp_path.glob(".*.tmp")) == []
