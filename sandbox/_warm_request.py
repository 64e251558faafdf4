"""One test of a warm jail: the request sent to its init, the limits enforced until the answer, the result read.

Split from ``sandbox.warm`` (which owns the jail's lifecycle and the reset between tests).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from sandbox._streams import Capture, Feeder
from sandbox.nsjail import NsjailLog, parse_init_report
from sandbox.outcome import classify
from sandbox.result import LimitKind, RunResult

if TYPE_CHECKING:
    from sandbox.warm import WarmJail

__all__ = ["DeadJailError", "WarmRequest"]

_DRAIN_S: Final = 2.0
_MIN_POLL_S: Final = 0.005
_CPU_SLACK_NS: Final = 2_000_000


class DeadJailError(Exception):
    """The jail or its init went away under a request."""


class WarmRequest:
    """One request to the warm init, from send to its answer, with the run's limits enforced."""

    def __init__(  # noqa: PLR0917
        self,
        loop: asyncio.AbstractEventLoop,
        jail: WarmJail,
        in_parent: int | None,
        stdin: bytes | None,
        out_parent: int,
        err_parent: int,
        started: float,
    ) -> None:
        self._loop = loop
        self._jail = jail
        limits = jail._plan.limits
        self._limits = limits
        self._started = started
        self.kill_reason: LimitKind | None = None
        self._feeder = Feeder(loop, in_parent, stdin or b"") if in_parent is not None else None
        self._out = Capture(loop, out_parent, limits.output_bytes, lambda: self._kill(LimitKind.STDOUT))
        self._err = Capture(loop, err_parent, limits.stderr_bytes, lambda: self._kill(LimitKind.STDERR))
        self._answer: asyncio.Future[bytes] = loop.create_future()

    def _kill(self, reason: LimitKind) -> None:
        if self.kill_reason is None:
            self.kill_reason = reason
            self._loop.create_task(self._keep_killing())

    async def _keep_killing(self) -> None:
        while not self._answer.done():
            self._jail._kill_jail(keep_init=True)
            await asyncio.sleep(0.005)

    async def _watch_cpu(self) -> None:
        cgroup = self._jail._slot.cgroup
        budget = self._limits.cpu_time_ms * 1_000_000 + _CPU_SLACK_NS
        parallelism = self._jail._slot.parallelism
        while not self._answer.done():
            try:
                used = cgroup.cpu_usage_ns()
            except OSError:
                used = 0
            if used > budget:
                self._kill(LimitKind.CPU_TIME)
                return
            await asyncio.sleep(max(_MIN_POLL_S, (budget - used) / parallelism / 1e9))

    def _readable(self) -> None:
        control = self._jail._control
        try:
            data = control.recv(256) if control is not None else b""
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._answer.set_exception(DeadJailError("the jail's init closed its socket"))
        elif data.startswith(b"S "):
            self._answer.set_result(self._errors + data)
        else:
            self._errors += data + b"\n"

    async def supervise(self, collect: Sequence[str]) -> RunResult:
        jail = self._jail
        control = jail._control
        assert control is not None
        assert jail._exited is not None
        self._errors = b""
        self._loop.add_reader(control.fileno(), self._readable)
        died = jail._exited.done

        def on_death(_: object) -> None:
            if not self._answer.done():
                self._answer.set_exception(DeadJailError("nsjail ended"))

        died.add_done_callback(on_death)
        wall = self._loop.call_at(self._started + self._limits.wall_time_ms / 1000, self._kill, LimitKind.WALL_TIME)
        cpu_watch = self._loop.create_task(self._watch_cpu())
        try:
            answer = await self._answer
            ended = time.monotonic()
        except BaseException:
            jail._kill_jail(keep_init=False)
            self._close()
            raise
        finally:
            self._loop.remove_reader(control.fileno())
            died.remove_done_callback(on_death)
            wall.cancel()
            cpu_watch.cancel()
        try:
            await jail._settle()
            pending = {c.done for c in (self._out, self._err) if not c.done.done()}
            if pending:
                await asyncio.wait(pending, timeout=_DRAIN_S)
        except DeadJailError:
            self._close()
            raise
        self._close()
        return self._finish(answer.decode("ascii", errors="replace"), round((ended - self._started) * 1000), collect)

    def _close(self) -> None:
        self._out.close()
        self._err.close()
        if self._feeder is not None:
            self._feeder.close()

    def _finish(self, answer: str, wall_ms: int, collect: Sequence[str]) -> RunResult:
        slot = self._jail._slot
        limits = self._limits
        message = ""
        try:
            stats = slot.cgroup.stats()
        except OSError as exc:
            stats, message = None, f"reading the cgroup failed: {exc}"
        report = parse_init_report(answer)
        cpu_ns = (stats.cpu_ns if stats is not None else 0) - (report.self_ns if report is not None else 0)
        log = NsjailLog()
        if report is not None and report.error:
            log = NsjailLog(errors=(f"{self._jail._plan.command[0]!r}: {report.error}",))
        elif report is not None:
            log = NsjailLog(exit_code=report.exit_code, signal=report.signal)
        cpu_ms = max(0, round(cpu_ns / 1e6))
        status, limit, detail = classify(
            log=log, kill_reason=self.kill_reason, cpu_ms=cpu_ms, limits=limits, stats=stats
        )
        files: dict[str, bytes] = {}
        if collect:
            try:
                files = slot.box.collect(collect, limits.collect_bytes)
            except OSError as exc:
                message = message or f"collecting files failed: {exc}"
        return RunResult(
            status=status,
            exit_code=log.exit_code,
            signal=log.signal,
            cpu_ms=cpu_ms,
            wall_ms=wall_ms,
            memory_kib=(stats.peak_bytes // 1024) if stats is not None else 0,
            stdout=self._out.data,
            stderr=self._err.data,
            stdout_truncated=self._out.truncated,
            stderr_truncated=self._err.truncated,
            limit=str(limit) if limit is not None else None,
            message="; ".join(m for m in (detail, message) if m),
            files=files,
        )
