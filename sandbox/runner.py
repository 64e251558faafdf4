"""``Sandbox``: K slots on this host, each running one jailed command at a time.

Lifecycle: ``await Sandbox(config).start()`` (sweeps what a crashed predecessor left, creates the slots) ...
``await sandbox.close()``; or ``async with Sandbox(config) as sandbox``. ``run`` waits for a free slot (asyncio),
mounts a fresh box, runs, collects, unmounts: nothing of a run survives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import MappingProxyType, TracebackType

import msgspec

from sandbox._execution import RunRequest, Slot, execute_in_slot
from sandbox._streams import close_quietly
from sandbox._sys import kill_pids, mount_points_under, pids_of_uids, umount
from sandbox._warm_build import install_warm_binaries
from sandbox._warm_open import open_warm
from sandbox.cgroups import CgroupLayout, SlotCgroup, detect_layout, make_slot_cgroup, sweep_tree
from sandbox.config import SandboxConfig
from sandbox.errors import SandboxError
from sandbox.languages import LANGUAGES, LanguageSpec, host_glob, render_command, toolchain_mounts
from sandbox.limits import Limits
from sandbox.nsjail import JailSpec, Mount, Tmpfs
from sandbox.policies.filesystem import BASE_ENV, INIT_PATH, INIT_STATUS_FD, JAIL_TMP, JailRoot
from sandbox.result import CompileOutcome, LanguageStatus, RunResult, RunStatus
from sandbox.warm import TestRunner
from sandbox.workspace import SlotBox, acquire_run_dir, valid_name

__all__ = ["Sandbox"]

logger = logging.getLogger("verdict.sandbox")
WarmBlock = AbstractAsyncContextManager[TestRunner]
_EMPTY: Mapping[str, bytes] = MappingProxyType({})


def _refuse(message: str) -> None:
    raise SandboxError(message)


def _init_slot_thread(cgroup: SlotCgroup, cpu: int | None) -> int:
    """First task of a slot's thread: join the slot's cgroups (v1) and pin the CPU, once for its lifetime."""
    cgroup.join_current_thread()
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    return threading.get_native_id()


class Sandbox:
    """Runs untrusted commands under nsjail. One per process and per ``cgroup_root``/``run_dir``."""

    def __init__(self, config: SandboxConfig, *, languages: Mapping[str, LanguageSpec] = LANGUAGES) -> None:
        self.config = config
        self.languages = languages
        self.layout: CgroupLayout | None = None
        self._slots: list[Slot] = []
        self._free: asyncio.Queue[Slot | None] | None = None  # None: no slot is usable any more
        self._lock_fd = -1
        self._devnull = -1
        self._root = JailRoot(config.run_dir / "root")
        self._base_mounts: tuple[Mount, ...] = ()
        self._language_mounts: dict[str, tuple[Mount, ...] | str] = {}
        self._statuses: dict[str, LanguageStatus] | None = None
        self._started = False
        self._closing = False
        self.init_problem = ""  # why programs run as their jail's PID 1 (no init could be built), or ""
        self.warm_problem = "not started"  # why Sandbox.warm runs cold, or ""
        self.zygote_problem = "not started"  # why Python tests of a warm jail start their own interpreter, or ""
        self._slot_wanted: list[Callable[[], bool]] = []

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def slots(self) -> int:
        return len(self._slots)

    @property
    def free_slots(self) -> int:
        """Slots no run or warm jail holds right now."""
        return self._free.qsize() if self._free is not None else 0

    def on_slot_wanted(self, hook: Callable[[], bool]) -> None:
        """Call ``hook`` whenever a run or jail wants a slot and none is free: it gives one back if it can (a warm
        pool's spare jail) and says whether it did. A hook holds nothing the caller could not wait for anyway."""
        if hook not in self._slot_wanted:
            self._slot_wanted.append(hook)

    async def _take_slot(self) -> Slot | None:
        """The next free slot (None: none is usable any more); idle spares give theirs back first."""
        assert self._free is not None
        if self._free.empty():
            for hook in self._slot_wanted:
                if hook():
                    break
        return await self._free.get()

    async def start(self) -> None:
        """Check the host, sweep leftovers, create the slots. Raises SandboxError with the fix when it cannot."""
        if self._started:
            return
        config = self.config
        if os.geteuid() != 0:
            raise SandboxError("the sandbox must start as root (nsjail needs it for cgroups and uid mapping)")
        if not config.nsjail or not os.access(config.nsjail, os.X_OK):
            raise SandboxError(f"nsjail not found or not executable at {config.nsjail!r}; set SANDBOX_NSJAIL")
        self.layout = detect_layout(config.cgroup_version)
        self._lock_fd = acquire_run_dir(config.run_dir)
        try:
            problems = await self.sweep()
            if problems:
                _refuse("leftovers of an earlier run could not be removed: " + "; ".join(problems))
            etc = [str(p) for spec in self.languages.values() for pattern in spec.etc for p in host_glob(pattern)]
            self._base_mounts = self._root.build(etc)
            self.init_problem = await asyncio.get_running_loop().run_in_executor(None, self._root.install_init)
            if self.init_problem:
                logger.warning("programs will run as PID 1 of their jail: %s", self.init_problem)
            await self._install_warm()
            self._devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
            await self._create_slots()
        except BaseException:
            await self._teardown()
            raise
        self._started = True

    async def _install_warm(self) -> None:
        assert self.layout is not None
        if not self.config.warm:
            self.warm_problem = self.zygote_problem = "off (SANDBOX_WARM=0)"
        elif self.layout.version != 1:
            self.warm_problem = self.zygote_problem = "needs cgroup v1 (a v2 memory.peak cannot be reset per test)"
        elif self.init_problem:
            self.warm_problem = self.zygote_problem = self.init_problem
        else:
            loop = asyncio.get_running_loop()
            built = await loop.run_in_executor(None, install_warm_binaries, self._root.path)
            self.warm_problem, self.zygote_problem = built
            self.zygote_problem = self.zygote_problem or self.warm_problem
        for problem, what in ((self.warm_problem, "warm jails"), (self.zygote_problem, "the Python zygote")):
            if problem and self.config.warm:
                logger.warning("%s are not offered: %s", what, problem)

    async def _create_slots(self) -> None:
        assert self.layout is not None
        config = self.config
        cpus = sorted(os.sched_getaffinity(0))
        self._free = asyncio.Queue()
        loop = asyncio.get_running_loop()
        for index in range(config.slots):
            cgroup = make_slot_cgroup(self.layout, config.cgroup_root, index)
            cgroup.create()
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sandbox-slot{index}")
            cpu = cpus[index % len(cpus)] if config.pin_cpus else None
            slot = Slot(
                index=index,
                uid=config.uid + index,
                gid=config.gid + index,
                cgroup=cgroup,
                box=SlotBox(config.run_dir, index, config.uid + index, config.gid + index),
                executor=executor,
                parallelism=1 if cpu is not None else len(cpus),
                spare=(config.box_bytes, Limits().inodes),
            )
            self._slots.append(slot)
            await loop.run_in_executor(executor, _init_slot_thread, cgroup, cpu)
            await loop.run_in_executor(executor, slot.box.spare, *slot.spare)
            self._free.put_nowait(slot)

    async def close(self) -> None:
        """Wait for runs in flight, then remove the slots' cgroups, mounts and threads."""
        if not self._started:
            return
        self._closing = True
        assert self._free is not None
        healthy = [s for s in self._slots if not s.broken]
        returned = 0
        while returned < len(healthy):  # every healthy slot comes back when its run ends (a spare's at once)
            if await self._take_slot() is not None:
                returned += 1
        await self._teardown()
        self._started = False
        self._closing = False

    async def _teardown(self) -> None:
        loop = asyncio.get_running_loop()
        for slot in self._slots:
            await loop.run_in_executor(None, slot.executor.shutdown, True)
            with contextlib.suppress(OSError):
                slot.box.remove()
            try:
                slot.cgroup.destroy()
            except OSError as exc:
                logger.warning("could not remove %s: %s", slot.cgroup.description, exc)
        self._slots.clear()
        self._root.remove()
        await asyncio.get_running_loop().run_in_executor(None, self._sweep_sync)
        close_quietly(self._devnull)
        self._devnull = -1
        close_quietly(self._lock_fd)
        self._lock_fd = -1

    async def sweep(self) -> list[str]:
        """Remove what an earlier (crashed) sandbox with this config left: processes of the jailed uids, cgroups
        under ``cgroup_root``, box and toolchain mounts under ``run_dir``. Returns what could not be removed.

        ``start`` calls it; call it yourself only while the sandbox is not started (it kills every jailed process).
        """
        if self._started:
            raise SandboxError("sweep() would kill runs in flight; call it before start() or after close()")
        return await asyncio.get_running_loop().run_in_executor(None, self._sweep_sync)

    def _sweep_sync(self) -> list[str]:
        config = self.config
        layout = self.layout or detect_layout(config.cgroup_version)
        problems: list[str] = []
        tops = (
            [Path(layout.v1_mounts[c]) / config.cgroup_root for c in ("memory", "pids", "cpuacct")]
            if layout.version == 1
            else [Path(layout.v2_mount) / config.cgroup_root]
        )
        for top in tops:
            problems += sweep_tree(top, keep_self=False)
        for _ in range(20):
            victims = pids_of_uids(config.uids)
            if not victims:
                break
            kill_pids(victims, exclude=os.getpid())
        for _ in range(8):  # mounts can be stacked (a box mounted over a killed run's): one layer per pass
            points = mount_points_under(config.run_dir)
            failed = []
            for point in points:
                try:
                    umount(point)
                except OSError as exc:
                    failed.append(f"{point}: {exc.strerror}")
            if failed or not points:
                problems += failed
                break
        return problems

    def leftovers(self) -> list[str]:
        """Anything a finished run left behind: processes of the jailed uids, processes or child cgroups in the
        slots, box mounts. Empty when the sandbox is healthy and idle (call it between runs)."""
        for slot in self._slots:  # let each slot's thread finish releasing its last box
            slot.executor.submit(int).result(timeout=10)
        found = [f"process {pid} of a jailed uid" for pid in pids_of_uids(self.config.uids)]
        for slot in self._slots:
            found += slot.cgroup.leftovers()
        keep = {self._root.path, *(self.config.run_dir / "toolchains" / name for name in self.languages)}
        keep |= {slot.box.path for slot in self._slots if not slot.box.in_use}  # the next run's empty box
        found += [f"mount {point}" for point in mount_points_under(self.config.run_dir) if point not in keep]
        found += [f"files in {slot.box.path}" for slot in self._slots if not slot.box.spare_is_clean()]
        return found

    # -- running -----------------------------------------------------------------------------------------------

    def _require_started(self) -> None:
        if not self._started or self._closing or self._free is None:
            raise SandboxError("the sandbox is not started (await sandbox.start()) or is closing")

    async def run(
        self,
        command: Sequence[str],
        *,
        files: Mapping[str, bytes] = _EMPTY,
        stdin: bytes | None = None,
        limits: Limits | None = None,
        env: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        collect: Sequence[str] = (),
        mounts: Sequence[Mount] = (),
        stdin_fd: int | None = None,
        stdout_fd: int | None = None,
    ) -> RunResult:
        """Run ``command`` (an argv; paths inside the jail, cwd ``/box``) once in a fresh box holding ``files``.

        ``stdin`` is written through a pipe and closed (None: /dev/null). ``stdin_fd`` / ``stdout_fd`` connect the
        program to pipes instead (for interactors); run() owns them and closes its copies once nsjail has started,
        and a stdout given as an fd is not captured. ``collect`` names or globs regular files to read back from the
        box into ``RunResult.files``. ``env`` adds to the base allow-list (PATH, HOME, TMPDIR, LANG, LC_ALL).
        """
        self._require_started()
        assert self._free is not None
        argv = tuple(command)
        if not argv or not all(isinstance(a, str) and a and "\0" not in a for a in argv):
            raise ValueError("command must be a non-empty list of non-empty strings without NUL")
        if stdin is not None and stdin_fd is not None:
            raise ValueError("give stdin or stdin_fd, not both")
        for name in files:
            if not valid_name(name):
                raise ValueError(f"file name {name!r} must be a plain name without '/'")
        limits = limits or Limits()
        extra_env = list(env.items() if isinstance(env, Mapping) else env or ())
        merged = dict(BASE_ENV)
        merged.update(extra_env)
        for extra in mounts:
            self._root.ensure_mount_point(extra)
        slot = await self._take_slot()
        if slot is None:
            self._free.put_nowait(None)  # wake the next waiter too
            raise SandboxError("no usable slot: every slot was taken out of service (see the log)")
        try:
            base = (*self._base_mounts, *mounts, Mount(str(slot.box.path), "/box", writable=True))

            def spec_for(cgroup_args: tuple[str, ...]) -> JailSpec:
                return JailSpec(
                    command=argv,
                    root=str(self._root.path),
                    uid=slot.uid,
                    gid=slot.gid,
                    limits=limits,
                    mounts=base,
                    tmpfs=(Tmpfs(JAIL_TMP, limits.tmp_bytes, limits.inodes),),
                    env=tuple(merged.items()),
                    nice=self.config.nice,
                    cgroup_args=cgroup_args,
                    init="" if self.init_problem else INIT_PATH,
                    init_fd=INIT_STATUS_FD,
                )

            request = RunRequest(
                nsjail=self.config.nsjail,
                command=argv,
                spec_for=spec_for,
                limits=limits,
                files=files,
                stdin=stdin,
                stdin_fd=stdin_fd,
                stdout_fd=stdout_fd,
                devnull=self._devnull,
                collect=collect,
                init=not self.init_problem,
            )
            result = await execute_in_slot(slot, request)
            slot.runs += 1
            if slot.dirty:
                result = await self._check_slot(slot, result)
            return result
        finally:
            if not slot.broken:
                self._free.put_nowait(slot)
            elif all(s.broken for s in self._slots):
                self._free.put_nowait(None)

    async def _check_slot(self, slot: Slot, result: RunResult) -> RunResult:
        """After a run the slot must hold no process; a slot that cannot be cleaned is taken out of service."""
        for _ in range(100):
            if not slot.cgroup.jailed_pids():
                slot.dirty = False
                return result
            slot.cgroup.kill_all()
            await asyncio.sleep(0.01)
        slot.broken = f"processes survive in {slot.cgroup.description}"
        logger.error("slot %d taken out of service: %s", slot.index, slot.broken)
        return msgspec.structs.replace(result, status=RunStatus.INTERNAL_ERROR, message=slot.broken)

    # -- languages ---------------------------------------------------------------------------------------------

    def _mounts_for(self, spec: LanguageSpec) -> tuple[Mount, ...] | str:
        """The language's extra read-only mounts, or why its toolchain cannot be offered (cached)."""
        cached = self._language_mounts.get(spec.id)
        if cached is None:
            cached = toolchain_mounts(spec, self.config.run_dir / "toolchains" / spec.id)
            self._language_mounts[spec.id] = cached
        return cached

    def _language_problem(self, spec: LanguageSpec) -> str:
        if self.config.languages and spec.id not in self.config.languages:
            return "disabled by SANDBOX_LANGUAGES"
        mounts = self._mounts_for(spec)
        return mounts if isinstance(mounts, str) else ""

    def _mounts_or_raise(self, spec: LanguageSpec) -> tuple[Mount, ...]:
        mounts = self._mounts_for(spec)
        if isinstance(mounts, str):
            raise SandboxError(f"{spec.id}: {mounts}")
        return mounts

    async def compile(
        self, spec: LanguageSpec, sources: Mapping[str, bytes], limits: Limits | None = None
    ) -> CompileOutcome:
        """Compile ``sources`` in the sandbox (stdin /dev/null); ``artifacts`` are what ``execute`` needs. An
        interpreted language with a ``check`` step (Python) is checked instead, its sources kept as the artifacts."""
        command = spec.compile if spec.compile is not None else spec.check
        if command is None:
            return CompileOutcome(result=None, artifacts=dict(sources))
        limits = limits or spec.compile_limits
        result = await self.run(
            render_command(command, limits),
            files=sources,
            limits=limits,
            env=spec.env,
            collect=spec.artifacts if spec.compile is not None else (),
            mounts=self._mounts_or_raise(spec),
        )
        if spec.compile is None:  # a check-only step: the sources are the program
            artifacts = dict(sources) if result.status is RunStatus.OK else {}
        else:
            artifacts = dict(result.files) if result.status is RunStatus.OK else {}
        return CompileOutcome(result=msgspec.structs.replace(result, files={}), artifacts=artifacts)

    async def execute(
        self,
        spec: LanguageSpec,
        artifacts: Mapping[str, bytes],
        stdin: bytes | None,
        limits: Limits,
        *,
        stdin_fd: int | None = None,
        stdout_fd: int | None = None,
        collect: Sequence[str] = (),
    ) -> RunResult:
        """Run a compiled (or interpreted) program; ``limits`` are scaled by the language's multipliers."""
        return await self.run(
            render_command(spec.run, limits),
            files=artifacts,
            stdin=stdin,
            limits=spec.run_limits(limits),
            env=spec.env,
            mounts=self._mounts_or_raise(spec),
            stdin_fd=stdin_fd,
            stdout_fd=stdout_fd,
            collect=collect,
        )

    def warm(self, spec: LanguageSpec, artifacts: Mapping[str, bytes], limits: Limits) -> WarmBlock:
        """The tests of one submission in one warm jail (``async with sandbox.warm(...) as jail: await jail.run(...)``),
        holding one slot while the block runs; cold, a fresh jail per test, when ``warm_problem`` says why not.
        ``limits`` as for ``execute`` (scaled by the language's multipliers here)."""
        return self.warm_command(
            render_command(spec.run, limits),
            artifacts=artifacts,
            limits=spec.run_limits(limits),
            env=spec.env,
            mounts=self._mounts_or_raise(spec),
        )

    @contextlib.asynccontextmanager
    async def warm_command(
        self,
        command: Sequence[str],
        *,
        artifacts: Mapping[str, bytes],
        limits: Limits,
        env: Sequence[tuple[str, str]] = (),
        mounts: Sequence[Mount] = (),
    ) -> AsyncIterator[TestRunner]:
        """``warm`` for a raw command, like ``run``: ``artifacts`` are in the box of every test."""
        self._require_started()
        async with open_warm(self, tuple(command), artifacts, limits, tuple(env), tuple(mounts)) as jail:
            yield jail

    async def self_test(self, spec: LanguageSpec) -> LanguageStatus:
        """Compile and run the language's self-test; unavailable (with the reason) unless it prints the answer."""
        if problem := self._language_problem(spec):
            return LanguageStatus(id=spec.id, name=spec.name, available=False, reason=problem)
        outcome = await self.compile(spec, {spec.source: spec.self_test.source})
        if not outcome.ok:
            res = outcome.result
            detail = f"{res.status}: {res.message or res.stderr[-300:].decode(errors='replace')}" if res else ""
            return LanguageStatus(id=spec.id, name=spec.name, available=False, reason=f"self-test compile: {detail}")
        result = await self.execute(spec, outcome.artifacts, spec.self_test.stdin, Limits())
        if result.status is not RunStatus.OK or result.stdout != spec.self_test.expected:
            detail = result.message or result.stderr[-300:].decode(errors="replace")
            reason = f"self-test run: {result.status}, stdout {result.stdout[:100]!r} {detail}".strip()
            return LanguageStatus(id=spec.id, name=spec.name, available=False, reason=reason)
        return LanguageStatus(id=spec.id, name=spec.name, available=True)

    async def available_languages(self, *, refresh: bool = False) -> dict[str, LanguageStatus]:
        """Every known language with whether it can be offered here and why not (self-tests run once, cached)."""
        if self._statuses is None or refresh:
            tests = [self.self_test(spec) for spec in self.languages.values()]
            self._statuses = {status.id: status for status in await asyncio.gather(*tests)}
        return dict(self._statuses)
