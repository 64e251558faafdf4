"""Warm jails: one nsjail (namespaces, mounts, the slot's cgroup) serves every test of one submission.

``Sandbox.warm(...)`` holds a slot and starts nsjail once with ``policies/warm_init.c`` as the jail's PID 1 (or the
Python zygote, which is the same init with the interpreter already initialised). Each test is a request on a
socket: the program's stdin/stdout/stderr go over as fds, the init forks the program (the zygote forks and runs
``Py_RunMain``), waits and answers with the wait status and its own CPU time.

Between tests the sandbox makes the jail as new: every process but nsjail and the init is killed (a double fork,
``setsid`` or a daemon is still in the slot's cgroup and pid namespace), ``/box`` and ``/tmp`` are emptied and their
modes restored, the init removes every System V IPC object (POSIX message queues are refused by the warm seccomp
policy: they cannot be listed without a mount), the environment is the request's own, and the slot's counters are
reset so that CPU time (the cgroup's counter minus the init's own) and peak memory (above the resident init or
zygote) are the test's alone. Between submissions nothing is shared: a warm jail is closed with its submission.

A jail (or zygote) that dies under a test is restarted and the test run again, uncharged. Only cgroup v1 offers
warm jails (a v2 ``memory.peak`` cannot be reset before Linux 6.12); elsewhere ``Sandbox.warm`` runs cold.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sandbox._execution import _RESET_SIGNALS, Slot, _high_fd, _pipe, _release_box
from sandbox._streams import Capture, ExitWatcher, close_quietly
from sandbox._sys import read_small
from sandbox._warm_build import ZYGOTE_PATH
from sandbox._warm_request import DeadJailError as _DeadJailError
from sandbox._warm_request import WarmRequest
from sandbox.limits import Limits
from sandbox.nsjail import JailSpec, build_argv
from sandbox.policies.seccomp import SECCOMP_POLICY
from sandbox.result import RunResult, RunStatus

__all__ = ["SESSION_LIMIT_S", "WARM_SECCOMP_POLICY", "ColdRunner", "TestRunner", "WarmJail", "WarmPlan"]

logger = logging.getLogger("verdict.sandbox")
WARM_SECCOMP_POLICY: Final = "ERRNO(1) {\n  mq_open\n}\n" + SECCOMP_POLICY.lstrip("\n")
_CONTROL_FD: Final = 4
SESSION_LIMIT_S: Final = 3600  # nsjail's backstop for a whole submission; each test has its own limits
_DRAIN_S: Final = 2.0
_MIN_POLL_S: Final = 0.005
_CPU_SLACK_NS: Final = 2_000_000
_ATTEMPTS: Final = 2


@dataclass(frozen=True)
class WarmPlan:
    """What a warm jail runs: fixed for its lifetime (one submission, one language, one set of limits)."""

    command: tuple[str, ...]
    spec: JailSpec  # the jail's nsjail command line (its init runs ``command`` per request)
    limits: Limits
    artifacts: Mapping[str, bytes]
    env: tuple[tuple[str, str], ...]
    devnull: int


class TestRunner:
    """What ``Sandbox.warm`` yields: ``run`` one test of the submission (a warm jail or, as a fallback, cold)."""

    warm: bool = False
    zygote: bool = False  # Python tests are forks of an initialised interpreter

    async def run(self, *, files: Mapping[str, bytes], stdin: bytes | None, collect: Sequence[str] = ()) -> RunResult:
        raise NotImplementedError


class ColdRunner(TestRunner):
    """The cold path behind the same interface: a fresh nsjail per test."""

    def __init__(self, execute: Callable[[Mapping[str, bytes], bytes | None, Sequence[str]], Awaitable[RunResult]]):
        self._execute = execute

    async def run(self, *, files: Mapping[str, bytes], stdin: bytes | None, collect: Sequence[str] = ()) -> RunResult:
        return await self._execute(files, stdin, collect)


class WarmJail(TestRunner):
    """One warm jail in one slot (which the caller holds for the jail's lifetime). Tests run one at a time."""

    warm = True

    def __init__(self, slot: Slot, nsjail: str, plan: WarmPlan) -> None:
        self._slot = slot
        self._nsjail = nsjail
        self._plan = plan
        self._lock = asyncio.Lock()
        self._pid = 0
        self._init_pid = 0
        self._control: socket.socket | None = None
        self._stdio: list[int] = []
        self._exited: ExitWatcher | None = None
        self._log: Capture | None = None
        self._tmp_mode = 0o1777
        self.restarts = 0
        self.tests = 0
        self.last_failure = ""  # why the jail last had to be restarted (for the host check, never for students)
        self.zygote = plan.spec.init == ZYGOTE_PATH

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        in_r, in_w = _pipe()
        out_r, out_w = _pipe()
        log_r, log_w = _pipe()
        child = _high_fd(os.dup(theirs.fileno()))
        theirs.close()
        close_quietly(in_w)  # the init's own stdin: at EOF; its stdout/stderr: a pipe nobody writes to
        fds = (in_r, out_w, out_w, log_w, child)
        try:
            self._pid = await loop.run_in_executor(self._slot.executor, self._spawn, fds)
        except BaseException:
            for fd in (out_r, log_r):
                close_quietly(fd)
            ours.close()
            raise
        finally:
            for fd in (in_r, out_w, log_w, child):
                close_quietly(fd)
        ours.setblocking(False)
        self._control = ours
        self._stdio = [out_r]
        self._exited = ExitWatcher(loop, os.pidfd_open(self._pid))
        self._log = Capture(loop, log_r, 1 << 16, None)
        self._init_pid = 0
        await self._ready(ours)

    async def _ready(self, control: socket.socket) -> None:
        """Wait for the init's "R" (it is in the jail's root, the zygote's interpreter is up), then find it."""
        loop = asyncio.get_running_loop()
        assert self._exited is not None
        reading = loop.create_task(loop.sock_recv(control, 16))
        waits: set[asyncio.Future[object]] = {reading, self._exited.done}  # type: ignore[arg-type]
        await asyncio.wait(waits, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if not reading.done():
            reading.cancel()
            return  # the first test finds the jail dead and starts over
        if reading.exception() is not None or reading.result() != b"R":
            return
        self._locate_init()

    def _locate_init(self) -> None:
        """The init's host pid, once it is certainly in the jail's root (so /proc/<init>/root/tmp is the jail's)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            init = int(read_small(f"/proc/{self._pid}/task/{self._pid}/children").split()[0])
            jail_root, skeleton = Path(f"/proc/{init}/root").stat(), Path(self._plan.spec.root).stat()
            if (jail_root.st_dev, jail_root.st_ino) == (skeleton.st_dev, skeleton.st_ino):  # never the host's /tmp
                self._tmp_mode = Path(f"/proc/{init}/root/tmp").stat().st_mode & 0o7777
                self._init_pid = init
                # a memory bomb must not take the init (or zygote) with it: the OOM killer picks the program
                Path(f"/proc/{init}/oom_score_adj").write_text("-1000")

    def _spawn(self, fds: tuple[int, ...]) -> int:
        """Slot thread: a fresh box, the session's limits, nsjail born in the slot's cgroups."""
        limits = self._plan.limits
        slot = self._slot
        slot.box.fresh(limits.box_bytes, limits.inodes)
        slot.cgroup.prepare(limits)
        argv = build_argv(self._nsjail, self._plan.spec)
        actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds)]
        return os.posix_spawn(
            argv[0], argv, {}, file_actions=actions, setsid=True, setsigmask=(), setsigdef=_RESET_SIGNALS
        )

    async def close(self) -> None:
        """End the jail (the init exits at EOF on its socket; whatever is left is killed) and release the box."""
        if not self._pid:
            return
        if self._control is not None:
            self._control.close()
            self._control = None
        exited = self._exited
        if exited is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(exited.done), 0.5)
        deadline = time.monotonic() + 3
        while True:
            pid, _ = os.waitpid(self._pid, os.WNOHANG)  # noqa: ASYNC222  (WNOHANG: never blocks)
            if pid:
                break
            self._kill_jail(keep_init=False)
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            await asyncio.sleep(0.005)
        if exited is not None:
            exited.close()
        for capture in (self._log,):
            if capture is not None:
                capture.close()
        for fd in self._stdio:
            close_quietly(fd)
        self._stdio = []
        self._pid = self._init_pid = 0
        slot = self._slot
        while slot.cgroup.jailed_pids() and time.monotonic() < deadline + 3:
            slot.cgroup.kill_all()
            await asyncio.sleep(0.005)
        await asyncio.get_running_loop().run_in_executor(slot.executor, _release_box, slot)

    async def _restart(self) -> None:
        await self.close()
        self.restarts += 1
        await self.start()

    # -- between tests -----------------------------------------------------------------------------------------

    def _kill_jail(self, *, keep_init: bool) -> list[int]:
        """SIGKILL every jailed process but nsjail (and the init when ``keep_init``); returns the ones signalled."""
        keep = {self._pid, self._init_pid if keep_init else -1}
        victims = [p for p in self._slot.cgroup.jailed_pids() if p not in keep]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return victims

    async def _settle(self) -> None:
        """After a test: nothing but nsjail and the init may be left."""
        for _ in range(400):
            if not self._kill_jail(keep_init=True):
                return
            await asyncio.sleep(0.002)
        raise _DeadJailError("processes survive between tests")

    def _reset_files(self, files: Mapping[str, bytes]) -> None:
        box = self._slot.box
        _empty(box.path)
        _restore_mode(box.path, 0o700)
        init = self._init_pid
        if not init:
            raise _DeadJailError("the jail's init is gone")
        tmp = Path(f"/proc/{init}/root/tmp")
        _empty(tmp)
        _restore_mode(tmp, self._tmp_mode)
        box.write_files({**files, **self._plan.artifacts})

    def adopt(self, artifacts: Mapping[str, bytes]) -> None:
        """Serve another submission of the same language and limits (``SANDBOX_WARM_SCOPE=slot``): its program is
        in the box from its first test on; the reset before each test is what keeps the two apart."""
        self._plan = dataclasses.replace(self._plan, artifacts=artifacts)

    # -- running -----------------------------------------------------------------------------------------------

    async def run(self, *, files: Mapping[str, bytes], stdin: bytes | None, collect: Sequence[str] = ()) -> RunResult:
        """One test in the warm jail; a jail that dies under it is restarted and the test run again."""
        async with self._lock:
            for attempt in range(_ATTEMPTS):
                if attempt or self._pid == 0:
                    await self._restart()
                try:
                    result = await self._run_once(files, stdin, collect)
                except _DeadJailError as exc:
                    said = self._log.data.decode(errors="replace")[-500:] if self._log is not None else ""
                    logger.warning("warm jail in slot %d restarted: %s %s", self._slot.index, exc, said)
                    self.last_failure = str(exc)
                    continue
                self.tests += 1
                return result
            await self.close()
            return RunResult(status=RunStatus.INTERNAL_ERROR, message="the warm jail died twice under this test")

    async def _run_once(self, files: Mapping[str, bytes], stdin: bytes | None, collect: Sequence[str]) -> RunResult:
        loop = asyncio.get_running_loop()
        plan, slot = self._plan, self._slot
        limits = plan.limits
        if self._exited is None or self._exited.done.done() or self._control is None:
            raise _DeadJailError("the jail ended")
        try:
            self._reset_files(files)
        except (OSError, RecursionError) as exc:  # a tree too deep to remove: start over in a new jail
            raise _DeadJailError(str(exc)) from exc
        ours: list[int] = []
        theirs: list[int] = []
        in_parent: int | None = None
        if stdin is not None:
            in_child, in_parent = _pipe(1 << 20 if len(stdin) > 1 << 18 else 0)
            theirs.append(in_child)
            ours.append(in_parent)
        else:
            in_child = plan.devnull
        out_parent, out_child = _pipe(1 << 20 if limits.output_bytes > 1 << 20 else 0)
        err_parent, err_child = _pipe()
        theirs += [out_child, err_child]
        ours += [out_parent, err_parent]
        payload = "\0".join((str(len(plan.command)), *plan.command, *(f"{k}={v}" for k, v in plan.env))) + "\0"
        try:
            slot.cgroup.reset_counters(limits)  # type: ignore[attr-defined]
            started = time.monotonic()
            socket.send_fds(self._control, [payload.encode()], [in_child, out_child, err_child])
        except OSError as exc:
            for fd in ours:
                close_quietly(fd)
            raise _DeadJailError(str(exc)) from exc
        finally:
            for fd in theirs:
                close_quietly(fd)
        test = WarmRequest(loop, self, in_parent, stdin, out_parent, err_parent, started)
        return await test.supervise(collect)


def _restore_mode(directory: Path, mode: int) -> None:
    """Give back the mode a program changed. chmod needs ownership or CAP_FOWNER, and a hardened judge container
    has neither for the box (the jail's uid owns it): only a changed mode is restored, and a failure (OSError)
    starts a fresh jail with a fresh box instead."""
    if directory.stat().st_mode & 0o7777 != mode:
        directory.chmod(mode)


def _empty(directory: Path) -> None:
    """Remove everything inside ``directory`` (never following a link); raises OSError if something stays."""
    with os.scandir(directory) as entries:
        names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    for name, is_dir in names:
        path = directory / name
        if is_dir:
            shutil.rmtree(path)
        else:
            path.unlink()
    with os.scandir(directory) as entries:
        if any(True for _ in entries):
            raise OSError(f"{directory} could not be emptied")
