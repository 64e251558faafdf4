"""The judge worker process: arq settings, start-up host check and language self-tests, the fleet heartbeat.

``verdict worker judge`` runs :func:`run_worker`: it checks the host and self-tests every language in the sandbox
*before* connecting to Redis, refuses to start (exit status 1, with what to fix) when the host cannot enforce the
limits, logs the enabled languages, then takes jobs from the ``judge`` queue with one job per CPU slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import msgspec
from arq import func
from arq.connections import RedisSettings
from arq.worker import Worker
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, WatchError
from redis.exceptions import TimeoutError as RedisTimeoutError

from judge_worker.contracts import (
    JUDGE_QUEUE,
    JUDGE_SUBMISSION,
    SCAN_SUBMISSION,
    VALIDATE_INPUTS,
    WorkerHeartbeat,
    drain_key,
    heartbeat_key,
)
from judge_worker.execution import Executor, SandboxExecutor
from judge_worker.input_validation import INPUT_VALIDATION_MAX_TRIES, validate_inputs
from judge_worker.jobs import JUDGE_MAX_TRIES, WorkerState, judge_submission
from judge_worker.logs import configure_logging
from judge_worker.metrics import MetricsServer, bind_state, start_metrics_server
from judge_worker.scanning import SCAN_MAX_TRIES, scan_submission
from judge_worker.settings import JudgeSettings, JudgeSettingsError
from judge_worker.slots import SlotPool
from judge_worker.testdata import TestDataCache
from judge_worker.wake import WakeableWorker
from sandbox import Sandbox, SandboxConfig, SandboxConfigError, SandboxError, check_host

__all__ = [
    "Backend",
    "BackendFactory",
    "StartupRefusedError",
    "WorkerSettings",
    "build_worker",
    "heartbeat",
    "run_worker",
    "sandbox_backend",
]

logger = logging.getLogger("verdict.judge")
VERSION: Final = "0.1.0"
IDLE_POLL_S: Final = 0.1  # an idle worker polls this often; an enqueued job wakes it at once (judge_worker.wake)
SANDBOX_SLOTS_PER_SLOT: Final = 2  # a test may run two jails at once: the solution and its interactor


class StartupRefusedError(RuntimeError):
    """The host cannot judge safely (or at all); the message says what to fix."""


@dataclass
class Backend:
    """Where programs run: the executor, the languages that passed their self-tests, and how to shut it down."""

    executor: Executor
    languages: tuple[str, ...]
    close: Callable[[], Awaitable[None]]


BackendFactory = Callable[[JudgeSettings, Mapping[str, str]], Awaitable[Backend]]


async def sandbox_backend(settings: JudgeSettings, environ: Mapping[str, str]) -> Backend:
    """The nsjail sandbox, checked like ``python -m sandbox check``; refuses on any error."""
    try:
        base = SandboxConfig.from_env(environ)
        config = msgspec.structs.replace(base, slots=settings.slots * SANDBOX_SLOTS_PER_SLOT)
    except SandboxConfigError as exc:
        raise StartupRefusedError(f"sandbox configuration: {exc}") from exc
    sandbox = Sandbox(config)
    try:
        await sandbox.start()
    except (SandboxError, OSError) as exc:  # OSError: e.g. no right to create the jail's device nodes
        await sandbox.close()
        raise StartupRefusedError(f"the sandbox cannot start: {exc}") from exc
    try:
        report = await check_host(config, sandbox=sandbox)
    except BaseException:
        await sandbox.close()
        raise
    if not report.ok:
        await sandbox.close()
        problems = "; ".join(f"{i.name}: {i.detail}" + (f" (fix: {i.fix})" if i.fix else "") for i in report.errors)
        raise StartupRefusedError(f"the host check failed: {problems}")
    enabled = tuple(sorted(status.id for status in report.languages.values() if status.available))
    for status in sorted(report.languages.values(), key=lambda s: s.id):
        if not status.available:
            logger.warning("language %s disabled: %s", status.id, status.reason)
    return Backend(executor=SandboxExecutor(sandbox), languages=enabled, close=sandbox.close)


async def prepare(settings: JudgeSettings, environ: Mapping[str, str], factory: BackendFactory) -> dict[str, Any]:
    backend = await factory(settings, environ)
    if not backend.languages:
        await backend.close()
        raise StartupRefusedError("no language passed its self-test; install the toolchains")
    logger.info("languages enabled: %s", ", ".join(backend.languages))
    state = WorkerState(
        settings=settings,
        executor=backend.executor,
        slots=SlotPool(settings.slots),
        testdata=TestDataCache(
            settings.cache_dir,
            max_bytes=settings.cache_max_bytes,
            api_url=settings.api_url,
            token=settings.judge_token,
        ),
        languages=backend.languages,
    )
    return {"judge_settings": settings, "state": state, "backend": backend}


async def heartbeat(ctx: dict[str, Any]) -> None:
    """Write this worker's entry in the fleet registry (a TTL makes a dead worker disappear)."""
    state: WorkerState = ctx["state"]
    settings = state.settings
    beat = WorkerHeartbeat(
        id=settings.worker_id,
        host=socket.gethostname(),
        slots=settings.slots,
        busy=state.slots.in_use,
        languages=state.languages,
        version=VERSION,
        started_at=state.started_at,
        last_seen=time.time(),
        jobs_done=state.jobs_done,
        job_seconds_avg=round(state.job_seconds_avg, 3),
        running=state.jobs_running,
        draining=state.draining,
    )
    await ctx["redis"].set(heartbeat_key(settings.worker_id), msgspec.json.encode(beat), ex=settings.heartbeat_ttl_s)


