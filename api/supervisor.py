"""The supervisor of ``verdict dev``: keeps its children (API, api-tasks, judge worker, embedded Redis) running.

A child that exits while no stop was asked for is started again after a back-off (0.5 s, doubling up to 10 s; back
to 0.5 s once it has run for a minute), with a line saying which child, its exit code or signal, and when it comes
back. After ``max_crashes`` exits within ``window_s`` seconds the supervisor gives up on that child, loudly: for the
API or Redis (nothing works without them) it stops everything and ``verdict dev`` exits 1; for api-tasks or the
judge worker it keeps the rest running and says what no longer works. A stop request (Ctrl-C, SIGTERM) ends the
loop at once, whatever it was waiting for; the caller then stops every child.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Protocol

__all__ = ["Child", "ProcessChild", "Supervisor", "describe_exit"]

BACKOFF_START_S: Final = 0.5
BACKOFF_MAX_S: Final = 10.0
HEALTHY_AFTER_S: Final = 60.0  # a child that ran this long starts its back-off afresh
ESSENTIAL: Final = frozenset({"api", "redis"})
_LOST: Final = {
    "api-tasks": "judge results are no longer recorded and stuck submissions are not re-enqueued",
    "judge": "submissions wait in the queue until a judge worker runs (start one: verdict worker judge)",
}


def _to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def describe_exit(code: int) -> str:
    """``exit code 1`` or ``killed by signal SIGKILL`` (Popen reports a signal as a negative code)."""
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Child(Protocol):
    """A process the supervisor can start, poll and identify."""

    name: str

    def start(self) -> None: ...
    def poll(self) -> int | None: ...
    @property
    def pid(self) -> int | None: ...


@dataclass
class ProcessChild:
    """A child run from an argv (the API, the workers)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen(self.argv, env=self.env)

    def poll(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    @property
    def pid(self) -> int | None:
        return None if self.popen is None else self.popen.pid


@dataclass
class _Watch:
    child: Child
    started_at: float = 0.0
    backoff_s: float = BACKOFF_START_S
    restart_at: float | None = None  # set while waiting to start it again
    crashes: deque[float] = field(default_factory=deque)
    given_up: bool = False


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        *,
        stop_requested: Callable[[], bool],
        max_crashes: int = 5,
        window_s: float = 60.0,
        poll_s: float = 0.2,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._watches = [_Watch(child) for child in children]
        self._stop_requested = stop_requested
        self.max_crashes = max(1, max_crashes)
        self.window_s = window_s
        self.poll_s = poll_s
        self._log = log or _to_stderr

    def start_all(self) -> None:
        for watch in self._watches:
            self._start(watch, first=True)

    def _start(self, watch: _Watch, *, first: bool = False) -> bool:
        """Start (or restart) a child. A failed restart counts as a crash; False when that made it give up."""
        watch.started_at = time.monotonic()
        watch.restart_at = None
        try:
            watch.child.start()
        except (OSError, RuntimeError) as exc:
            if first:
                raise
            self._log(f"verdict dev: {watch.child.name} could not start: {exc}")
            return not self._crashed(watch, 1, time.monotonic())
        verb = "started" if first else "restarted"
        self._log(f"verdict dev: {verb} {watch.child.name} (pid {watch.child.pid})")
        return True

    def run(self) -> int:
        """Supervise until a stop is requested (0) or an essential child is given up on (1)."""
        while not self._stop_requested():
            now = time.monotonic()
            for watch in self._watches:
                if watch.given_up:
                    continue
                if watch.restart_at is not None:
                    if now >= watch.restart_at and not self._start(watch) and watch.child.name in ESSENTIAL:
                        return 1
                    continue
                code = watch.child.poll()
                if code is None:
                    continue
                if self._crashed(watch, code, now) and watch.child.name in ESSENTIAL:
                    return 1
            time.sleep(self.poll_s)
        return 0

    def _crashed(self, watch: _Watch, code: int, now: float) -> bool:
        """Note an unexpected exit; schedule a restart, or give up. Returns whether it gave up."""
        name = watch.child.name
        ran_s = now - watch.started_at
        if ran_s >= HEALTHY_AFTER_S:
            watch.backoff_s = BACKOFF_START_S
        watch.crashes.append(now)
        while watch.crashes and now - watch.crashes[0] > self.window_s:
            watch.crashes.popleft()
        why = describe_exit(code)
        if len(watch.crashes) >= self.max_crashes:
            watch.given_up = True
            consequence = "stopping everything" if name in ESSENTIAL else _LOST.get(name, "it stays stopped")
            self._log(
                f"verdict dev: ERROR: {name} {why} after {ran_s:.1f} s; it stopped {len(watch.crashes)} times within "
                f"{self.window_s:.0f} s, so it is not restarted again: {consequence}. See its output above."
            )
            return True
        delay = watch.backoff_s
        watch.backoff_s = min(BACKOFF_MAX_S, watch.backoff_s * 2)
        watch.restart_at = now + delay
        self._log(
            f"verdict dev: {name} stopped unexpectedly ({why}) after {ran_s:.1f} s; restarting it in {delay:.1f} s "
            f"({len(watch.crashes)} of {self.max_crashes} stops allowed within {self.window_s:.0f} s)"
        )
        return False
