"""What the web page tests share: a client type, the Accept header of a browser, and signing in as a demo account."""

from __future__ import annotations

from typing import Final

from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.db.seed import DEMO_PASSWORD

Client = AsyncTestClient[Litestar]
HTML: Final = {"Accept": "text/html"}


async def sign_in(client: Client, email: str) -> str:
    """Sign in as a demo account (seeded with ``seed(..., demo=True)``); returns the session's CSRF token."""
    resp = await client.post("/api/auth/session", json={"email": email, "password": DEMO_PASSWORD})
    assert resp.status_code == 200, resp.text
    csrf: str = resp.json()["csrfToken"]
    return csrf
