"""Fixtures of the web page tests."""

from __future__ import annotations

import pytest

from api.db.seed import seed
from api.settings import Settings


@pytest.fixture
async def seeded(settings: Settings) -> None:
    """The practice problems and the demo accounts."""
    await seed(settings, demo=True)
