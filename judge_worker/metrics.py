"""Prometheus metrics of one judge worker, served on its own port (``JUDGE_METRICS_PORT``; off when unset).

A worker is one process, so prometheus-client's default registry needs no multiprocess directory. The port is
meant for the fleet's internal network (bind it with ``JUDGE_METRICS_ADDR``); it shows counts and timings only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

__all__ = [
    "BUSY_SLOTS",
    "DRAINING",
    "JOBS",
    "JUDGE_SECONDS",
    "PICKUP_SECONDS",
    "RUNNING_JOBS",
    "SANDBOX_FAULTS",
    "SLOTS",
    "MetricsServer",
    "bind_state",
    "start_metrics_server",
]

logger = logging.getLogger("verdict.judge")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

PICKUP_SECONDS = Histogram(
    "verdict_judge_pickup_latency_seconds",
    "From enqueue to a worker starting the job (first tries only), by kind of request",
    ["kind"],
    buckets=_LATENCY_BUCKETS,
)
JUDGE_SECONDS = Histogram(
    "verdict_judge_duration_seconds",
    "Judging time of one job (compile and every test), by language",
    ["language"],
    buckets=_LATENCY_BUCKETS,
)
JOBS = Counter("verdict_judge_jobs", "Jobs judged by this worker, by language and verdict", ["language", "verdict"])
SANDBOX_FAULTS = Counter(
    "verdict_judge_sandbox_faults",
    "Host faults while judging (the job is retried; IE after the last try), by kind",
    ["kind"],
)
SLOTS = Gauge("verdict_judge_slots", "CPU slots of this worker")
BUSY_SLOTS = Gauge("verdict_judge_busy_slots", "Slots in use (jobs and the tests they run in parallel)")
RUNNING_JOBS = Gauge("verdict_judge_running_jobs", "Jobs in hand")
DRAINING = Gauge("verdict_judge_draining", "1 while this worker drains (takes no new jobs)")


def bind_state(
    slots: int, busy: Callable[[], float], running: Callable[[], float], draining: Callable[[], bool]
) -> None:
    SLOTS.set(slots)
    BUSY_SLOTS.set_function(busy)
    RUNNING_JOBS.set_function(running)
    DRAINING.set_function(lambda: float(draining()))


class MetricsServer:
    def __init__(self, server: WSGIServer, thread: threading.Thread) -> None:
        self.server = server
        self.thread = thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def start_metrics_server(port: int, addr: str) -> MetricsServer:
    server, thread = start_http_server(port, addr=addr, registry=REGISTRY)
    logger.info("metrics on http://%s:%d/metrics", addr, server.server_address[1])
    return MetricsServer(server, thread)
