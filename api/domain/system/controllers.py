from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.domain.system import services
from judge_worker.contracts import WorkerHeartbeat

__all__ = ["HealthController", "SystemController"]


class Check(msgspec.Struct, kw_only=True):
    ok: bool
    error: str | None = None


class JudgeCheck(msgspec.Struct, kw_only=True):
    ok: bool
    workers: int
    slots: int
    queue_depth: int


class Readiness(msgspec.Struct, kw_only=True):
    """``ready`` is about this API replica only (database and Redis): judges being down must not pull it out of
    service. ``judge`` reports the fleet separately, for an operator's alert (see also ``/ready/judges``)."""

    ready: bool
    database: Check
    redis: Check
    judge: JudgeCheck


class JudgeReadiness(msgspec.Struct, kw_only=True):
    """``GET /ready/judges``: 200 while at least one judge worker is alive, 503 when none is (alert on it)."""

    ok: bool
    workers: int
    slots: int
    busy: int
    queue_depth: int
    error: str | None = None


class Liveness(msgspec.Struct, kw_only=True):
    status: str = "ok"


class Fleet(msgspec.Struct, kw_only=True):
    judging: bool  # at least one judge worker is alive: submissions are being judged
    workers: list[WorkerHeartbeat]
    slots: int
    busy: int
    queue_depth: int
    estimated_wait_s: float | None


class HealthController(Controller):
    """Probes for load balancers and orchestrators: public, cheap, JSON."""

    @get("/health", operation_id="Health", summary="Liveness: the process serves requests")
    async def health(self) -> Liveness:
        return Liveness()

    @get("/ready", operation_id="Ready", summary="Readiness: database, Redis and judge fleet, each reported")
    async def ready(
        self, db_engine: NamedDependency[AsyncEngine], redis: NamedDependency[Redis]
    ) -> Response[Readiness]:
        db_error = await services.check_database(db_engine)
        redis_error = await services.check_redis(redis)
        workers: list[WorkerHeartbeat] = []
        depth = 0
        if redis_error is None:
            workers = await services.list_workers(redis)
            depth = await services.queue_depth(redis)
        body = Readiness(
            ready=db_error is None and redis_error is None,
            database=Check(ok=db_error is None, error=db_error),
            redis=Check(ok=redis_error is None, error=redis_error),
            judge=JudgeCheck(
                ok=bool(workers), workers=len(workers), slots=sum(w.slots for w in workers), queue_depth=depth
            ),
        )
        return Response(body, status_code=HTTP_200_OK if body.ready else HTTP_503_SERVICE_UNAVAILABLE)

    @get("/ready/judges", operation_id="ReadyJudges", summary="The judge fleet: 503 while no judge worker is alive")
    async def ready_judges(self, redis: NamedDependency[Redis]) -> Response[JudgeReadiness]:
        error = await services.check_redis(redis)
        workers: list[WorkerHeartbeat] = []
        depth = 0
        if error is None:
            try:
                workers = await services.list_workers(redis)
                depth = await services.queue_depth(redis)
            except (RedisError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:300]
        body = JudgeReadiness(
            ok=bool(workers),
            workers=len(workers),
            slots=sum(w.slots for w in workers),
            busy=sum(w.busy for w in workers),
            queue_depth=depth,
            error=error,
        )
        return Response(body, status_code=HTTP_200_OK if body.ok else HTTP_503_SERVICE_UNAVAILABLE)


class SystemController(Controller):
    path = "/api/system"
    tags = ["system"]

    @get("/workers", operation_id="ListJudgeWorkers", summary="The judge fleet, queue depth and estimated wait")
    async def workers(self, redis: NamedDependency[Redis]) -> Fleet:
        workers = await services.list_workers(redis)
        depth = await services.queue_depth(redis)
        slots = sum(w.slots for w in workers)
        return Fleet(
            judging=bool(workers),
            workers=workers,
            slots=slots,
            busy=sum(w.busy for w in workers),
            queue_depth=depth,
            estimated_wait_s=services.estimate_wait_s(workers, depth),
        )
