"""Opening a warm jail in a slot of a ``Sandbox`` (``Sandbox.warm_command``), or the cold fallback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sandbox._warm_build import WARM_INIT_PATH, ZYGOTE_PATH, ZYGOTE_PYTHON
from sandbox.errors import SandboxError
from sandbox.limits import Limits
from sandbox.nsjail import JailSpec, Mount, Tmpfs
from sandbox.policies.filesystem import BASE_ENV, INIT_STATUS_FD, JAIL_TMP
from sandbox.result import RunResult, RunStatus
from sandbox.warm import SESSION_LIMIT_S, WARM_SECCOMP_POLICY, ColdRunner, TestRunner, WarmJail, WarmPlan

if TYPE_CHECKING:
    from sandbox.runner import Sandbox

__all__ = ["open_warm"]


@asynccontextmanager
async def open_warm(  # noqa: PLR0917
    sandbox: Sandbox,
    argv: tuple[str, ...],
    artifacts: Mapping[str, bytes],
    limits: Limits,
    env: Sequence[tuple[str, str]],
    mounts: Sequence[Mount],
) -> AsyncIterator[TestRunner]:
    """A warm jail holding one of ``sandbox``'s slots while the block runs (cold when ``warm_problem`` says why)."""
    free = sandbox._free
    assert free is not None
    if sandbox.warm_problem:

        async def cold(files: Mapping[str, bytes], stdin: bytes | None, collect: Sequence[str]) -> RunResult:
            box = {**files, **artifacts}
            return await sandbox.run(
                argv, files=box, stdin=stdin, limits=limits, env=env, collect=collect, mounts=mounts
            )

        yield ColdRunner(cold)
        return
    for extra in mounts:
        sandbox._root.ensure_mount_point(extra)
    merged = tuple({**dict(BASE_ENV), **dict(env)}.items())
    zygote = not sandbox.zygote_problem and argv[0] == ZYGOTE_PYTHON
    slot = await sandbox._take_slot()
    if slot is None:
        free.put_nowait(None)
        raise SandboxError("no usable slot: every slot was taken out of service (see the log)")
    try:
        jail_spec = JailSpec(
            command=argv,
            root=str(sandbox._root.path),
            uid=slot.uid,
            gid=slot.gid,
            limits=limits,
            mounts=(*sandbox._base_mounts, *mounts, Mount(str(slot.box.path), "/box", writable=True)),
            tmpfs=(Tmpfs(JAIL_TMP, limits.tmp_bytes, limits.inodes),),
            env=merged,
            nice=sandbox.config.nice,
            init=ZYGOTE_PATH if zygote else WARM_INIT_PATH,
            init_fd=INIT_STATUS_FD,
            seccomp=WARM_SECCOMP_POLICY,
            time_limit_s=SESSION_LIMIT_S,
        )
        plan = WarmPlan(
            command=argv, spec=jail_spec, limits=limits, artifacts=artifacts, env=merged, devnull=sandbox._devnull
        )
        jail = WarmJail(slot, sandbox.config.nsjail, plan)
        try:
            await jail.start()
            yield jail
        finally:
            await jail.close()
            slot.runs += jail.tests
            if slot.cgroup.jailed_pids():
                slot.dirty = True
                await sandbox._check_slot(slot, RunResult(status=RunStatus.OK))
    finally:
        if not slot.broken:
            free.put_nowait(slot)
        elif all(s.broken for s in sandbox._slots):
            free.put_nowait(None)
