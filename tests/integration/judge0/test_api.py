"""Every ``/judge0`` endpoint against Judge0 CE 1.13.1's documented behaviour, on the real app, PostgreSQL and Redis.

Nothing here needs a judge: submissions stay "In Queue" (their jobs wait in Redis, inspected as the fleet would
receive them). Judged outcomes are covered with the real fleet and sandbox in ``test_judging.py``.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select, update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.judge0.tasks import delete_expired_judge0_submissions
from api.lib.timeutil import utcnow
from api.settings import Settings
from judge_worker.contracts import JudgeRequest, WorkerHeartbeat, heartbeat_key, progress_key
from tests.integration.judge0.conftest import TokenHolder, make_token_holder

Client = AsyncTestClient[Litestar]
PY = 'print("hello, " + input())'
UUID_LENGTH = 36
ClientFactory = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def client_with(settings_env: dict[str, str]) -> ClientFactory:
    """A client on an app built with extra environment (``JUDGE0_*`` settings)."""

    @asynccontextmanager
    async def make(**env: str) -> AsyncIterator[Client]:
        from api.app import create_app

        app = create_app(Settings.from_env({**settings_env, **env}))
        async with AsyncTestClient(app=app) as test_client:
            yield test_client

    return make


async def create(client: Client, who: TokenHolder, query: str = "", **body: Any) -> Any:
    resp = await client.post(f"/judge0/submissions{query}", json=body, headers=who.headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["token"]


async def heartbeat(redis_url: str, languages: tuple[str, ...], *, slots: int = 2, busy: int = 0) -> None:
    redis = Redis.from_url(redis_url)
    beat = WorkerHeartbeat(id="w1", host="h", slots=slots, busy=busy, last_seen=time.time(), languages=languages)
    await redis.set(heartbeat_key("w1"), msgspec.json.encode(beat), ex=30)
    await redis.aclose()


async def queued_request(settings: Settings, redis_url: str, token: str) -> JudgeRequest:
    """The judge job a Judge0 submission was enqueued as, read from Redis as a worker would receive it."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            row = await session.scalar(select(m.Judge0Submission).where(m.Judge0Submission.token == uuid.UUID(token)))
            assert row is not None
            submission_id = row.submission_id
    finally:
        await engine.dispose()
    redis = Redis.from_url(redis_url)
    try:
        raw = await redis.get(f"arq:job:judge:{submission_id}:1")
    finally:
        await redis.aclose()
    assert raw is not None, "no judge job was enqueued"
    job = msgspec.msgpack.decode(raw)
    assert job["f"] == "judge_submission"
    return msgspec.convert(job["a"][0], JudgeRequest)


# --- authentication ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/judge0/about", "/judge0/languages", "/judge0/submissions", "/judge0/statuses"])
async def test_without_a_token_every_route_answers_a_bare_401(client: Client, path: str) -> None:
    resp = await client.get(path)
    assert resp.status_code == 401
    assert resp.content == b""


async def test_tokens_are_checked_and_need_the_judge0_scope(
    client: Client, settings: Settings, alice: TokenHolder
) -> None:
    assert (await client.get("/judge0/about", headers={"X-Auth-Token": "vdt_not-a-token"})).status_code == 401
    reader = await make_token_holder(settings, scopes=(m.ApiScope.READ,))
    denied = await client.get("/judge0/about", headers=reader.headers)
    assert denied.status_code == 401
    assert denied.content == b""
    bearer = await client.get("/judge0/about", headers={"Authorization": f"Bearer {alice.token}"})
    assert bearer.status_code == 200


