from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from judge_worker.contracts import WorkerHeartbeat, heartbeat_key

Client = AsyncTestClient[Litestar]


async def test_health_is_json_and_carries_a_request_id(client: Client) -> None:
    resp = await client.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}
    assert len(resp.headers["x-request-id"]) >= 16


async def test_a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced(client: Client) -> None:
    kept = await client.get("/health", headers={"x-request-id": "ci-run-42"})
    assert kept.headers["x-request-id"] == "ci-run-42"
    replaced = await client.get("/health", headers={"x-request-id": "bad id\r\nx: y" + "z" * 100})
    assert replaced.headers["x-request-id"] != "bad id"
    assert " " not in replaced.headers["x-request-id"]


async def test_ready_reports_database_redis_and_the_judge_fleet(client: Client, redis_url: str) -> None:
    resp = await client.get("/ready")
    assert resp.status_code == 200
    body = resp.json()
    assert body["ready"] is True
    assert body["database"] == {"ok": True, "error": None}
    assert body["redis"] == {"ok": True, "error": None}
    assert body["judge"]["ok"] is False
    assert body["judge"]["workers"] == 0

    import time

    import msgspec

    redis = Redis.from_url(redis_url)
    beat = WorkerHeartbeat(id="w1", host="h", slots=3, last_seen=time.time(), languages=("python3",))
    await redis.set(heartbeat_key("w1"), msgspec.json.encode(beat), ex=10)
    await redis.aclose()
    body = (await client.get("/ready")).json()
    assert body["judge"] == {"ok": True, "workers": 1, "slots": 3, "queue_depth": 0}
    fleet = (await client.get("/api/system/workers")).json()
    assert fleet["slots"] == 3
    assert fleet["workers"][0]["languages"] == ["python3"]


async def test_ready_says_503_and_names_the_part_that_is_down(settings_env: dict[str, str]) -> None:
    from api.app import create_app
    from api.settings import Settings

    env = dict(settings_env, REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(Settings.from_env(env))
    async with AsyncTestClient(app=app) as test_client:
        resp = await test_client.get("/ready")
    assert resp.status_code == 503
    body = resp.json()
    assert body["ready"] is False
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is False
    assert "Connection" in body["redis"]["error"] or "connect" in body["redis"]["error"].lower()


async def test_openapi_docs_are_served_without_a_cdn(client: Client) -> None:
    page = await client.get("/api/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    schema = await client.get("/api/docs/openapi.json")
    assert schema.status_code == 200
    assert "/ready" in schema.json()["paths"]


async def test_unknown_route_is_a_json_404(client: Client) -> None:
    resp = await client.get("/api/definitely-not-here")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["detail"] == "nothing is at /api/definitely-not-here"
    assert resp.headers["x-request-id"] == resp.json()["request_id"]


async def test_unknown_page_is_a_friendly_html_404(client: Client) -> None:
    resp = await client.get("/no-such-page", headers={"accept": "text/html"})
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert "Not found" in resp.text
    assert "Traceback" not in resp.text


async def test_wrong_method_is_a_json_405(client: Client) -> None:
    resp = await client.delete("/health")
    assert resp.status_code == 405
    assert resp.json()["detail"] == "DELETE is not allowed on /health"


async def test_home_page_renders(client: Client) -> None:
    resp = await client.get("/", headers={"accept": "text/html"})
    assert resp.status_code == 200
    assert "<main" in resp.text