async def _heartbeat_loop(ctx: dict[str, Any]) -> None:
    interval = ctx["state"].settings.heartbeat_interval_s
    while True:
        try:
            await heartbeat(ctx)
        except (RedisError, OSError) as exc:
            logger.warning("heartbeat failed: %s", exc)
        await asyncio.sleep(interval)


async def startup(ctx: dict[str, Any]) -> None:
    if "state" not in ctx:  # started by `arq judge_worker.main.WorkerSettings` rather than run_worker
        import os  # noqa: PLC0415 - the arq CLI path only

        settings = ctx.get("judge_settings") or JudgeSettings.from_env(os.environ)
        ctx.update(await prepare(settings, os.environ, sandbox_backend))
    state: WorkerState = ctx["state"]
    bind_state(
        state.settings.slots,
        busy=lambda: state.slots.in_use,
        running=lambda: state.jobs_running,
        draining=lambda: state.draining,
    )
    await heartbeat(ctx)
    ctx["heartbeat_task"] = asyncio.create_task(_heartbeat_loop(ctx))
    logger.info("judge worker %s started with %d slots", state.settings.worker_id, state.settings.slots)


async def shutdown(ctx: dict[str, Any]) -> None:
    task: asyncio.Task[None] | None = ctx.pop("heartbeat_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    state: WorkerState | None = ctx.get("state")
    if state is not None:
        with contextlib.suppress(RedisError, OSError):
            await ctx["redis"].delete(heartbeat_key(state.settings.worker_id))
        await state.testdata.aclose()
    backend: Backend | None = ctx.get("backend")
    if backend is not None:
        await backend.close()
    server: MetricsServer | None = ctx.pop("metrics_server", None)
    if server is not None:
        await asyncio.to_thread(server.close)


class ResilientWorker(WakeableWorker):
    """An arq worker that outlives a Redis outage: a poll that fails on the connection is logged and tried again
    (arq's own loop would end the process); jobs resume once Redis is back.

    It also drains on request: once ``drain_key(worker_id)`` exists in Redis it takes no new job, lets the running
    ones finish (their reports enqueued), deletes its heartbeat and exits with status 0. A job it never took stays
    in the queue for the other workers, so nothing is lost."""

    drain_check_interval_s: float = 0.5
    _next_drain_check: float = 0.0
    _drain_task: asyncio.Task[None] | None = None

    async def _poll_iteration(self) -> None:
        try:
            await self._check_drain()
            await super()._poll_iteration()
        except (RedisConnectionError, RedisTimeoutError, WatchError, ConnectionError, OSError) as exc:
            logger.warning("Redis unreachable (%s); retrying", exc)
            await asyncio.sleep(0.5)

    async def _check_drain(self) -> None:
        state: WorkerState | None = self.ctx.get("state")
        if state is None or state.draining or time.monotonic() < self._next_drain_check:
            return
        self._next_drain_check = time.monotonic() + self.drain_check_interval_s
        if await self.pool.exists(drain_key(state.settings.worker_id)):
            self.start_drain()

    def start_drain(self) -> None:
        state: WorkerState = self.ctx["state"]
        state.draining = True
        self.allow_pick_jobs = False
        logger.info("draining: no new jobs; %d running", len(self.tasks))
        self._drain_task = self.loop.create_task(self._finish_drain(state))

    async def _finish_drain(self, state: WorkerState) -> None:
        with contextlib.suppress(RedisError, OSError):
            await heartbeat(self.ctx)  # shows `draining` at once
        while pending := [task for task in self.tasks.values() if not task.done()]:
            await asyncio.wait(pending)
        with contextlib.suppress(RedisError, OSError):
            await self.pool.delete(drain_key(state.settings.worker_id))
        logger.info("drained: %d jobs complete, exiting", self.jobs_complete)
        if self.main_task is not None:
            self.main_task.cancel()


def _functions(settings: JudgeSettings | None = None) -> list[Any]:
    timeout = settings.job_timeout_s if settings is not None else 600
    return [
        func(judge_submission, name=JUDGE_SUBMISSION, max_tries=JUDGE_MAX_TRIES, timeout=timeout),
        func(scan_submission, name=SCAN_SUBMISSION, max_tries=SCAN_MAX_TRIES, timeout=120),  # code scanning
        # a pushed package's input validators, on every test input; the API waits for the report (the result)
        func(
            validate_inputs,
            name=VALIDATE_INPUTS,
            max_tries=INPUT_VALIDATION_MAX_TRIES,
            timeout=timeout,
            keep_result=600,
        ),
    ]


class WorkerSettings:
    """For ``arq judge_worker.main.WorkerSettings``; ``verdict worker judge`` builds the same worker itself."""

    functions: list[Any] = _functions()
    queue_name = JUDGE_QUEUE
    on_startup = startup
    on_shutdown = shutdown
    poll_delay = 0.02  # arq's 0.5 s default alone adds ~250 ms of latency (``verdict worker judge``: IDLE_POLL_S)
    job_completion_wait = 120  # drain in-flight judging on SIGTERM
    job_serializer = msgspec.msgpack.encode
    job_deserializer = msgspec.msgpack.decode


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.conn_retries = 30
    settings.conn_retry_delay = 1
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    settings.retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=5)
    return settings


