from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.settings import Settings
from tests.integration.problems.support import Client, People, app_client, make_people


@pytest.fixture
async def people(settings: Settings) -> People:
    return await make_people(settings)


@pytest.fixture
async def api(settings_env: dict[str, str]) -> AsyncIterator[tuple[Client, Settings]]:
    """An app on the test session's Redis (no judge worker listens there)."""
    async with app_client(settings_env) as pair:
        yield pair