async def test_authenticate_and_authorize(client: Client, alice: TokenHolder, bob: TokenHolder) -> None:
    ok = await client.post("/judge0/authenticate", headers=alice.headers)
    assert ok.status_code == 200
    assert ok.content == b""
    assert (await client.post("/judge0/authenticate")).status_code == 401
    assert (await client.post("/judge0/authorize", headers=alice.headers)).status_code == 200
    own = {**alice.headers, "X-Auth-User": alice.token}
    assert (await client.post("/judge0/authorize", headers=own)).status_code == 200
    for wrong in ("vdt_forged", bob.token):
        resp = await client.post("/judge0/authorize", headers={**alice.headers, "X-Auth-User": wrong})
        assert resp.status_code == 403
        assert resp.content == b""


# --- information ---------------------------------------------------------------------------------------------------


async def test_about_reports_version_1_13_1(client: Client, alice: TokenHolder) -> None:
    body = (await client.get("/judge0/about", headers=alice.headers)).json()
    assert body["version"] == "1.13.1"
    assert set(body) == {"version", "homepage", "source_code", "maintainer"}


async def test_config_info_reports_verdicts_values(client_with: ClientFactory, settings: Settings) -> None:
    async with client_with(JUDGE0_MAX_QUEUE_SIZE="7", JUDGE0_MAX_CPU_TIME_LIMIT="2.5") as client:
        who = await make_token_holder(settings)
        body = (await client.get("/judge0/config_info", headers=who.headers)).json()
    assert len(body) == 39
    assert body["max_queue_size"] == 7
    assert body["max_cpu_time_limit"] == 2.5
    assert body["cpu_time_limit"] == 2.5  # Judge0's default of 5 lowered to the maximum
    assert body["wall_time_limit"] == 10.0
    assert body["memory_limit"] == 128000
    assert body["max_submission_batch_size"] == 20
    assert body["enable_wait_result"] is True
    assert body["enable_callbacks"] is False  # no allow-list
    assert body["enable_compiler_options"] is False
    assert body["allow_enable_network"] is False
    assert body["allowed_languages_for_compile_options"] == []


async def test_statuses(client: Client, alice: TokenHolder) -> None:
    body = (await client.get("/judge0/statuses", headers=alice.headers)).json()
    assert len(body) == 14
    assert body[0] == {"id": 1, "description": "In Queue"}
    assert body[10] == {"id": 11, "description": "Runtime Error (NZEC)"}
    assert body[13] == {"id": 14, "description": "Exec Format Error"}


async def test_languages_follow_the_fleets_heartbeats(client: Client, alice: TokenHolder, redis_url: str) -> None:
    everything = (await client.get("/judge0/languages", headers=alice.headers)).json()
    assert {lang["id"] for lang in everything} == {50, 51, 52, 54, 60, 62, 63, 71, 72, 73, 78}  # no worker up: all
    assert set(everything[0]) == {"id", "name"}

    await heartbeat(redis_url, ("python3", "cpp17"))
    active = (await client.get("/judge0/languages", headers=alice.headers)).json()
    assert [lang["id"] for lang in active] == [52, 54, 71]
    every = (await client.get("/judge0/languages/all", headers=alice.headers)).json()
    archived = {lang["id"]: lang["is_archived"] for lang in every}
    assert archived[71] is False
    assert archived[50] is True
    assert archived[62] is True

    python = (await client.get("/judge0/languages/71", headers=alice.headers)).json()
    assert python["id"] == 71
    assert python["is_archived"] is False
    assert python["source_file"] == "main.py"
    assert python["compile_cmd"] is None
    java = (await client.get("/judge0/languages/62", headers=alice.headers)).json()
    assert java["is_archived"] is True
    assert java["source_file"] == "Main.java"
    for missing in ("999", "abc"):
        resp = await client.get(f"/judge0/languages/{missing}", headers=alice.headers)
        assert resp.status_code == 404
        assert resp.json() == {"status": 404, "error": "Not Found"}

    refused = await client.post(
        "/judge0/submissions", json={"source_code": "int main(){}", "language_id": 50}, headers=alice.headers
    )
    assert refused.status_code == 422
    assert refused.json() == {"language_id": ["language with id 50 is archived and cannot be used anymore"]}


