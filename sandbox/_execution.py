"""One run in one slot: spawn nsjail from the slot's thread, feed and capture, enforce, measure, clean up.

CPU time. We reap nsjail only after reading its own CPU time from ``/proc/<pid>/schedstat`` while it is a zombie
(a pidfd tells us it exited; nothing else reaps it). ``wait4`` then returns nsjail's time plus everything it reaped
(the jail's init, which reaped or zapped every other jailed process), so the jail's CPU time is the difference:
exact to the microsecond and free of nsjail's own start-up. During the run the slot's CPU counter (cgroup) drives
the CPU-limit monitor, which kills the jail once the limit is passed.

Killing. The jailed processes are SIGKILLed (never nsjail: it must reap the jail for the accounting) until nsjail
exits; a jail that nsjail had not cloned yet is caught on a later round. If the caller's task is cancelled the jail
and nsjail are killed outright, nsjail is reaped and the box released before the cancellation propagates.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from sandbox._streams import Capture, ExitWatcher, Feeder, close_quietly
from sandbox._sys import read_small
from sandbox.cgroups import CgroupStats, SlotCgroup
from sandbox.limits import Limits
from sandbox.nsjail import LOG_FD, JailSpec, build_argv, parse_log
from sandbox.outcome import classify
from sandbox.result import LimitKind, RunResult, RunStatus
from sandbox.workspace import SlotBox

__all__ = ["RunRequest", "Slot", "execute_in_slot"]

_LOG_CAP: Final = 1 << 20
_CPU_SLACK_NS: Final = 10_000_000  # nsjail's own start-up is in the slot's CPU counter on v1; the final figure is not
_MIN_POLL_S: Final = 0.005
_DRAIN_TIMEOUT_S: Final = 2.0
_KILL_GRACE_S: Final = 3.0
_RESET_SIGNALS: Final = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGXCPU, signal.SIGHUP, signal.SIGINT, signal.SIGTERM)


@dataclass
class Slot:
    """A unit of concurrency: its cgroups, box mount point, jailed uid/gid and the thread that spawns nsjail."""

    index: int
    uid: int
    gid: int
    cgroup: SlotCgroup
    box: SlotBox
    executor: ThreadPoolExecutor
    parallelism: int
    broken: str = ""
    dirty: bool = False  # the last run left processes that had to be killed: check again before reuse
    runs: int = 0


@dataclass(frozen=True)
class RunRequest:
    """What ``Sandbox.run`` hands to a slot."""

    nsjail: str
    spec_for: Callable[[tuple[str, ...]], JailSpec]  # the JailSpec, given the cgroup flags of this slot and run
    limits: Limits
    files: Mapping[str, bytes]
    stdin: bytes | None
    stdin_fd: int | None
    stdout_fd: int | None
    devnull: int
    collect: Sequence[str]


def _high_fd(fd: int) -> int:
    """Make sure ``fd`` is not 0-3, so posix_spawn's dup2 sequence onto 0-3 cannot clobber it."""
    if fd > LOG_FD:
        return fd
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, LOG_FD + 1)
    os.close(fd)
    return new


def _pipe() -> tuple[int, int]:
    r, w = os.pipe2(os.O_CLOEXEC)
    return _high_fd(r), _high_fd(w)


def _prepare_and_spawn(slot: Slot, request: RunRequest, fds: tuple[int, int, int, int]) -> tuple[int, float]:
    """Slot thread: a fresh box with the files, limits set and counters reset, then nsjail spawned from this thread
    so that it inherits the thread's cgroups (v1) and CPU affinity. Returns nsjail's pid and its start time."""
    limits = request.limits
    slot.box.fresh(limits.box_bytes, limits.inodes)
    slot.box.write_files(request.files)
    argv = build_argv(request.nsjail, request.spec_for(tuple(slot.cgroup.prepare(limits))))
    actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds)]
    started = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, {}, file_actions=actions, setsid=True, setsigmask=(), setsigdef=_RESET_SIGNALS)
    return pid, started


def _release_box(slot: Slot) -> None:
    with contextlib.suppress(OSError):
        slot.box.release()
    with contextlib.suppress(OSError):
        slot.cgroup.finish()


