"""Both storage back ends pass the same tests: the local disk and S3 (against moto's S3 server on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from api.domain.files.storage import LocalStorage, S3Storage, Storage, content_disposition
from tests.support.s3 import LocalS3, local_s3


@pytest.fixture(scope="module")
def s3_server() -> Iterator[LocalS3]:
    with local_s3() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    server: LocalS3 = request.getfixturevalue("s3_server")
    return S3Storage(server.client(), server.bucket, prefix=f"t-{tmp_path.name}")


async def _read(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def _source(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return path


async def test_put_stream_size_delete_round_trip(storage: Storage, tmp_path: Path) -> None:
    data = bytes(range(256)) * 3000  # several chunks
    await storage.put("course1/file1", _source(tmp_path, data), content_type="application/octet-stream")
    assert await storage.size("course1/file1") == len(data)
    assert await _read(storage.stream("course1/file1")) == data
    await storage.put("course1/file1", _source(tmp_path, b"replaced"), content_type="text/plain")
    assert await _read(storage.stream("course1/file1")) == b"replaced"
    await storage.delete("course1/file1")
    assert await storage.size("course1/file1") is None
    with pytest.raises(FileNotFoundError):
        await _read(storage.stream("course1/file1"))
    await storage.delete("course1/file1")  # deleting twice is fine


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "", "a//b", "a/.hidden/..", "a\\b", "a\nb"])
async def test_keys_that_could_escape_are_refused(storage: Storage, tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.put(key, _source(tmp_path, b"x"), content_type="text/plain")
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.size(key)


async def test_the_local_back_end_writes_under_its_root_only(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    await storage.put("c/f", _source(tmp_path, b"hello"), content_type="text/plain")
    assert (tmp_path / "files" / "c" / "f").read_bytes() == b"hello"
    assert [p.name for p in (tmp_path / "files" / "c").iterdir()] == ["f"]  # no temporary file left beside it
    assert await storage.signed_url("c/f", filename="a.txt", expires_s=60) is None


async def test_s3_signed_urls_serve_an_attachment_and_expire(s3_server: LocalS3, tmp_path: Path) -> None:
    storage = S3Storage(s3_server.client(), s3_server.bucket)
    await storage.put("c/page", _source(tmp_path, b"<script>alert(1)</script>"), content_type="text/html")
    url = await storage.signed_url("c/page", filename="page.html", expires_s=30)
    assert url is not None
    assert url.startswith(s3_server.endpoint_url)
    assert "Signature" in url
    async with httpx.AsyncClient() as client:
        resp = await client.get(url)
        assert resp.status_code == 200
        assert resp.content == b"<script>alert(1)</script>"
        assert resp.headers["content-disposition"].startswith('attachment; filename="page.html"')
        assert resp.headers["content-type"] == "application/octet-stream"
        tampered = await client.get(url.replace("c/page", "c/other"))
        assert tampered.status_code == 403  # the signature covers the key
        unsigned = await client.get(url.split("?", 1)[0])
        assert unsigned.status_code == 403


def test_content_disposition_quotes_nothing_dangerous() -> None:
    value = content_disposition('évil"; x.html')
    assert value.startswith('attachment; filename="_vil__ x.html"')
    assert value.endswith("filename*=UTF-8''%C3%A9vil%22%3B%20x.html")