async def test_system_info_and_workers(client: Client, alice: TokenHolder, redis_url: str) -> None:
    system = (await client.get("/judge0/system_info", headers=alice.headers)).json()
    assert {"Architecture", "CPU(s)", "Model name", "Mem", "Swap"} <= set(system)
    assert all(isinstance(value, str) for value in system.values())

    idle = (await client.get("/judge0/workers", headers=alice.headers)).json()
    assert idle == [{"queue": "judge", "size": 0, "available": 0, "idle": 0, "working": 0, "paused": 0, "failed": 0}]
    await heartbeat(redis_url, ("python3",), slots=4, busy=1)
    await create(client, alice, source_code=PY, language_id=71)
    busy = (await client.get("/judge0/workers", headers=alice.headers)).json()
    assert busy == [{"queue": "judge", "size": 1, "available": 4, "idle": 3, "working": 1, "paused": 0, "failed": 0}]


async def test_statistics_count_submissions_and_are_cached(client: Client, alice: TokenHolder) -> None:
    await create(client, alice, source_code=PY, language_id=71)
    await create(client, alice, source_code="int main(){}", language_id=54)
    await create(client, alice, source_code="print(2)", language_id=71)
    first = (await client.get("/judge0/statistics", headers=alice.headers)).json()
    assert first["submissions"]["total"] == 3
    assert first["submissions"]["today"] == 3
    assert len(first["submissions"]["last_30_days"]) == 30
    assert first["languages"][0] == {"language": {"id": 71, "name": "Python (3)"}, "count": 2}
    assert first["statuses"] == [{"status": {"id": 1, "name": "In Queue"}, "count": 3}]
    assert first["database"]["size_in_bytes"] > 0
    assert first["created_at"].endswith("Z")

    await create(client, alice, source_code=PY, language_id=71)
    cached = (await client.get("/judge0/statistics", headers=alice.headers)).json()
    assert cached == first
    fresh = (await client.get("/judge0/statistics?invalidate_cache=true", headers=alice.headers)).json()
    assert fresh["submissions"]["total"] == 4


# --- creating submissions ------------------------------------------------------------------------------------------


async def test_create_answers_a_token_and_enqueues_an_ordinary_judge_job(
    client: Client, alice: TokenHolder, settings: Settings, redis_url: str
) -> None:
    resp = await client.post(
        "/judge0/submissions",
        json={
            "source_code": PY,
            "language_id": 71,
            "stdin": "Judge0",
            "expected_output": "hello, Judge0",
            "number_of_runs": 3,
            "cpu_time_limit": 1.5,
            "wall_time_limit": 4,
            "memory_limit": 65536,
            "max_file_size": 2048,
            "max_processes_and_or_threads": 8,
        },
        headers=alice.headers,
    )
    assert resp.status_code == 201
    assert set(resp.json()) == {"token"}
    token = resp.json()["token"]
    assert len(token) == UUID_LENGTH
    assert uuid.UUID(token).version == 4

    request = await queued_request(settings, redis_url, token)
    assert request.kind == "judge0"
    assert request.language == "python3"
    assert request.files == {"main.py": PY}
    assert request.user_id == alice.user_id
    assert len(request.inline_tests) == 3
    assert {(t.input, t.expected) for t in request.inline_tests} == {(b"Judge0", b"hello, Judge0")}
    assert request.checker.kind == "lines"  # Judge0's comparison: trailing whitespace per line ignored
    assert request.policy.short_circuit is True  # runs stop at the first one not accepted
    assert (request.limits.time_ms, request.limits.wall_ms) == (1500, 4000)
    assert (request.limits.memory_kib, request.limits.output_kib, request.limits.processes) == (65536, 2048, 8)