def build_worker(settings: JudgeSettings, ctx: dict[str, Any]) -> Worker:
    return ResilientWorker(
        functions=_functions(settings),
        queue_name=WorkerSettings.queue_name,
        on_startup=startup,
        on_shutdown=shutdown,
        poll_delay=IDLE_POLL_S,
        job_completion_wait=WorkerSettings.job_completion_wait,
        job_serializer=WorkerSettings.job_serializer,
        job_deserializer=WorkerSettings.job_deserializer,
        max_jobs=settings.slots,
        redis_settings=redis_settings(settings.redis_url),
        health_check_key=f"arq:judge:health-check:{settings.worker_id}",
        ctx=ctx,
    )


def run_worker(environ: Mapping[str, str], *, backend_factory: BackendFactory = sandbox_backend) -> int:
    try:
        settings = JudgeSettings.from_env(environ)
    except JudgeSettingsError as exc:
        print(f"verdict worker judge: {exc}", file=sys.stderr)
        return 2
    configure_logging(level=settings.log_level, json_lines=settings.log_json, worker_id=settings.worker_id)
    worker = build_worker(settings, {})
    try:
        worker.ctx.update(worker.loop.run_until_complete(prepare(settings, environ, backend_factory)))
    except StartupRefusedError as exc:
        print(f"verdict worker judge: refusing to start: {exc}", file=sys.stderr)
        return 1
    if settings.metrics_port is not None:
        try:
            worker.ctx["metrics_server"] = start_metrics_server(settings.metrics_port, settings.metrics_addr)
        except OSError as exc:
            worker.loop.run_until_complete(worker.ctx["backend"].close())
            print(
                f"verdict worker judge: refusing to start: metrics port {settings.metrics_port}: {exc}", file=sys.stderr
            )
            return 1
    worker.run()
    return 0