async def execute_in_slot(slot: Slot, request: RunRequest) -> RunResult:
    """Run once in ``slot`` (which the caller holds) and leave it clean."""
    loop = asyncio.get_running_loop()
    ours: list[int] = []  # our ends of the pipes, kept
    theirs: list[int] = []  # the jail's ends and the caller's fds, closed here once nsjail holds them
    in_parent: int | None = None
    out_parent: int | None = None
    try:
        stdin_fd = _high_fd(request.stdin_fd) if request.stdin_fd is not None else None
        if stdin_fd is not None:
            theirs.append(stdin_fd)
        stdout_fd = _high_fd(request.stdout_fd) if request.stdout_fd is not None else None
        if stdout_fd is not None:
            theirs.append(stdout_fd)
        if stdin_fd is not None:
            in_child = stdin_fd
        elif request.stdin is not None:
            in_child, in_parent = _pipe()
            theirs.append(in_child)
            ours.append(in_parent)
        else:
            in_child = request.devnull
        if stdout_fd is not None:
            out_child = stdout_fd
        else:
            out_parent, out_child = _pipe()
            theirs.append(out_child)
            ours.append(out_parent)
        err_parent, err_child = _pipe()
        log_parent, log_child = _pipe()
        theirs += [err_child, log_child]
        ours += [err_parent, log_parent]
        pid, started = await loop.run_in_executor(
            slot.executor, _prepare_and_spawn, slot, request, (in_child, out_child, err_child, log_child)
        )
    except BaseException as exc:
        for fd in ours + theirs:
            close_quietly(fd)
        _release_box(slot)
        if isinstance(exc, OSError):
            return RunResult(status=RunStatus.INTERNAL_ERROR, message=f"starting the jail failed: {exc}")
        raise
    finally:
        for fd in theirs:
            close_quietly(fd)
    supervisor = _Supervisor(
        loop=loop,
        slot=slot,
        request=request,
        pid=pid,
        started=started,
        in_parent=in_parent,
        out_parent=out_parent,
        err_parent=err_parent,
        log_parent=log_parent,
    )
    return await supervisor.run()