async def test_the_submission_reads_back_in_queue_with_every_field(client: Client, alice: TokenHolder) -> None:
    token = await create(client, alice, source_code=PY, language_id=71, stdin="x")
    default = (await client.get(f"/judge0/submissions/{token}", headers=alice.headers)).json()
    assert default == {
        "stdout": None,
        "time": None,
        "memory": None,
        "stderr": None,
        "token": token,
        "compile_output": None,
        "message": None,
        "status": {"id": 1, "description": "In Queue"},
    }
    everything = (await client.get(f"/judge0/submissions/{token}?fields=*", headers=alice.headers)).json()
    assert len(everything) == 35
    assert everything["source_code"] == PY
    assert everything["stdin"] == "x"
    assert everything["language"] == {"id": 71, "name": "Python (3)"}
    assert everything["cpu_time_limit"] == "5.0"
    assert everything["number_of_runs"] == 1
    assert everything["finished_at"] is None
    assert everything["created_at"].endswith("Z")
    assert len(everything["created_at"]) == len("2024-01-01T12:00:00.123Z")
    some = (await client.get(f"/judge0/submissions/{token}?fields=status_id,language_id", headers=alice.headers)).json()
    assert some == {"language_id": 71, "status_id": 1}
    encoded = (
        await client.get(
            f"/judge0/submissions/{token}?base64_encoded=true&fields=source_code,stdin", headers=alice.headers
        )
    ).json()
    assert encoded == {"source_code": base64.encodebytes(PY.encode()).decode(), "stdin": "eA==\n"}


async def test_a_started_job_reads_as_processing(
    client: Client, alice: TokenHolder, settings: Settings, redis_url: str
) -> None:
    token = await create(client, alice, source_code=PY, language_id=71)
    request = await queued_request(settings, redis_url, token)
    redis = Redis.from_url(redis_url)
    await redis.set(progress_key(request.submission_id), b"{}", ex=30)  # what a worker keeps while judging
    await redis.aclose()
    body = (await client.get(f"/judge0/submissions/{token}?fields=status", headers=alice.headers)).json()
    assert body == {"status": {"id": 2, "description": "Processing"}}


