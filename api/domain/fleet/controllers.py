"""The fleet API for admins (the operator page uses it): the workers and the queue per lane, and drain."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from litestar.params import PathParameter
from litestar.status_codes import HTTP_202_ACCEPTED
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.domain.accounts.guards import requires_admin
from api.domain.fleet.services import FleetError, request_drain
from api.domain.system.lanes import QueueStats, queue_stats
from api.domain.system.services import list_workers
from judge_worker.contracts import WorkerHeartbeat

__all__ = ["FleetController", "FleetStatus"]

WorkerId = Annotated[str, PathParameter(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$")]


class FleetStatus(msgspec.Struct, kw_only=True, rename="camel"):
    workers: list[WorkerHeartbeat]
    queue: QueueStats


class DrainAccepted(msgspec.Struct, kw_only=True, rename="camel"):
    worker: str
    running: int
    message: str


async def fleet_status(redis: Redis) -> FleetStatus:
    try:
        workers = await list_workers(redis)
        return FleetStatus(workers=workers, queue=await queue_stats(redis, workers))
    except (RedisError, OSError) as exc:
        raise ServiceUnavailableException(f"Redis is unreachable: {exc}") from exc


class FleetController(Controller):
    path = "/api/fleet"
    tags = ["fleet"]
    guards = [requires_admin]

    @get(operation_id="FleetStatus", summary="Judge workers (slots, versions, heartbeats) and the queue per lane")
    async def status(self, redis: NamedDependency[Redis]) -> FleetStatus:
        return await fleet_status(redis)

    @post(
        "/workers/{worker_id:str}/drain",
        operation_id="DrainWorker",
        summary="The worker takes no new jobs, finishes its running ones and exits",
        status_code=HTTP_202_ACCEPTED,
    )
    async def drain(self, redis: NamedDependency[Redis], worker_id: WorkerId) -> DrainAccepted:
        try:
            beat = await request_drain(redis, worker_id)
        except FleetError as exc:
            if "unreachable" in str(exc):
                raise ServiceUnavailableException(str(exc)) from exc
            raise NotFoundException(str(exc)) from exc
        return DrainAccepted(
            worker=beat.id,
            running=beat.running,
            message=f"{beat.id} is draining: its {beat.running} running jobs finish, then it exits",
        )
