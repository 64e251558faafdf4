"""One run in one slot: spawn nsjail from the slot's thread, feed and capture, enforce, measure, clean up.

CPU time comes from the slot's cgroup counter, which charges every jailed process and thread at nanosecond
precision, including those killed or never waited for. On cgroup v1 that counter also holds nsjail (it is born in
the slot) and the slot thread's spawning work; both are measured and taken away: nsjail's own time is read from
``/proc/<pid>/schedstat`` while it is a zombie (a pidfd says it exited, nothing else reaps it) and the thread's
with ``CLOCK_THREAD_CPUTIME_ID``. The jail's init reports its own time too (nsjail's set-up of the jail happens in
that process before it becomes init), so what is left is the program's own. During the run the same counter
drives the CPU-limit monitor, which kills the jail once the limit is passed.

Killing. The jailed processes are SIGKILLed (never nsjail: it reaps the jail, so nothing is orphaned to the host's
init) until nsjail exits; a jail that nsjail had not cloned yet is caught on a later round. If the caller's task is
cancelled, the jail is killed, nsjail is reaped and the box released before the cancellation propagates.
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

import msgspec

from sandbox._streams import Capture, ExitWatcher, Feeder, close_quietly
from sandbox._sys import read_small
from sandbox.cgroups import CgroupStats, SlotCgroup
from sandbox.limits import Limits
from sandbox.nsjail import LOG_FD, JailSpec, build_argv, parse_init_report, parse_log
from sandbox.outcome import classify
from sandbox.result import LimitKind, RunResult, RunStatus
from sandbox.workspace import SlotBox

__all__ = ["RunRequest", "Slot", "execute_in_slot"]

_LOG_CAP: Final = 1 << 20
_BIG_PIPE: Final = 1 << 20
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
    spare: tuple[int, int]  # size and inodes of the empty box mounted for the next run
    broken: str = ""
    dirty: bool = False  # the last run left processes that had to be killed: check again before reuse
    runs: int = 0


@dataclass(frozen=True)
class RunRequest:
    """What ``Sandbox.run`` hands to a slot."""

    nsjail: str
    command: tuple[str, ...]
    spec_for: Callable[[tuple[str, ...]], JailSpec]  # the JailSpec, given the cgroup flags of this slot and run
    limits: Limits
    files: Mapping[str, bytes]
    stdin: bytes | None
    stdin_fd: int | None
    stdout_fd: int | None
    devnull: int
    collect: Sequence[str]
    init: bool  # the command runs under the jail's init, which reports the program's status on fd 4


_LAST_TARGET: Final = LOG_FD + 1  # nsjail gets stdin, stdout, stderr, its log fd and the init's status fd


def _high_fd(fd: int) -> int:
    """Make sure ``fd`` is not one of 0-4, so posix_spawn's dup2 sequence onto 0-4 cannot clobber it."""
    if fd > _LAST_TARGET:
        return fd
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, _LAST_TARGET + 1)
    os.close(fd)
    return new


def _pipe(size: int = 0) -> tuple[int, int]:
    r, w = os.pipe2(os.O_CLOEXEC)
    if size:  # a bigger buffer means fewer wake-ups for programs that read or print a lot (best effort)
        with contextlib.suppress(OSError):
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, size)
    return _high_fd(r), _high_fd(w)


@dataclass(frozen=True)
class _Spawned:
    pid: int
    started: float  # monotonic
    thread_ns: int  # CPU the slot thread spent after the counters were reset (in the slot's CPU counter on v1)


def _prepare_and_spawn(slot: Slot, request: RunRequest, fds: tuple[int, ...]) -> _Spawned:
    """Slot thread: a fresh box with the files, limits set and counters reset, then nsjail spawned from this thread
    so that it inherits the thread's cgroups (v1) and CPU affinity."""
    limits = request.limits
    slot.box.fresh(limits.box_bytes, limits.inodes)
    slot.box.write_files(request.files)
    cgroup_args = slot.cgroup.prepare(limits)
    thread_start = time.thread_time_ns()
    argv = build_argv(request.nsjail, request.spec_for(tuple(cgroup_args)))
    actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds)]
    started = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, {}, file_actions=actions, setsid=True, setsigmask=(), setsigdef=_RESET_SIGNALS)
    return _Spawned(pid=pid, started=started, thread_ns=time.thread_time_ns() - thread_start)