async def test_base64_encoded_sources_and_lenient_decoding(
    client: Client, alice: TokenHolder, settings: Settings, redis_url: str
) -> None:
    token = await create(
        client,
        alice,
        "?base64_encoded=true",
        source_code=base64.b64encode(PY.encode()).decode(),
        language_id="71",
        stdin="SnVkZ2Uw",
    )
    request = await queued_request(settings, redis_url, token)
    assert request.files == {"main.py": PY}
    assert request.inline_tests[0].input == b"Judge0"
    # Invalid Base64 is decoded as Judge0 decodes it (leniently): nothing valid, so the source is blank.
    resp = await client.post(
        "/judge0/submissions?base64_encoded=true",
        json={"source_code": "%%%%", "language_id": 71},
        headers=alice.headers,
    )
    assert resp.status_code == 422
    assert resp.json() == {"source_code": ["can't be blank"]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"source_code": PY},
            {"language_id": ["can't be blank", "language with id  doesn't exist"]},
        ),
        ({"source_code": PY, "language_id": 150000}, {"language_id": ["language with id 150000 doesn't exist"]}),
        (
            {"source_code": PY, "language_id": 71, "wall_time_limit": 100000},
            {"wall_time_limit": ["must be less than or equal to 20.0"]},
        ),
        (
            {"source_code": PY, "language_id": 71, "memory_limit": 600000, "number_of_runs": 0},
            {"number_of_runs": ["must be greater than 0"], "memory_limit": ["must be less than or equal to 512000"]},
        ),
        (
            {"source_code": PY, "language_id": 71, "compiler_options": "-O3", "enable_network": True},
            {
                "compiler_options": ["setting compiler options is not allowed"],
                "enable_network": ["enabling network is not allowed"],
            },
        ),
        (
            {"source_code": PY, "language_id": 71, "callback_url": "http://127.0.0.1:9/x"},
            {"callback_url": ["setting callback is not allowed"]},
        ),
        ({}, {"source_code": ["can't be blank"], "language_id": ["can't be blank", "language with id  doesn't exist"]}),
    ],
)
async def test_bad_input_is_answered_422_as_judge0_does(
    client: Client, alice: TokenHolder, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    resp = await client.post("/judge0/submissions", json=body, headers=alice.headers)
    assert resp.status_code == 422
    assert resp.json() == errors


async def test_callback_hosts_must_be_allow_listed(client_with: ClientFactory, settings: Settings) -> None:
    async with client_with(JUDGE0_CALLBACK_ALLOWED_HOSTS="hooks.example.com, 127.0.0.1") as client:
        who = await make_token_holder(settings)
        info = (await client.get("/judge0/config_info", headers=who.headers)).json()
        assert info["enable_callbacks"] is True
        ok = {"source_code": PY, "language_id": 71, "callback_url": "https://hooks.example.com/j0"}
        assert (await client.post("/judge0/submissions", json=ok, headers=who.headers)).status_code == 201
        for url, message in [
            ("http://10.0.0.1/j0", "host 10.0.0.1 is not in the callback allow-list"),
            ("http://localhost:8000/j0", "host localhost is not in the callback allow-list"),
            ("file:///etc/passwd", "must be an http:// or https:// URL with a host"),
        ]:
            resp = await client.post("/judge0/submissions", json={**ok, "callback_url": url}, headers=who.headers)
            assert resp.status_code == 422
            assert resp.json() == {"callback_url": [message]}


async def test_unknown_fields_malformed_json_and_unknown_routes(client: Client, alice: TokenHolder) -> None:
    resp = await client.post(
        "/judge0/submissions?fields=stdout,bogus,nope",
        json={"source_code": PY, "language_id": 71},
        headers=alice.headers,
    )
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid fields: [bogus, nope]"}
    token = await create(client, alice, source_code=PY, language_id=71)
    resp = await client.get(f"/judge0/submissions/{token}?fields=stdout,secret", headers=alice.headers)
    assert resp.status_code == 400
    assert resp.json() == {"error": "invalid fields: [secret]"}
    bad = await client.post(
        "/judge0/submissions",
        content=b'{"source_code": ',
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert bad.status_code == 400
    assert bad.json() == {"status": 400, "error": "Bad Request"}
    nowhere = await client.get("/judge0/no/such/route", headers=alice.headers)
    assert nowhere.status_code == 404
    assert nowhere.json() == {"status": 404, "error": "Not Found"}
    # Outside /judge0 the app keeps its own error format.
    elsewhere = await client.get("/api/no-such-route", headers=alice.headers)
    assert elsewhere.headers["content-type"].startswith("application/problem+json")


async def test_form_encoded_and_query_parameters_work_like_rails_params(client: Client, alice: TokenHolder) -> None:
    form = await client.post(
        "/judge0/submissions",
        content=b"source_code=print(1)&language_id=71",
        headers={**alice.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 201
    query = await client.post("/judge0/submissions?source_code=print(2)&language_id=71", headers=alice.headers)
    assert query.status_code == 201


# --- reading -------------------------------------------------------------------------------------------------------


async def test_submissions_are_visible_to_their_owner_only(
    client: Client, alice: TokenHolder, bob: TokenHolder
) -> None:
    token = await create(client, alice, source_code=PY, language_id=71)
    for who, status in ((alice, 200), (bob, 404)):
        assert (await client.get(f"/judge0/submissions/{token}", headers=who.headers)).status_code == status
    hidden = await client.get(f"/judge0/submissions/{token}", headers=bob.headers)
    assert hidden.json() == {"status": 404, "error": "Not Found"}
    assert (await client.get("/judge0/submissions/not-a-token", headers=alice.headers)).status_code == 404
    listed = (await client.get("/judge0/submissions", headers=bob.headers)).json()
    assert listed["submissions"] == []
    batch = (await client.get(f"/judge0/submissions/batch?tokens={token}", headers=bob.headers)).json()
    assert batch == {"submissions": [None]}
    assert (await client.delete(f"/judge0/submissions/{token}", headers=bob.headers)).status_code == 404


async def test_listing_pages_like_will_paginate(client: Client, alice: TokenHolder) -> None:
    tokens = [await create(client, alice, source_code=f"print({i})", language_id=71) for i in range(5)]
    page = (await client.get("/judge0/submissions?page=2&per_page=2&fields=token", headers=alice.headers)).json()
    assert page["meta"] == {"current_page": 2, "next_page": 3, "prev_page": 1, "total_pages": 3, "total_count": 5}
    assert [s["token"] for s in page["submissions"]] == [tokens[2], tokens[1]]  # newest first
    last = (await client.get("/judge0/submissions?page=3&per_page=2", headers=alice.headers)).json()
    assert last["meta"]["next_page"] is None
    assert len(last["submissions"]) == 1
    default = (await client.get("/judge0/submissions", headers=alice.headers)).json()
    assert default["meta"] == {
        "current_page": 1,
        "next_page": None,
        "prev_page": None,
        "total_pages": 1,
        "total_count": 5,
    }
    for query, error in [
        ("page=0", "invalid page: 0"),
        ("page=-4", "invalid page: -4"),
        ("page=abc", "invalid page: 0"),
        ("per_page=-2", "invalid per_page: -2"),
    ]:
        resp = await client.get(f"/judge0/submissions?{query}", headers=alice.headers)
        assert resp.status_code == 400
        assert resp.json() == {"error": error}
    forbidden = await client.get("/judge0/submissions", headers={**alice.headers, "X-Auth-User": "vdt_wrong"})
    assert forbidden.status_code == 403


async def test_batches(client: Client, alice: TokenHolder) -> None:
    created = await client.post(
        "/judge0/submissions/batch",
        json={"submissions": [{"source_code": PY, "language_id": 71}, {"source_code": PY, "language_id": 9999}]},
        headers=alice.headers,
    )
    assert created.status_code == 201
    first, second = created.json()
    assert set(first) == {"token"}
    assert second == {"language_id": ["language with id 9999 doesn't exist"]}

    all_bad = await client.post(
        "/judge0/submissions/batch", json={"submissions": [{"language_id": 71}]}, headers=alice.headers
    )
    assert all_bad.status_code == 422
    assert all_bad.json() == [{"source_code": ["can't be blank"]}]
    too_many = await client.post(
        "/judge0/submissions/batch",
        json={"submissions": [{"source_code": PY, "language_id": 71}] * 21},
        headers=alice.headers,
    )
    assert too_many.status_code == 400
    assert too_many.json() == {"error": "number of submissions in a batch should be less than or equal to 20"}
    empties: list[dict[str, Any]] = [{"submissions": []}, {}]
    for empty in empties:
        resp = await client.post("/judge0/submissions/batch", json=empty, headers=alice.headers)
        assert resp.status_code == 400
        assert resp.json() == {"error": "there should be at least one submission in a batch"}

    token = first["token"]
    unknown = str(uuid.uuid4())
    got = await client.get(
        f"/judge0/submissions/batch?tokens={token},{unknown}&fields=token,status_id", headers=alice.headers
    )
    assert got.json() == {"submissions": [{"status_id": 1, "token": token}, None]}
    by_header = await client.get("/judge0/submissions/batch", headers={**alice.headers, "tokens": token})
    assert by_header.json()["submissions"][0]["token"] == token
    many = ",".join(str(uuid.uuid4()) for _ in range(21))
    resp = await client.get(f"/judge0/submissions/batch?tokens={many}", headers=alice.headers)
    assert resp.status_code == 400
    assert resp.json() == {"error": "number of submissions in a batch should be less than or equal to 20"}
    resp = await client.get("/judge0/submissions/batch", headers=alice.headers)
    assert resp.json() == {"error": "there should be at least one submission in a batch"}


async def test_a_waiting_submission_cannot_be_deleted(client: Client, alice: TokenHolder) -> None:
    token = await create(client, alice, source_code=PY, language_id=71)
    resp = await client.delete(f"/judge0/submissions/{token}", headers=alice.headers)
    assert resp.status_code == 400
    assert resp.json() == {"error": "submission cannot be deleted because its status is 1 (In Queue)"}
    unknown = await client.delete(f"/judge0/submissions/{uuid.uuid4()}", headers=alice.headers)
    assert unknown.status_code == 404


async def test_deletion_can_be_turned_off(client_with: ClientFactory, settings: Settings) -> None:
    async with client_with(JUDGE0_ENABLE_SUBMISSION_DELETE="false") as client:
        who = await make_token_holder(settings)
        token = await create(client, who, source_code=PY, language_id=71)
        resp = await client.delete(f"/judge0/submissions/{token}", headers=who.headers)
        assert resp.status_code == 400
        assert resp.json() == {"error": "delete not allowed"}
        assert (await client.get("/judge0/config_info", headers=who.headers)).json()[
            "enable_submission_delete"
        ] is False


# --- queue cap and wait --------------------------------------------------------------------------------------------


async def test_a_full_queue_answers_503(client_with: ClientFactory, settings: Settings) -> None:
    async with client_with(JUDGE0_MAX_QUEUE_SIZE="2") as client:
        who = await make_token_holder(settings)
        await create(client, who, source_code=PY, language_id=71)
        full_batch = await client.post(
            "/judge0/submissions/batch",
            json={"submissions": [{"source_code": PY, "language_id": 71}] * 2},
            headers=who.headers,
        )
        assert full_batch.status_code == 503
        assert full_batch.json() == {"error": "queue is full"}
        await create(client, who, source_code=PY, language_id=71)
        full = await client.post(
            "/judge0/submissions", json={"source_code": PY, "language_id": 71}, headers=who.headers
        )
        assert full.status_code == 503
        assert full.json() == {"error": "queue is full"}


async def test_wait_is_bounded_and_answers_the_current_state(client_with: ClientFactory, settings: Settings) -> None:
    async with client_with(JUDGE0_WAIT_TIMEOUT="1") as client:
        who = await make_token_holder(settings)
        started = time.monotonic()
        resp = await client.post(
            "/judge0/submissions?wait=true", json={"source_code": PY, "language_id": 71}, headers=who.headers
        )
        elapsed = time.monotonic() - started
    assert resp.status_code == 201
    body = resp.json()
    assert body["status"] == {"id": 1, "description": "In Queue"}
    assert set(body) == {"stdout", "time", "memory", "stderr", "token", "compile_output", "message", "status"}
    assert 0.9 <= elapsed < 5


# --- retention -----------------------------------------------------------------------------------------------------


async def test_old_submissions_are_deleted_by_the_periodic_task(
    client: Client, alice: TokenHolder, settings: Settings, redis_url: str
) -> None:
    old = await create(client, alice, source_code=PY, language_id=71)
    recent = await create(client, alice, source_code=PY, language_id=71)
    engine = create_engine(settings)
    redis = Redis.from_url(redis_url)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            await session.execute(
                update(m.Judge0Submission)
                .where(m.Judge0Submission.token == uuid.UUID(old))
                .values(created_at=utcnow() - timedelta(hours=settings.judge0_retention_hours, minutes=1))
            )
            await session.commit()
        ctx = {"settings": settings, "sessions": sessions, "redis": redis}
        assert await delete_expired_judge0_submissions(ctx) == 1
        assert await delete_expired_judge0_submissions(ctx) == 0
        async with sessions() as session:
            kinds = list(await session.scalars(select(m.Submission.kind)))
    finally:
        await redis.aclose()
        await engine.dispose()
    assert kinds == [m.SubmissionKind.JUDGE0]  # the expired one's fleet submission went with it
    assert (await client.get(f"/judge0/submissions/{old}", headers=alice.headers)).status_code == 404
    assert (await client.get(f"/judge0/submissions/{recent}", headers=alice.headers)).status_code == 200
