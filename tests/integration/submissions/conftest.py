from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import Client, People, app_client, make_people, push, teach
from tests.support.fleet import JudgeFleet


@dataclass
class Live:
    """An app on a real judge fleet's Redis, people with tokens, and the ``addup`` package published."""

    client: Client
    settings: Settings
    people: People
    fleet: JudgeFleet


@pytest.fixture
async def live(fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings) -> AsyncIterator[Live]:
    async with fleet_factory() as fleet, app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, app_settings):
        people = await make_people(settings)
        assert (await push(client, people.instructor, "addup", "addup")).status_code == 201
        published = await client.patch(
            "/api/problems/addup", json={"visibility": "published"}, headers=people.instructor.headers
        )
        assert published.status_code == 200
        await teach(settings, people, "addup")  # the instructors teach both students
        yield Live(client=client, settings=app_settings, people=people, fleet=fleet)
