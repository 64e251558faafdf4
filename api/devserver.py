"""``verdict dev`` and ``verdict serve``: the embedded, one-machine set-up (supervision: api/supervisor.py)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from api.lib.redis_server import EmbeddedRedis
from api.settings import Settings, load_settings
from api.supervisor import Child, ProcessChild, Supervisor

__all__ = ["run_dev", "serve"]

_BANNER = """
  Verdict is running at {url}

  Demo logins (password: {password}):
    admin@example.com       admin
    instructor@example.com  instructor
    student@example.com     student

  API docs: {url}/api/docs     Health: {url}/ready
  Data: {data_dir} (delete it to start afresh)     Stop: Ctrl-C
"""


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    """Development secrets, made once and kept in the data directory so sessions survive a restart."""
    path = data_dir / "dev-secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    values = {"SECRET_KEY": "dev-insecure-" + secrets.token_urlsafe(32), "JUDGE_TOKEN": secrets.token_urlsafe(32)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle)
    return values


def _prepare(settings: Settings) -> None:
    """Migrate an SQLite database on start (PostgreSQL is migrated by `verdict migrate`, a deploy step)."""
    from api.db.migrate import upgrade

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database_url)


def run_dev(*, with_judge: bool = True) -> int:
    import asyncio

    from api.db.seed import DEMO_PASSWORD, seed
    from api.domain.dashboards.generator import seed_demo_history

    base = load_settings()
    data_dir = base.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for key, value in _dev_secrets(data_dir).items():
        env.setdefault(key, value)
    env["VERDICT_DATA_DIR"] = str(data_dir)

    redis: EmbeddedRedis | None = None
    if not base.redis_url:
        redis = EmbeddedRedis(data_dir / "redis", persist=True)
        redis.start()
        env["REDIS_URL"] = redis.url
    settings = Settings.from_env(env)
    env.setdefault("JUDGE_API_URL", f"http://{_connect_host(settings.host)}:{settings.port}")

    children: list[Child] = []
    stop = _StopRequest()
    try:
        _prepare(settings)
        created = asyncio.run(seed(settings, demo=True))
        created += asyncio.run(seed_demo_history(settings))  # the dashboards' demo course (api/domain/dashboards)
        if created:
            print("Seeded: " + ", ".join(created), flush=True)
        cli = [sys.executable, "-m", "api.cli"]
        children = [
            ProcessChild("api", [*cli, "serve"], env),
            ProcessChild("api-tasks", [*cli, "worker", "tasks"], env),
        ]
        if with_judge:
            children.append(ProcessChild("judge", [*cli, "worker", "judge"], env))
        if redis is not None:
            children.append(_RedisChild(redis))
        supervisor = Supervisor(
            children,
            stop_requested=lambda: stop.requested,
            max_crashes=_env_int(env, "VERDICT_DEV_MAX_CRASHES", 5),
            window_s=_env_int(env, "VERDICT_DEV_CRASH_WINDOW", 60),
        )
        stop.install()  # from here on, Ctrl-C stops everything gracefully, whenever it comes
        supervisor.start_all()
        if _wait_until_serving(settings, stop):
            print(_BANNER.format(url=settings.base_url, password=DEMO_PASSWORD, data_dir=data_dir), flush=True)
        code = supervisor.run()
        print("\nStopping Verdict...", flush=True)
        return code
    finally:
        _stop_all([c.popen for c in children if isinstance(c, ProcessChild) and c.popen is not None])
        if redis is not None:
            redis.stop()


class _RedisChild:
    """The embedded Redis under supervision: restarted on the same port, from its append-only file."""

    name = "redis"

    def __init__(self, server: EmbeddedRedis) -> None:
        self.server = server

    def start(self) -> None:
        if self.server.pid is None or self.server.poll() is not None:
            self.server.kill()  # reap what is left of the previous process
            self.server.start()

    def poll(self) -> int | None:
        return self.server.poll()

    @property
    def pid(self) -> int | None:
        return self.server.pid


def _env_int(env: dict[str, str], name: str, default: int) -> int:
    try:
        return max(1, int(env.get(name, default)))
    except ValueError:
        return default


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104 - a host to connect to, not bind


class _StopRequest:
    """Set by SIGINT (Ctrl-C) or SIGTERM once the child processes start."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.requested = True


def _wait_until_serving(settings: Settings, stop: _StopRequest, timeout: float = 60.0) -> bool:
    """True once the API answers; False when asked to stop first or after ``timeout`` (with a warning)."""
    import urllib.request

    url = f"http://{_connect_host(settings.host)}:{settings.port}/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.requested:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    if not stop.requested:
        print(f"warning: the API did not answer {url} within {timeout:.0f} s", file=sys.stderr)
    return False


def _stop_all(children: list[subprocess.Popen[bytes]], grace: float = 15.0) -> None:
    for proc in children:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in children:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve(*, workers: int = 1) -> int:
    import uvicorn

    settings = load_settings()
    redis: EmbeddedRedis | None = None
    if not settings.redis_url:
        redis = EmbeddedRedis(settings.data_dir.resolve() / "redis", persist=True)
        redis.start()
        os.environ["REDIS_URL"] = redis.url
        settings = load_settings()
    try:
        _prepare(settings)
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            log_config=None,
            access_log=False,  # the request-id middleware logs each request once
            proxy_headers=True,
            ws="websockets-sansio",
            # judge events and chat frames are small JSON: compressing each for every viewer (1,000 watchers of
            # one submission: 1,000 compressions of the same frame) cost more CPU than it saved bytes
            ws_per_message_deflate=False,
        )
    finally:
        if redis is not None:
            redis.stop()
    return 0
