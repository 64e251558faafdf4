"""The judge worker process: arq ``WorkerSettings``, start-up host check and the fleet heartbeat."""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections.abc import Mapping
from typing import Any, Final

import msgspec
from arq import cron
from arq.connections import RedisSettings
from arq.worker import run_worker as arq_run_worker

from judge_worker.contracts import JUDGE_QUEUE, WorkerHeartbeat, heartbeat_key
from judge_worker.settings import JudgeSettings, JudgeSettingsError

__all__ = ["WorkerSettings", "heartbeat", "run_worker"]

logger = logging.getLogger("verdict.judge")
VERSION: Final = "0.1.0"


async def heartbeat(ctx: dict[str, Any]) -> None:
    """Keep this worker's entry in the fleet registry alive (a TTL makes dead workers disappear)."""
    settings: JudgeSettings = ctx["judge_settings"]
    beat = WorkerHeartbeat(
        id=settings.worker_id,
        host=socket.gethostname(),
        slots=settings.slots,
        busy=int(ctx.get("busy", 0)),
        languages=tuple(ctx.get("languages", ())),
        version=VERSION,
        started_at=float(ctx["started_at"]),
        last_seen=time.time(),
    )
    await ctx["redis"].set(heartbeat_key(settings.worker_id), msgspec.json.encode(beat), ex=settings.heartbeat_ttl_s)


async def startup(ctx: dict[str, Any]) -> None:
    ctx["started_at"] = time.time()
    ctx.setdefault("languages", ())
    await heartbeat(ctx)
    logger.info("judge worker %s started with %d slots", ctx["judge_settings"].worker_id, ctx["judge_settings"].slots)


async def shutdown(ctx: dict[str, Any]) -> None:
    settings: JudgeSettings = ctx["judge_settings"]
    await ctx["redis"].delete(heartbeat_key(settings.worker_id))


class WorkerSettings:
    functions: list[Any] = []
    cron_jobs = [cron(heartbeat, second=set(range(0, 60, 5)), run_at_startup=False, timeout=5, keep_result=0)]
    queue_name = JUDGE_QUEUE
    on_startup = startup
    on_shutdown = shutdown
    poll_delay = 0.02  # arq's 0.5 s default alone adds ~250 ms of latency
    job_completion_wait = 120  # drain in-flight judging on SIGTERM
    job_serializer = msgspec.msgpack.encode
    job_deserializer = msgspec.msgpack.decode


def run_worker(environ: Mapping[str, str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s %(message)s")
    try:
        settings = JudgeSettings.from_env(environ)
    except JudgeSettingsError as exc:
        print(f"verdict worker judge: {exc}", file=sys.stderr)
        return 2
    arq_run_worker(
        WorkerSettings,  # type: ignore[arg-type]
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        max_jobs=settings.slots,
        ctx={"judge_settings": settings},
    )
    return 0