class _Supervisor:
    """Watches one nsjail process from spawn to reaping."""

    def __init__(
        self,
        *,
        loop: asyncio.AbstractEventLoop,
        slot: Slot,
        request: RunRequest,
        pid: int,
        started: float,
        in_parent: int | None,
        out_parent: int | None,
        err_parent: int,
        log_parent: int,
    ) -> None:
        self._loop = loop
        self._slot = slot
        self._request = request
        self._limits = request.limits
        self._pid = pid
        self._started = started
        self.kill_reason: LimitKind | None = None
        self._killer: asyncio.Task[None] | None = None
        self._exited = ExitWatcher(loop, os.pidfd_open(pid))
        self._feeder = Feeder(loop, in_parent, request.stdin or b"") if in_parent is not None else None
        limits = request.limits
        self._out = (
            Capture(loop, out_parent, limits.output_bytes, lambda: self._kill(LimitKind.STDOUT))
            if out_parent is not None
            else None
        )
        self._err = Capture(loop, err_parent, limits.stderr_bytes, lambda: self._kill(LimitKind.STDERR))
        self._log = Capture(loop, log_parent, _LOG_CAP, None)

    def _kill(self, reason: LimitKind) -> None:
        if self.kill_reason is None:
            self.kill_reason = reason
            self._killer = self._loop.create_task(self._keep_killing())

    async def _keep_killing(self) -> None:
        deadline = time.monotonic() + _KILL_GRACE_S
        while not self._exited.done.done():
            for pid in self._slot.cgroup.jailed_pids():
                if pid != self._pid:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            if time.monotonic() > deadline:  # nsjail itself is stuck: last resort
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            await asyncio.sleep(0.01)

    async def _watch_cpu(self) -> None:
        """Poll the slot's CPU counter, sleeping as long as the limit cannot possibly be reached sooner."""
        budget = self._limits.cpu_time_ms * 1_000_000 + _CPU_SLACK_NS
        while not self._exited.done.done():
            try:
                used = self._slot.cgroup.cpu_usage_ns()
            except OSError:
                used = 0
            if used > budget:
                self._kill(LimitKind.CPU_TIME)
                return
            await asyncio.sleep(max(_MIN_POLL_S, (budget - used) / self._slot.parallelism / 1e9))

    def _captures(self) -> list[Capture]:
        return [c for c in (self._out, self._err, self._log) if c is not None]

    def _close_streams(self) -> None:
        for capture in self._captures():
            capture.close()
        if self._feeder is not None:
            self._feeder.close()

    async def run(self) -> RunResult:
        wall_timer = self._loop.call_at(
            self._started + self._limits.wall_time_ms / 1000, self._kill, LimitKind.WALL_TIME
        )
        cpu_watch = self._loop.create_task(self._watch_cpu())
        try:
            await self._exited.done
        except BaseException:
            self._abandon()
            raise
        finally:
            wall_timer.cancel()
            cpu_watch.cancel()
        ended = time.monotonic()
        wait_status, cpu_ns = _reap(self._pid)
        self._exited.close()
        if self._killer is not None:
            self._killer.cancel()
        message = ""
        try:
            _, pending = await asyncio.wait([c.done for c in self._captures()], timeout=_DRAIN_TIMEOUT_S)
            leftovers = self._slot.cgroup.jailed_pids()
            if pending or leftovers:  # something outlived nsjail and holds a pipe: kill it, then stop waiting
                self._slot.dirty = True
                self._slot.cgroup.kill_all()
                message = f"killed {len(leftovers)} process(es) that outlived the jail"
                if pending:
                    await asyncio.wait(pending, timeout=_DRAIN_TIMEOUT_S)
        finally:
            self._close_streams()
        return self._finish(wait_status, cpu_ns, round((ended - self._started) * 1000), message)

    def _abandon(self) -> None:
        """The caller gave up (cancelled): kill everything, reap nsjail, release the box."""
        self._slot.dirty = True
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        self._slot.cgroup.kill_all()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._exited.close()
        if self._killer is not None:
            self._killer.cancel()
        self._close_streams()
        _release_box(self._slot)

    def _finish(self, wait_status: int, cpu_ns: int, wall_ms: int, message: str) -> RunResult:
        """Read the counters, collect files, release the box."""
        slot, limits = self._slot, self._limits
        stats: CgroupStats | None
        try:
            stats = slot.cgroup.stats()
        except OSError as exc:
            stats = None
            message = message or f"reading the cgroup failed: {exc}"
        if cpu_ns < 0:
            cpu_ns = stats.cpu_ns if stats is not None else 0
        cpu_ms = round(cpu_ns / 1e6)
        files: dict[str, bytes] = {}
        try:
            if self._request.collect:
                files = slot.box.collect(self._request.collect, limits.collect_bytes)
        except OSError as exc:
            message = message or f"collecting files failed: {exc}"
        finally:
            _release_box(slot)
        log = parse_log(self._log.data.decode("utf-8", errors="replace"))
        status, limit, detail = classify(
            log=log, kill_reason=self.kill_reason, cpu_ms=cpu_ms, limits=limits, stats=stats
        )
        if status is RunStatus.INTERNAL_ERROR and not log.child_finished:
            detail = f"{detail} (nsjail wait status {wait_status:#x})"
        out, err = self._out, self._err
        return RunResult(
            status=status,
            exit_code=log.exit_code,
            signal=log.signal,
            cpu_ms=cpu_ms,
            wall_ms=wall_ms,
            memory_kib=(stats.peak_bytes // 1024) if stats is not None else 0,
            stdout=out.data if out is not None else b"",
            stderr=err.data,
            stdout_truncated=out.truncated if out is not None else False,
            stderr_truncated=err.truncated,
            limit=str(limit) if limit is not None else None,
            message="; ".join(m for m in (detail, message) if m),
            files=files,
        )


def _reap(pid: int) -> tuple[int, int]:
    """Reap the exited nsjail: its wait status and the jail's CPU time in ns (-1 if the kernel cannot tell).

    Called once the pidfd said nsjail exited, so wait4 does not block. First nsjail's own CPU time is read from
    its zombie's schedstat; wait4's rusage is that plus everything nsjail reaped.
    """
    try:
        self_ns: int | None = int(read_small(f"/proc/{pid}/schedstat").split()[0])
    except (OSError, ValueError, IndexError):
        self_ns = None
    _, status, usage = os.wait4(pid, 0)
    total_ns = round((usage.ru_utime + usage.ru_stime) * 1e9)
    return status, (max(0, total_ns - self_ns) if self_ns is not None else -1)
