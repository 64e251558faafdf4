"""Prometheus metrics of the API side, served at ``GET /metrics``.

- Request latency: a histogram per method, route template and status class, observed by :func:`metrics_middleware`
  (route templates, never raw paths, so ids do not explode the label set).
- The judge fleet and its queue, read from Redis at each scrape: workers alive (and draining), slots, busy slots,
  and per lane the waiting jobs, the oldest job's wait and the estimated wait of a job enqueued now.
- Verdict counts: api-tasks counts every recorded report in one Redis hash (:func:`count_verdict`), so every API
  replica reports the same fleet-wide totals.

Who may scrape: ``Authorization: Bearer <METRICS_TOKEN>`` when that is set, or a signed-in admin. The judge
workers serve their own metrics on ``JUDGE_METRICS_PORT`` (see :mod:`judge_worker.metrics`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Iterator
from typing import Any, Final, cast

from litestar import Controller, Response, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from redis.asyncio import Redis

from api.domain.accounts.guards import requires_admin
from api.domain.system.lanes import QueueStats, queue_stats
from api.domain.system.services import list_workers
from api.lib.crypto import secrets_equal
from judge_worker.contracts import WorkerHeartbeat

__all__ = ["VERDICTS_KEY", "MetricsController", "count_verdict", "metrics_middleware", "requires_metrics_access"]

VERDICTS_KEY: Final = "verdict:metrics:verdicts"  # hash "<verdict>|<language>" -> reports recorded

REGISTRY: Final = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
REQUEST_SECONDS: Final = Histogram(
    "verdict_http_request_duration_seconds",
    "HTTP request latency of the API, by method, route template and status class",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)


async def count_verdict(redis: Redis, verdict: str, language: str) -> None:
    await cast("Awaitable[int]", redis.hincrby(VERDICTS_KEY, f"{verdict}|{language or 'unknown'}", 1))


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_with_status)
        finally:
            route = str(scope.get("path_template") or "unmatched")
            REQUEST_SECONDS.labels(scope.get("method", ""), route, f"{status // 100}xx").observe(
                time.perf_counter() - started
            )

    return middleware


class _FleetCollector(Collector):
    """One scrape's view of the fleet, the queue and the verdict totals (read from Redis just before)."""

    def __init__(self, workers: list[WorkerHeartbeat], stats: QueueStats, verdicts: dict[bytes, bytes]) -> None:
        self.workers = workers
        self.stats = stats
        self.verdicts = verdicts

    def collect(self) -> Iterator[Any]:
        alive = GaugeMetricFamily("verdict_judge_workers", "Judge workers with a live heartbeat", labels=["state"])
        draining = sum(1 for w in self.workers if w.draining)
        alive.add_metric(["active"], len(self.workers) - draining)
        alive.add_metric(["draining"], draining)
        yield alive
        yield GaugeMetricFamily(
            "verdict_judge_slots_total", "CPU slots of the live judges", sum(w.slots for w in self.workers)
        )
        yield GaugeMetricFamily(
            "verdict_judge_busy_slots_total", "Slots in use across the fleet", sum(w.busy for w in self.workers)
        )
        yield GaugeMetricFamily("verdict_judge_running_jobs_total", "Judge jobs running", self.stats.running)
        yield GaugeMetricFamily(
            "verdict_queue_depth_total", "Jobs in the judge queue, running ones included", self.stats.depth
        )
        waiting = GaugeMetricFamily("verdict_queue_waiting", "Judge jobs waiting, by lane", labels=["lane"])
        oldest = GaugeMetricFamily(
            "verdict_queue_oldest_wait_seconds", "How long the oldest waiting job has waited, by lane", labels=["lane"]
        )
        estimate = GaugeMetricFamily(
            "verdict_queue_estimated_wait_seconds",
            "Estimated wait before a job enqueued now starts, by lane (absent when no judge is alive)",
            labels=["lane"],
        )
        for lane in self.stats.lanes:
            waiting.add_metric([lane.lane], lane.waiting)
            oldest.add_metric([lane.lane], lane.oldest_wait_s)
            if lane.estimated_wait_s is not None:
                estimate.add_metric([lane.lane], lane.estimated_wait_s)
        yield waiting
        yield oldest
        yield estimate
        verdicts = CounterMetricFamily(
            "verdict_judge_reports", "Judge reports recorded, by verdict and language", labels=["verdict", "language"]
        )
        for field, count in sorted(self.verdicts.items()):
            verdict, _, language = field.decode().partition("|")
            verdicts.add_metric([verdict, language], int(count))
        yield verdicts


async def requires_metrics_access(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """``Authorization: Bearer <METRICS_TOKEN>`` (compared in constant time), else a signed-in admin."""
    expected: str = connection.app.state["app_state"].settings.metrics_token
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if expected and scheme.lower() == "bearer" and secrets_equal(token.strip(), expected):
        return
    await requires_admin(connection, handler)


class MetricsController(Controller):
    path = "/metrics"
    guards = [requires_metrics_access]

    @get(operation_id="Metrics", summary="Prometheus metrics (METRICS_TOKEN or an admin)", include_in_schema=False)
    async def metrics(self, redis: NamedDependency[Redis]) -> Response[bytes]:
        workers = await list_workers(redis)
        stats = await queue_stats(redis, workers)
        verdicts = await cast("Awaitable[dict[bytes, bytes]]", redis.hgetall(VERDICTS_KEY))
        scrape = CollectorRegistry(auto_describe=True)
        scrape.register(_FleetCollector(workers, stats, verdicts))
        body = generate_latest(REGISTRY) + generate_latest(scrape)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
