"""Fixtures of the Judge0 API tests: accounts with personal access tokens, made straight in the database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.accounts.services import ApiTokenService
from api.settings import Settings

Client = AsyncTestClient[Litestar]


@dataclass(frozen=True)
class TokenHolder:
    user_id: UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Judge0's convention: the token in ``X-Auth-Token``."""
        return {"X-Auth-Token": self.token}


async def make_token_holder(
    settings: Settings, *, scopes: Sequence[m.ApiScope] = (m.ApiScope.JUDGE0,), role: m.Role = m.Role.STUDENT
) -> TokenHolder:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            user = m.User(email=f"j0-{uuid.uuid4().hex[:10]}@example.com", display_name="Judge0 client", role=role)
            session.add(user)
            await session.flush()
            _, raw = await ApiTokenService(session=session).create_token(
                user=user, name="judge0 client", scopes=scopes, expires_at=None
            )
            await session.commit()
            return TokenHolder(user_id=user.id, token=raw)
    finally:
        await engine.dispose()


@pytest.fixture
async def alice(settings: Settings) -> TokenHolder:
    return await make_token_holder(settings)


@pytest.fixture
async def bob(settings: Settings) -> TokenHolder:
    return await make_token_holder(settings)
