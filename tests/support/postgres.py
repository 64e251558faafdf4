"""An ephemeral PostgreSQL server for the test session: initdb into a temporary directory, start on a free port,
stop and delete afterwards. As root it runs the server as the ``postgres`` system user (PostgreSQL refuses root)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from api.lib.redis_server import find_free_port

__all__ = ["EphemeralPostgres", "find_pg_bindir"]


def find_pg_bindir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").exists():
            return bindir
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise FileNotFoundError(
        "PostgreSQL server binaries not found: install them with `apt-get install postgresql` "
        "(make test does this itself when run as root), or set TEST_DATABASE_URL to an existing server"
    )


class EphemeralPostgres:
    def __init__(self, *, durable_commits: bool = False) -> None:
        # Off by default: fast, and a commit may be lost if the server crashes (as the chaos test makes it do).
        # On: a commit is in the write-ahead log before it is confirmed, so it survives the server process's crash
        # (fsync stays off: the operating system, which keeps the written pages, does not crash in a test).
        self.durable_commits = durable_commits
        self.bindir = find_pg_bindir()
        self.port = find_free_port()
        self.root = Path(tempfile.mkdtemp(prefix="verdict-pg-"))
        self.datadir = self.root / "data"
        self.user = "verdict"
        self._run_as: str | None = None
        if os.geteuid() == 0:
            self._run_as = "postgres"
            pw = pwd.getpwnam(self._run_as)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/postgres"

    def _cmd(self, *argv: str) -> list[str]:
        full = [str(self.bindir / argv[0]), *argv[1:]]
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *full]
        return full

    def start(self) -> None:
        subprocess.run(
            self._cmd("initdb", "-D", str(self.datadir), "-U", self.user, "-A", "trust", "--no-sync", "-E", "UTF8"),
            check=True,
            capture_output=True,
        )
        self._serve()

    def _serve(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit={'on' if self.durable_commits else 'off'} -c full_page_writes=off "
            "-c max_connections=200"
        )
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.root / "log"), "-w", "start"),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not become ready: {(self.root / 'log').read_text()[-2000:]}")

    def crash(self) -> None:
        """Stop at once, as a crash would: an immediate shutdown (every backend quits, no checkpoint), so the next
        start runs crash recovery."""
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop"),
            check=True,
            capture_output=True,
        )

    def restart(self) -> None:
        """Start the server again on the same port and data directory (after :meth:`crash`)."""
        self._serve()

    def stop(self) -> None:
        try:
            if self.datadir.exists():
                subprocess.run(
                    self._cmd("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop"),
                    check=False,
                    capture_output=True,
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