def _release_box(slot: Slot, *, spare: bool = True) -> None:
    """Unmount the used box and mount the next run's empty one (in the slot's thread, after the result is out)."""
    with contextlib.suppress(OSError):
        slot.box.release()
    with contextlib.suppress(OSError):
        slot.cgroup.finish()
    if spare:
        with contextlib.suppress(OSError):
            slot.box.spare(*slot.spare)


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
            in_child, in_parent = _pipe(_BIG_PIPE if len(request.stdin) > _BIG_PIPE // 4 else 0)
            theirs.append(in_child)
            ours.append(in_parent)
        else:
            in_child = request.devnull
        if stdout_fd is not None:
            out_child = stdout_fd
        else:
            out_parent, out_child = _pipe(_BIG_PIPE if request.limits.output_bytes > _BIG_PIPE else 0)
            theirs.append(out_child)
            ours.append(out_parent)
        err_parent, err_child = _pipe()
        log_parent, log_child = _pipe()
        theirs += [err_child, log_child]
        ours += [err_parent, log_parent]
        fds = [in_child, out_child, err_child, log_child]
        status_parent: int | None = None
        if request.init:
            status_parent, status_child = _pipe()
            theirs.append(status_child)
            ours.append(status_parent)
            fds.append(status_child)
        spawned = await loop.run_in_executor(slot.executor, _prepare_and_spawn, slot, request, tuple(fds))
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
        spawned=spawned,
        in_parent=in_parent,
        out_parent=out_parent,
        err_parent=err_parent,
        log_parent=log_parent,
        status_parent=status_parent,
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
        spawned: _Spawned,
        in_parent: int | None,
        out_parent: int | None,
        err_parent: int,
        log_parent: int,
        status_parent: int | None,
    ) -> None:
        self._loop = loop
        self._slot = slot
        self._request = request
        self._limits = request.limits
        self._pid = spawned.pid
        self._started = spawned.started
        self._thread_ns = spawned.thread_ns
        self.kill_reason: LimitKind | None = None
        self._killer: asyncio.Task[None] | None = None
        self._exited = ExitWatcher(loop, os.pidfd_open(spawned.pid))
        self._feeder = Feeder(loop, in_parent, request.stdin or b"") if in_parent is not None else None
        limits = request.limits
        self._out = (
            Capture(loop, out_parent, limits.output_bytes, lambda: self._kill(LimitKind.STDOUT))
            if out_parent is not None
            else None
        )
        self._err = Capture(loop, err_parent, limits.stderr_bytes, lambda: self._kill(LimitKind.STDERR))
        self._log = Capture(loop, log_parent, _LOG_CAP, None)
        self._status = Capture(loop, status_parent, 4096, None) if status_parent is not None else None

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
        return [c for c in (self._out, self._err, self._log, self._status) if c is not None]

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
        wait_status, nsjail_ns = _reap(self._pid)
        self._exited.close()
        if self._killer is not None:
            self._killer.cancel()
        message = ""
        try:
            pending = {c.done for c in self._captures() if not c.done.done()}  # usually at EOF already
            if pending:
                _, pending = await asyncio.wait(pending, timeout=_DRAIN_TIMEOUT_S)
            leftovers = self._slot.cgroup.jailed_pids()
            if pending or leftovers:  # something outlived nsjail and holds a pipe: kill it, then stop waiting
                self._slot.dirty = True
                self._slot.cgroup.kill_all()
                message = f"killed {len(leftovers)} process(es) that outlived the jail"
                if pending:
                    await asyncio.wait(pending, timeout=_DRAIN_TIMEOUT_S)
        finally:
            self._close_streams()
        return self._finish(wait_status, nsjail_ns, round((ended - self._started) * 1000), message)

    def _abandon(self) -> None:
        """The caller gave up (cancelled): kill everything, reap nsjail, release the box."""
        self._slot.dirty = True
        cgroup = self._slot.cgroup
        deadline = time.monotonic() + _KILL_GRACE_S
        with contextlib.suppress(ChildProcessError):  # let nsjail reap the jail, so no orphan is left to anyone
            while os.waitpid(self._pid, os.WNOHANG)[0] == 0:
                cgroup.kill_all(exclude=self._pid)
                if time.monotonic() > deadline:
                    os.kill(self._pid, signal.SIGKILL)
                    os.waitpid(self._pid, 0)
                    break
                time.sleep(0.002)
        while cgroup.jailed_pids() and time.monotonic() < deadline + _KILL_GRACE_S:
            cgroup.kill_all()
            time.sleep(0.002)
        self._exited.close()
        if self._killer is not None:
            self._killer.cancel()
        self._close_streams()
        _release_box(self._slot)

    def _finish(self, wait_status: int, nsjail_ns: int | None, wall_ms: int, message: str) -> RunResult:
        """Read the counters, collect files, release the box."""
        slot, limits = self._slot, self._limits
        stats: CgroupStats | None
        try:
            stats = slot.cgroup.stats()
        except OSError as exc:
            stats = None
            message = message or f"reading the cgroup failed: {exc}"
        report = None
        if self._status is not None:
            report = parse_init_report(self._status.data.decode("ascii", errors="replace"))
        cpu_ns = 0
        if stats is not None:
            # The counter has every jailed process and thread, dead or alive, at ns precision; take away what is
            # not the program's: nsjail and the spawning thread (v1 only) and the jail's init (its set-up).
            cpu_ns = stats.cpu_ns - (report.self_ns if report is not None else 0)
            if slot.cgroup.counts_supervisor:
                cpu_ns -= (nsjail_ns or 0) + self._thread_ns
        cpu_ms = max(0, round(cpu_ns / 1e6))
        files: dict[str, bytes] = {}
        try:
            if self._request.collect:
                files = slot.box.collect(self._request.collect, limits.collect_bytes)
        except OSError as exc:
            message = message or f"collecting files failed: {exc}"
        finally:
            # Unmounting waits for an RCU grace period: let the slot's thread do it, off the event loop. The slot's
            # next run is queued on the same thread, so it always finds the box released.
            slot.executor.submit(_release_box, slot)
        log = parse_log(self._log.data.decode("utf-8", errors="replace"))
        if self._status is not None:
            if report is not None and report.error:  # the command could not be executed at all
                error = f"{self._request.command[0]!r}: {report.error}"
                log = msgspec.structs.replace(log, exit_code=None, signal=None, errors=(*log.errors, error))
            elif report is not None:  # the program's own status, not its init's
                log = msgspec.structs.replace(log, exit_code=report.exit_code, signal=report.signal)
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


def _reap(pid: int) -> tuple[int, int | None]:
    """Reap the exited nsjail: its wait status and its own CPU time in ns (None if the kernel cannot tell).

    Called once the pidfd said nsjail exited, so waitpid does not block; nsjail's own CPU time is read from its
    zombie's schedstat first (nsjail is single-threaded), while it still exists.
    """
    try:
        self_ns: int | None = int(read_small(f"/proc/{pid}/schedstat").split()[0])
    except (OSError, ValueError, IndexError):
        self_ns = None
    _, status = os.waitpid(pid, 0)
    return status, self_ns
