"""A real judge fleet for integration tests: real processes, real Redis, real PostgreSQL, the real sandbox.

``JudgeFleet`` runs, as separate processes started the way operators start them:

- the API (``verdict serve`` on a free port; judge workers download test sets from its ``/internal/testsets``),
- the ``api-tasks`` worker (``verdict worker tasks``: records reports, reaps stale submissions),
- any number of judge workers (``verdict worker judge``), each with its own sandbox cgroup root, run dir and a uid
  range no other test session uses,

around a Redis server of its own (so a test may stop, kill and restart it) and the test's PostgreSQL database.

Fixtures (registered for every test under ``tests/integration`` by ``tests/integration/conftest.py``):

``judge_fleet``
    A started fleet: API, api-tasks and one judge worker with 2 slots. Typical use::

        async def test_accepted(judge_fleet: JudgeFleet) -> None:
            problem = await judge_fleet.create_problem(tests=[(b"1 2\\n", b"3\\n")])
            sid = await judge_fleet.submit(problem, "python3", "print(sum(map(int, input().split())))")
            final = await judge_fleet.wait_final(sid)
            assert final["verdict"] == "AC" and final["score"] == 100

    Submissions made any other way (``POST /api/submissions`` on an app using the fleet's ``redis_url`` and
    ``database_url``) work with ``wait_final`` too: it waits until the submission row is ``done``.

``fleet_factory``
    ``async with fleet_factory(judges=0, tasks=False) as fleet:`` for a fleet shaped differently (more workers,
    other slots, extra environment, nothing started: ``await fleet.start_judge(...)`` yourself).

Everything started is stopped by PID at the end (SIGTERM, then SIGKILL); a judge worker that was killed has its
sandbox leftovers swept. Process logs are in ``fleet.workdir``; ``fleet.logs()`` returns their tails for messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import msgspec
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from api.db import models as m
from api.domain.submissions.judging import build_judge_request
from api.lib.redis_server import EmbeddedRedis, find_free_port
from api.queue import JudgeQueue, create_arq_pool
from judge_worker.contracts import (
    CheckerSpec,
    Finished,
    JudgeEvent,
    TestCaseData,
    TestGroup,
    TestSetData,
    WorkerHeartbeat,
    decode_event,
    heartbeat_key,
    pack_testset,
    submission_channel,
)

__all__ = ["EventLog", "FleetProcess", "JudgeFleet", "TestSpec", "simple_testset", "sweep_dead_sessions"]

VERDICT: Final = [sys.executable, "-m", "api.cli"]
JUDGE_TOKEN: Final = "fleet-judge-token-" + "z" * 32
TASKS_HEALTH_KEY: Final = "verdict:api-tasks:health"
# A uid range per test session (jailed programs run as these host uids): far from the sandbox tests' 61000 and the
# default 60000, and different for concurrent sessions on one host, since a sandbox sweeps processes of its uids.
_UID_BASE: Final = 200_000 + (os.getpid() % 20_000) * 128
_uid_counter = 0

TestSpec = tuple[bytes, bytes] | TestCaseData  # (input, expected) or a full test case


def _next_uid_block() -> int:
    global _uid_counter  # noqa: PLW0603 - one counter per test session
    block = _UID_BASE + _uid_counter * 16
    _uid_counter += 1
    return block


@dataclass
class FleetProcess:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    sandbox_env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class JudgeFleet:
    def __init__(self, *, database_url: str, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.extra_env = dict(env or {})
        self.redis_server = EmbeddedRedis(workdir / "redis", persist=True)
        self.api_port = find_free_port()
        self.processes: list[FleetProcess] = []
        self._engine: AsyncEngine | None = None
        self._redis: Redis | None = None
        self._queue: JudgeQueue | None = None

    # --- lifecycle ----------------------------------------------------------------------------------------------
    @property
    def redis_url(self) -> str:
        return self.redis_server.url

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def redis(self) -> Redis:
        assert self._redis is not None, "the fleet is not started"
        return self._redis

    @property
    def sessions(self) -> async_sessionmaker[Any]:
        assert self._engine is not None, "the fleet is not started"
        return async_sessionmaker(self._engine, expire_on_commit=False)

    def base_env(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "VERDICT_ENV": "test",
            "VERDICT_DATA_DIR": str(self.workdir / "var"),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": "fleet-secret-key-" + "x" * 32,
            "JUDGE_TOKEN": JUDGE_TOKEN,
            "JUDGE_API_URL": self.api_url,
            "LOG_LEVEL": "INFO",
            "HOST": "127.0.0.1",
            "PORT": str(self.api_port),
            "JUDGE_REAP_AFTER": "4",
            "JUDGE_REAP_INTERVAL": "1",
            "JUDGE_HEARTBEAT_TTL": "3",
            "SANDBOX_LANGUAGES": "python3,cpp17",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(self.extra_env)
        return env

    async def open(self) -> None:
        """Start Redis and the test process's own connections (no fleet process yet)."""
        await asyncio.to_thread(sweep_dead_sessions)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.redis_server.start()
        self._engine = create_async_engine(self.database_url, pool_size=5, pool_pre_ping=True)
        self._redis = Redis.from_url(self.redis_url)
        self._queue = JudgeQueue(await create_arq_pool(self.redis_url))

    async def start(self, *, judges: int = 1, slots: int = 2, tasks: bool = True, api: bool = True) -> None:
        starts: list[Awaitable[Any]] = []
        if api:
            starts.append(self.start_api())
        if tasks:
            starts.append(self.start_tasks())
        starts += [self.start_judge(slots=slots, wait=False) for _ in range(judges)]
        await asyncio.gather(*starts)
        if judges:
            await self.wait_workers(judges)

    def _spawn(
        self, name: str, args: Sequence[str], env: dict[str, str], *, program: Sequence[str] = VERDICT
    ) -> FleetProcess:
        log = self.workdir / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [*program, *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = FleetProcess(name=name, popen=popen, log=log, env=env)
        self.processes.append(process)
        return process

    async def start_api(self, within: float = 60, *, port: int | None = None) -> FleetProcess:
        """``verdict serve`` on the fleet's API port (or ``port``, for another replica); waits for ``/health``."""
        port = port or self.api_port
        name = "api" if port == self.api_port else f"api-{port}"
        process = self._spawn(name, ["serve"], {**self.base_env(), "PORT": str(port)})
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if not process.alive:
                    raise RuntimeError(f"the API exited with {process.popen.returncode}:\n{process.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{port}/health", timeout=1)).status_code == 200:
                        return process
                await asyncio.sleep(0.1)
        raise TimeoutError(f"the API did not answer within {within} s:\n{process.tail()}")

    async def start_tasks(self, extra_env: dict[str, str] | None = None) -> FleetProcess:
        process = self._spawn("api-tasks", ["worker", "tasks"], {**self.base_env(), **(extra_env or {})})
        deadline = time.monotonic() + 60
        while not await self.redis.exists(TASKS_HEALTH_KEY):  # written by the worker's first poll
            if not process.alive:
                raise RuntimeError(f"api-tasks exited with {process.popen.returncode}:\n{process.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"api-tasks did not start within 60 s:\n{process.tail()}")
            await asyncio.sleep(0.05)
        return process

    async def start_judge(
        self,
        *,
        slots: int = 2,
        extra_env: dict[str, str] | None = None,
        wait: bool = True,
        command: Sequence[str] | None = None,
    ) -> FleetProcess:
        """Start ``verdict worker judge`` (or ``command``, e.g. the benchmark's bare worker) with its own sandbox."""
        number = sum(1 for p in self.processes if p.name.startswith("judge"))
        name = f"judge{number}"
        uid = _next_uid_block()
        tag = f"{os.getpid()}-{secrets.token_hex(3)}"
        sandbox_env = {
            "SANDBOX_UID": str(uid),
            "SANDBOX_GID": str(uid),
            "SANDBOX_CGROUP_ROOT": f"verdict-fleet-{tag}",
            "SANDBOX_RUN_DIR": f"/run/verdict-fleet-{tag}",
        }
        env = {
            **self.base_env(),
            **sandbox_env,
            "JUDGE_SLOTS": str(slots),
            "JUDGE_WORKER_ID": f"{name}-{tag}",
            "JUDGE_CACHE_DIR": str(self.workdir / f"cache-{name}"),
            **(extra_env or {}),
        }
        if command is None:
            process = self._spawn(name, ["worker", "judge"], env)
        else:
            process = self._spawn(name, [], env, program=command)
        process.sandbox_env = sandbox_env
        if wait:
            await self.wait_workers(ids=[env["JUDGE_WORKER_ID"]])
        return process

    async def wait_workers(
        self, count: int | None = None, *, ids: Iterable[str] = (), within: float = 90
    ) -> list[WorkerHeartbeat]:
        """Wait until ``count`` judge workers (or those ``ids``) have a heartbeat in Redis."""
        wanted = set(ids)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.name.startswith("judge") and not process.alive and process.popen.returncode not in (0, -9):
                    raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{process.tail()}")
            workers = await self.workers()
            found = {w.id for w in workers}
            if (wanted and wanted <= found) or (not wanted and count is not None and len(found) >= count):
                return workers
            await asyncio.sleep(0.1)
        raise TimeoutError(f"judge workers did not come up within {within} s:\n{self.logs()}")

    async def workers(self) -> list[WorkerHeartbeat]:
        keys = [key async for key in self.redis.scan_iter(match=heartbeat_key("*"))]
        beats = [raw for raw in (await self.redis.mget(keys) if keys else []) if raw is not None]
        return [msgspec.json.decode(raw, type=WorkerHeartbeat) for raw in beats]

    def kill(self, process: FleetProcess, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the process (by PID) and, for SIGKILL, reap it."""
        if process.alive:
            os.kill(process.pid, sig)
            if sig == signal.SIGKILL:
                process.popen.wait(10)

    async def stop(self, process: FleetProcess, within: float = 30) -> int:
        """SIGTERM and wait (a judge worker drains its jobs first); SIGKILL after ``within`` seconds."""
        if process.alive:
            os.kill(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(process.popen.wait, within)
        if process.alive:
            self.kill(process)
        code = process.popen.wait()
        await self._sweep(process)
        return code

    async def _sweep(self, process: FleetProcess) -> None:
        """Remove what a judge worker's sandbox left (after a SIGKILL: cgroups, box mounts, jailed processes),
        then its run directory."""
        if not process.sandbox_env:
            return
        from sandbox import Sandbox, SandboxConfig

        config = SandboxConfig.from_env(process.sandbox_env)
        problems = await Sandbox(config).sweep()
        mounts = await asyncio.to_thread(Path("/proc/mounts").read_text)
        if not problems and f" {config.run_dir}/" not in mounts and f" {config.run_dir} " not in mounts:
            shutil.rmtree(config.run_dir, ignore_errors=True)

    async def close(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                await self.stop(process, within=20)
        if self._queue is not None:
            await self._queue.pool.aclose()
        if self._redis is not None:
            await self._redis.aclose()
        if self._engine is not None:
            await self._engine.dispose()
        self.redis_server.stop()

    def restart_redis(self, *, empty: bool = False, down_for: float = 0.0) -> None:
        """SIGKILL the fleet's Redis and start it again on the same port, ``empty`` as one without persistence
        comes back (its append-only file deleted), after ``down_for`` seconds."""
        self.redis_server.kill()
        if empty:
            shutil.rmtree(self.redis_server.directory / "appendonlydir", ignore_errors=True)
            (self.redis_server.directory / "dump.rdb").unlink(missing_ok=True)
        if down_for:
            time.sleep(down_for)
        self.redis_server.start()

    def logs(self, chars: int = 3000) -> str:
        return "\n".join(f"--- {p.name} (pid {p.pid}) ---\n{p.tail(chars)}" for p in self.processes)

    # --- data ---------------------------------------------------------------------------------------------------
    async def add_testset(self, data: TestSetData) -> str:
        digest, packed = pack_testset(data)
        async with self.sessions() as session:
            if await session.get(m.TestSet, digest) is None:
                session.add(m.TestSet(digest=digest, data=packed, size_bytes=len(packed), test_count=len(data.tests)))
                await session.commit()
        return digest

    async def create_problem(
        self,
        *,
        tests: Sequence[TestSpec] = (),
        testset: TestSetData | None = None,
        time_limit_ms: int = 1000,
        memory_limit_mb: int = 256,
        checker: CheckerSpec | None = None,
        groups: Sequence[TestGroup] = (),
        files: dict[str, bytes] | None = None,
        languages: Sequence[str] = ("python3", "cpp17"),
        config: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        """A published problem with a test set made of ``tests`` (or ``testset``)."""
        if testset is None:
            cases = tuple(
                t if isinstance(t, TestCaseData) else TestCaseData(name=f"t{i}", input=t[0], expected=t[1])
                for i, t in enumerate(tests)
            )
            testset = TestSetData(
                tests=cases, groups=tuple(groups), checker=checker or CheckerSpec(), files=files or {}
            )
        digest = await self.add_testset(testset)
        checker_json = dict(config or {})
        if checker is not None:
            checker_json.update(msgspec.to_builtins(checker))
        async with self.sessions() as session:
            problem = m.Problem(
                slug=f"p-{uuid.uuid4().hex[:12]}",
                title="Fleet test problem",
                time_limit_ms=time_limit_ms,
                memory_limit_mb=memory_limit_mb,
                languages=list(languages),
                checker=checker_json,
                visibility=m.ProblemVisibility.PUBLISHED,
                testset_digest=digest,
            )
            session.add(problem)
            await session.commit()
            return problem.id

    async def create_user(self) -> uuid.UUID:
        async with self.sessions() as session:
            user = m.User(email=f"fleet-{uuid.uuid4().hex[:10]}@example.com", display_name="Fleet student")
            session.add(user)
            await session.commit()
            return user.id

    async def submit(
        self,
        problem_id: uuid.UUID | None,
        language: str,
        source: str | dict[str, str],
        *,
        user_id: uuid.UUID | None = None,
        kind: m.SubmissionKind = m.SubmissionKind.SUBMISSION,
        stdin: bytes | None = None,
        enqueue: bool = True,
        submission_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """Store a submission as the API does (commit, then enqueue its judge request); return its id.

        Give ``submission_id`` to subscribe to its events (``fleet.events(id)``) before it is submitted."""
        files = source if isinstance(source, dict) else {"main.py" if language == "python3" else "main.cpp": source}
        async with self.sessions() as session:
            problem = await session.get(m.Problem, problem_id) if problem_id else None
            submission = m.Submission(
                id=submission_id or uuid.uuid4(),
                user_id=user_id,
                problem_id=problem_id,
                kind=kind,
                language=language,
                files=files,
                testset_digest=problem.testset_digest if problem else None,
                stdin=stdin,
            )
            session.add(submission)
            await session.commit()
            if enqueue:
                await self.queue.enqueue_judge(build_judge_request(submission, problem))
            return submission.id

    @property
    def queue(self) -> JudgeQueue:
        assert self._queue is not None, "the fleet is not started"
        return self._queue

    async def submission(self, submission_id: uuid.UUID | str) -> dict[str, Any]:
        async with self.sessions() as session:
            row = await session.scalar(select(m.Submission).where(m.Submission.id == uuid.UUID(str(submission_id))))
            assert row is not None, f"no submission {submission_id}"
            return {
                "id": str(row.id),
                "status": row.status.value,
                "attempt": row.attempt,
                "verdict": row.verdict,
                "score": row.score,
                "cpu_ms": row.cpu_ms,
                "memory_kib": row.memory_kib,
                "compile_output": row.compile_output,
                "message": row.message,
                "results": row.results,
                "judged_at": row.judged_at,
                "updated_at": row.updated_at,
            }

    async def wait_final(self, submission_id: uuid.UUID | str, within: float = 60) -> dict[str, Any]:
        """Wait until the submission is ``done`` in the database; return its row as a dict (``verdict``,
        ``score``, ``results``, ``message``, ``compile_output``, ...). Fails with the fleet's logs on timeout."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            row = await self.submission(submission_id)
            if row["status"] == m.SubmissionStatus.DONE.value:
                return row
            await asyncio.sleep(0.05)
        raise TimeoutError(f"submission {submission_id} not final within {within} s:\n{self.logs()}")

    async def wait_all_final(self, ids: Sequence[uuid.UUID], within: float = 120) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        wanted = [uuid.UUID(str(i)) for i in ids]
        while time.monotonic() < deadline:
            async with self.sessions() as session:
                done = await session.scalar(
                    select(func.count())
                    .select_from(m.Submission)
                    .where(m.Submission.id.in_(wanted), m.Submission.status == m.SubmissionStatus.DONE)
                )
            if done == len(wanted):
                return [await self.submission(i) for i in wanted]
            await asyncio.sleep(0.2)
        raise TimeoutError(f"{len(wanted)} submissions not all final within {within} s:\n{self.logs()}")

    @contextlib.asynccontextmanager
    async def events(self, submission_id: uuid.UUID | str) -> AsyncIterator[EventLog]:
        """Subscribe to ``submission:<id>`` (before submitting, to see every event); yields an :class:`EventLog`."""
        log = EventLog()
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(submission_channel(submission_id))
        reader = asyncio.create_task(log.read(pubsub))
        try:
            yield log
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await pubsub.aclose()  # type: ignore[no-untyped-call]


def sweep_dead_sessions(run_root: Path = Path("/run")) -> list[Path]:
    """Remove the sandbox run dirs (and their tmpfs mounts) that judge workers of a test session that died left
    behind (a session killed before its teardown). A dir is named after its session's pid; live ones are kept."""
    removed: list[Path] = []
    for run_dir in sorted(run_root.glob("verdict-fleet-*-*")):
        try:
            pid = int(run_dir.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or Path(f"/proc/{pid}").exists():
            continue
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines() if len(line.split()) > 1]
        inside = sorted((m for m in mounts if m.startswith(f"{run_dir}/")), key=len, reverse=True)
        results = [subprocess.run(["umount", point], check=False, capture_output=True) for point in inside]
        if all(r.returncode == 0 for r in results):
            shutil.rmtree(run_dir, ignore_errors=True)
            removed.append(run_dir)
    return removed


class EventLog:
    """Events received on a submission's channel, with their arrival times (``time.monotonic``)."""

    def __init__(self) -> None:
        self.events: list[JudgeEvent] = []
        self.times: list[float] = []
        self._changed = asyncio.Event()

    async def read(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            self.events.append(decode_event(message["data"]))
            self.times.append(time.monotonic())
            self._changed.set()

    async def wait_for(self, predicate: Callable[[JudgeEvent], bool], within: float = 60) -> JudgeEvent:
        deadline = time.monotonic() + within
        seen = 0
        while True:
            for event in self.events[seen:]:
                if predicate(event):
                    return event
            seen = len(self.events)
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching event within {within} s; got {self.events}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def authoritative(self, within: float = 60) -> Finished:
        event = await self.wait_for(lambda e: isinstance(e, Finished) and e.authoritative, within)
        assert isinstance(event, Finished)
        return event


def simple_testset(tests: Sequence[tuple[bytes, bytes]], **fields: Any) -> TestSetData:
    return TestSetData(
        tests=tuple(TestCaseData(name=f"t{i}", input=i_, expected=e) for i, (i_, e) in enumerate(tests)), **fields
    )
