"""``optional_user`` on public routes, and session cookies on WebSocket handshakes (same origin only)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, WebSocket, get, websocket
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect

from api.db import models as m
from api.domain.accounts.guards import requires_active_user
from tests.integration.accounts.conftest import PASSWORD, Client, MakeUser, bearer, login


def _register_probes(app: Litestar) -> None:
    @get("/api/test-only/greeting")
    async def greeting(optional_user: NamedDependency[m.User | None]) -> dict[str, str]:
        return {"hello": optional_user.display_name if optional_user else "stranger"}

    @websocket("/ws/test-only/whoami", guards=[requires_active_user])
    async def whoami(socket: WebSocket[Any, Any, Any], current_user: NamedDependency[m.User]) -> None:
        await socket.accept()
        await socket.send_text(current_user.email)
        await socket.close()

    app.register(greeting)
    app.register(whoami)


async def test_optional_user_greets_people_and_strangers(app: Litestar, client: Client, make_user: MakeUser) -> None:
    _register_probes(app)
    await make_user("ada@example.com", name="Ada")
    tokens = await login(client, "ada@example.com")
    assert (await client.get("/api/test-only/greeting")).json() == {"hello": "stranger"}
    assert (await client.get("/api/test-only/greeting", headers=bearer(tokens["accessToken"]))).json() == {
        "hello": "Ada"
    }
    # An expired or broken session cookie does not break a public page.
    client.cookies.set("verdict_access", "stale")
    assert (await client.get("/api/test-only/greeting")).json() == {"hello": "stranger"}
    # A broken header credential is the client's bug: it is told.
    assert (await client.get("/api/test-only/greeting", headers=bearer("broken"))).status_code == 401


async def test_websockets_take_bearer_tokens_and_same_origin_cookies_only(
    app: Litestar, client: Client, make_user: MakeUser
) -> None:
    _register_probes(app)
    await make_user("ada@example.com")
    tokens = await login(client, "ada@example.com")
    with await client.websocket_connect("/ws/test-only/whoami", headers=bearer(tokens["accessToken"])) as ws:
        assert ws.receive_text() == "ada@example.com"

    session = await client.post("/api/auth/session", json={"email": "ada@example.com", "password": PASSWORD})
    cookie = {"verdict_access": session.cookies["verdict_access"]}
    same_origin = {"origin": "http://testserver.local", "host": "testserver.local"}
    with await client.websocket_connect("/ws/test-only/whoami", headers=same_origin, cookies=cookie) as ws:
        assert ws.receive_text() == "ada@example.com"

    foreign = {"origin": "https://evil.example", "host": "testserver.local"}
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        await client.websocket_connect("/ws/test-only/whoami", headers=foreign, cookies=cookie) as ws,
    ):
        ws.receive_text()
    assert refused.value.code == 4401
    assert "another site" in str(refused.value.detail)

    with pytest.raises(WebSocketDisconnect) as anonymous, await client.websocket_connect("/ws/test-only/whoami") as ws:
        ws.receive_text()
    assert anonymous.value.code == 4401
