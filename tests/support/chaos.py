"""What the chaos test (tests/integration/test_chaos.py) drives the platform with, and what it measures.

``Traffic`` is the clients: it spreads requests over the API replicas the way a load balancer does (round robin, and
the next replica when one refuses the connection) and records every answer. ``Outages`` keeps the time windows in
which a dependency was down, and ``Recovery`` what each fault cost.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

__all__ = ["Answer", "Outages", "Recovery", "Traffic"]


@dataclass(frozen=True)
class Answer:
    at: float  # time.monotonic()
    replica: int
    method: str
    path: str
    status: int | None  # None: no HTTP answer (connection refused or dropped)
    retry_after: str | None
    error: str | None = None


@dataclass
class Recovery:
    part: str
    injected_at: float
    down_s: float  # how long it was kept down
    back_after_s: float = 0.0  # from the fault until the part runs again (restarted, answering)
    recovered_after_s: float = 0.0  # from the fault until a submission made afterwards had its final result
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("injected_at")
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in data.items()}


@dataclass
class Outages:
    """Windows (start, end) in which a store was down, PostgreSQL or Redis; ``grace`` extends each end for the
    connections to be made again."""

    grace: float
    windows: list[tuple[str, float, float]] = field(default_factory=list)

    def add(self, what: str, start: float, end: float) -> None:
        self.windows.append((what, start, end + self.grace))

    def covering(self, at: float) -> str | None:
        return next((what for what, start, end in self.windows if start <= at <= end), None)


class Traffic:
    def __init__(self, replicas: Sequence[str], headers: dict[str, str]) -> None:
        self.replicas = list(replicas)
        self.headers = headers
        self.answers: list[Answer] = []
        self.accepted: list[uuid.UUID] = []
        self._turn = itertools.cycle(range(len(self.replicas)))
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=2.0))

    async def close(self) -> None:
        await self.client.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """One request, on the next replica; a replica that gives no answer is passed over, as a load balancer
        does. None when no replica answered."""
        for _ in self.replicas:
            replica = next(self._turn)
            try:
                resp = await self.client.request(method, self.replicas[replica] + path, headers=self.headers, **kwargs)
            except httpx.TransportError as exc:
                self.answers.append(Answer(time.monotonic(), replica, method, path, None, None, type(exc).__name__))
                continue
            self.answers.append(
                Answer(time.monotonic(), replica, method, path, resp.status_code, resp.headers.get("retry-after"))
            )
            return resp
        return None

    async def submit(self, problem_id: uuid.UUID, source: str, *, within: float = 120) -> uuid.UUID:
        """Submit until a replica accepts (201): after a 503 it waits as ``Retry-After`` says (at most 1 s here,
        to keep the test short), after no answer 0.3 s."""
        deadline = time.monotonic() + within
        body = {"problemId": str(problem_id), "language": "python3", "source": source}
        while time.monotonic() < deadline:
            resp = await self.request("POST", "/api/submissions", json=body)
            if resp is not None and resp.status_code == 201:
                sid = uuid.UUID(resp.json()["id"])
                self.accepted.append(sid)
                return sid
            pause = 0.3
            if resp is not None and resp.status_code == 503:
                pause = min(1.0, float(resp.headers.get("retry-after") or 1))
            await asyncio.sleep(pause)
        raise TimeoutError(f"no replica accepted a submission within {within} s")

    async def poll(self, stop: asyncio.Event, every: float = 0.25) -> None:
        """A student's page: read back a recent submission now and then."""
        while not stop.is_set():
            if self.accepted:
                await self.request("GET", f"/api/submissions/{self.accepted[-1]}")
            await asyncio.sleep(every)

    def statuses(self) -> Counter[str]:
        return Counter(str(a.status) if a.status is not None else f"no answer ({a.error})" for a in self.answers)
