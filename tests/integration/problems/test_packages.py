"""Problem packages pushed the way CI does: stored content-addressed, idempotent, exported back, and every malformed
or hostile archive refused with a clear 4xx, storing nothing and leaving no temporary file."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from typing import Any

import anyio
import pytest
from litestar import Litestar

from api.settings import Settings
from tests.integration.problems.support import Client, People, app_client, counts, leftovers, make_people, push
from tests.packages import package_files, tar_gz, zip_bytes


async def test_a_package_creates_the_problem_with_its_tests(api: tuple[Client, Settings], people: People) -> None:
    client, settings = api
    resp = await push(client, people.instructor, "addup", "addup")
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["created"] is True
    assert body["changed"] is True
    assert body["validated"] is False
    assert body["testCount"] == 6
    assert len(body["testsetDigest"]) == 64
    assert body["problem"]["slug"] == "addup"
    assert body["problem"]["visibility"] == "draft"

    problem = (await client.get("/api/problems/addup", headers=people.instructor.headers)).json()
    assert problem["title"] == "Add them up"
    assert problem["authors"] == ["Ada Lovelace", "Grace Hopper"]
    assert problem["timeLimitMs"] == 250
    assert problem["memoryLimitMb"] == 256
    assert problem["languages"] == ["python3", "c", "cpp17", "java"]
    assert problem["languageMultipliers"] == {"java": 1.5}
    assert problem["tags"] == ["math", "loops"]
    assert problem["checker"] == "default"
    assert problem["totalPoints"] == 100
    assert problem["samples"] == [
        {"name": "sample/1", "input": "3\n1 2 3\n", "output": "6\n"},
        {"name": "sample/2", "input": "2\n-5 5\n", "output": "0\n"},
    ]
    assert [g["name"] for g in problem["groups"]] == ["secret/group1", "secret/group2"]
    assert problem["groups"][1]["dependsOn"] == ["secret/group1"]
    visibility = {t["name"]: t["visibility"] for t in problem["tests"]}
    assert visibility["secret/group1/01"] == "visible"
    assert visibility["secret/group2/02"] == "after_due_date"
    assert '<span class="math-inline">n</span>' in problem["statementHtml"]
    assert leftovers(settings) == []


async def test_the_same_package_twice_is_a_no_op_whatever_the_archive_format(
    api: tuple[Client, Settings], people: People
) -> None:
    client, settings = api
    first = (await push(client, people.instructor, "addup", "addup")).json()
    before = await counts(settings)
    again = await push(client, people.instructor, "addup", "addup", archive=tar_gz(package_files("addup")))
    assert again.status_code == 200
    body = again.json()
    assert body["changed"] is False
    assert body["created"] is False
    assert body["testsetDigest"] == first["testsetDigest"]
    assert body["packageDigest"] == first["packageDigest"]
    assert await counts(settings) == before
    # Wrapped in a top folder, as many tools export: still the same package.
    wrapped = await push(
        client, people.instructor, "addup", "addup", archive=zip_bytes(package_files("addup"), prefix="addup/")
    )
    assert wrapped.json()["changed"] is False


async def test_a_new_upload_never_changes_what_an_earlier_submission_is_judged_against(
    api: tuple[Client, Settings], people: People
) -> None:
    client, settings = api
    old = (await push(client, people.instructor, "addup", "addup")).json()["testsetDigest"]
    await client.patch("/api/problems/addup", json={"visibility": "published"}, headers=people.instructor.headers)
    submitted = await client.post(
        "/api/submissions",
        json={"problemSlug": "addup", "language": "python3", "source": "print(6)"},
        headers=people.student.headers,
    )
    assert submitted.status_code == 201, submitted.text
    files = package_files("addup")
    files["data/secret/group1/03.in"] = b"2\n1 1\n"
    files["data/secret/group1/03.ans"] = b"2\n"
    updated = (await push(client, people.instructor, "addup", files)).json()
    assert updated["changed"] is True
    assert updated["testsetDigest"] != old
    assert updated["testCount"] == 7
    detail = await client.get(f"/api/submissions/{submitted.json()['id']}", headers=people.student.headers)
    assert detail.json()["testsetDigest"] == old  # recorded at submit time
    problem = (await client.get("/api/problems/addup", headers=people.student.headers)).json()
    assert problem["testsetDigest"] == updated["testsetDigest"]
    assert (await counts(settings))["testsets"] == 2  # both kept: content-addressed, never overwritten


async def test_export_gives_back_a_package_that_round_trips(api: tuple[Client, Settings], people: People) -> None:
    client, _ = api
    pushed = (await push(client, people.instructor, "twosum", "twosum")).json()
    await client.patch("/api/problems/twosum", json={"timeLimitMs": 1500}, headers=people.instructor.headers)
    exported = await client.get("/api/problems/twosum/package", headers=people.instructor.headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/zip"
    assert 'filename="twosum.zip"' in exported.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(exported.content)) as zf:
        names = set(zf.namelist())
        assert b"time_limit: 1.5" in zf.read("problem.yaml")
    assert "output_validators/two_summands/validate.py" in names
    assert "submissions/accepted/one.cpp" in names

    copy = await push(client, people.instructor, "twosum-copy", {}, archive=exported.content)
    assert copy.status_code == 201
    assert copy.json()["testsetDigest"] == pushed["testsetDigest"]
    copied = (await client.get("/api/problems/twosum-copy", headers=people.instructor.headers)).json()
    assert copied["timeLimitMs"] == 1500
    assert copied["checker"] == "icpc_validator"
    again = await client.get("/api/problems/twosum-copy/package", headers=people.instructor.headers)
    assert again.content == exported.content  # byte-stable


async def test_only_problem_writers_push_and_export(api: tuple[Client, Settings], people: People) -> None:
    client, settings = api
    assert (await push(client, people.student, "addup", "addup")).status_code == 403
    assert (await push(client, people.reader, "addup", "addup")).status_code == 403
    anonymous = await client.put("/api/problems/addup/package", content=zip_bytes(package_files("addup")))
    assert anonymous.status_code == 401
    await push(client, people.instructor, "addup", "addup")
    assert (await client.get("/api/problems/addup/package", headers=people.student.headers)).status_code == 403
    bad_slug = await push(client, people.instructor, "Bad_Slug", "addup")
    assert bad_slug.status_code == 400
    assert leftovers(settings) == []


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return buffer.getvalue()


def _symlink_zip() -> bytes:
    link = zipfile.ZipInfo("data/secret/leak.in")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip([*package_files("addup").items(), (link, b"/etc/shadow")])


def _device_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in package_files("addup").items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        device = tarfile.TarInfo("data/secret/zero")
        device.type = tarfile.CHRTYPE
        tf.addfile(device)
    return buffer.getvalue()


def _bomb() -> bytes:
    files = package_files("addup")
    files["data/secret/group1/big.in"] = b"0" * (40 * 1024 * 1024)  # 40 MiB of one byte: deflates ~1000:1
    files["data/secret/group1/big.ans"] = b"0\n"
    return zip_bytes(files)


def _duplicate() -> bytes:
    return _zip([*package_files("addup").items(), ("problem.yaml", b"name: twice\n")])


def _traversal() -> bytes:
    return zip_bytes({**package_files("addup"), "../../../../tmp/verdict-owned": b"x"})


ATTACKS: dict[str, tuple[Any, str]] = {
    "zip bomb by ratio": (_bomb, "compression bomb"),
    "path traversal": (_traversal, "'..'"),
    "symlink": (_symlink_zip, "symbolic link"),
    "device file": (_device_tar, "device"),
    "duplicate names": (_duplicate, "duplicate"),
    "not an archive": (lambda: b"hello, this is not a zip", "neither a zip nor a tar.gz"),
    "truncated zip": (lambda: zip_bytes(package_files("addup"))[:300], "zip"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_hostile_archives_are_refused_and_store_nothing(
    api: tuple[Client, Settings], people: People, attack: str
) -> None:
    client, settings = api
    make, message = ATTACKS[attack]
    before = await counts(settings)
    resp = await push(client, people.instructor, "evil", {}, archive=make())
    assert resp.status_code == 422, resp.text
    assert message in resp.json()["detail"]
    assert await counts(settings) == before
    assert leftovers(settings) == []


async def test_too_many_members_are_refused(settings_env: dict[str, str], settings: Settings) -> None:
    people = await make_people(settings)
    async with app_client(settings_env, PACKAGE_MAX_FILES="20") as (client, small):
        resp = await push(client, people.instructor, "addup", "addup")
        assert resp.status_code == 422
        assert "more than 20 members" in resp.json()["detail"]
        assert leftovers(small) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"problem.yaml": b"name: x\nlimits: {memory: lots}\n"}, "limits.memory"),
        ({"problem.yaml": b"name: x\nverdict: {groups: {secret/nope: {points: 5}}}\n"}, "secret/nope"),
        ({"problem.yaml": None}, "problem.yaml"),
        ({"data/secret/group1/01.ans": None}, "data/secret/group1/01.in"),
        ({"problem.yaml": b"name: x\nvalidation: custom\n"}, "output_validators"),
    ],
)
async def test_invalid_packages_say_which_file_and_field(
    api: tuple[Client, Settings], people: People, change: dict[str, bytes | None], where: str
) -> None:
    client, settings = api
    files = package_files("addup")
    for name, data in change.items():
        if data is None:
            files.pop(name)
        else:
            files[name] = data
    before = await counts(settings)
    resp = await push(client, people.instructor, "broken", files)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert where in body["detail"] or any(where in str(e) for e in body["errors"])
    assert await counts(settings) == before
    assert leftovers(settings) == []


async def test_an_oversized_declared_body_is_refused_before_reading(
    settings_env: dict[str, str], settings: Settings
) -> None:
    people = await make_people(settings)
    async with app_client(settings_env, PACKAGE_MAX_BYTES="4096") as (client, small):
        resp = await push(client, people.instructor, "addup", "addup")  # the zip is larger than 4 KiB
        assert resp.status_code == 413
        assert "4096" in resp.json()["detail"]
        assert leftovers(small) == []


async def test_an_oversized_streamed_body_is_refused_while_streaming(
    settings_env: dict[str, str], settings: Settings
) -> None:
    """No Content-Length: the body arrives in chunks; the API answers 413 once the cap is passed, without reading
    the rest (the ASGI receive channel shows how much was pulled)."""
    people = await make_people(settings)
    async with app_client(settings_env, PACKAGE_MAX_BYTES="65536") as (client, small):
        app: Litestar = client.app
        chunk = b"\0" * 16384
        total_chunks = 1000  # 16 MiB offered
        pulled = 0

        async def receive() -> dict[str, Any]:
            nonlocal pulled
            pulled += 1
            return {"type": "http.request", "body": chunk, "more_body": pulled < total_chunks}

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "PUT",
            "scheme": "http",
            "path": "/api/problems/streamed/package",
            "raw_path": b"/api/problems/streamed/package",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"authorization", f"Bearer {people.instructor.token}".encode()),
                (b"content-type", b"application/zip"),
                (b"transfer-encoding", b"chunked"),
            ],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
            "state": {},
        }

        async def call() -> None:
            await app(scope, receive, send)  # type: ignore[arg-type]

        # The app lives on the test client's event loop (its portal thread): call it there.
        await anyio.to_thread.run_sync(client.blocking_portal.call, call)
        start = next(message for message in sent if message["type"] == "http.response.start")
        assert start["status"] == 413
        assert pulled * len(chunk) <= 65536 + 2 * len(chunk)  # stopped right after the cap
        assert pulled < total_chunks
        assert leftovers(small) == []
