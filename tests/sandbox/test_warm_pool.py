"""The judge's warm jails (``WarmPool``): kept per submission by default, or per slot, and never leaking across."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

import msgspec
import pytest

from sandbox import LANGUAGES, Limits, RunStatus, Sandbox
from sandbox.warm_pool import WarmPool

pytestmark = pytest.mark.sandbox

LIMITS = Limits(cpu_time_ms=1000, wall_time_ms=3000)
LEAVE = b"""
import os
print(sorted(os.listdir('/tmp')), sorted(os.listdir('.')))
open('/tmp/from_' + open('name').read(), 'w').write('secret')
open('left_behind', 'w').write('secret')
"""


async def _two_submissions(sandbox: Sandbox, pool: WarmPool) -> list[bytes]:
    spec = LANGUAGES["python3"]
    first, second = {"main.py": LEAVE, "name": b"a"}, {"main.py": LEAVE, "name": b"b"}
    outputs: list[bytes] = []
    try:
        for artifacts in (first, first, second, second):
            result = await pool.execute(sandbox, spec, artifacts, files={}, stdin=None, limits=LIMITS)
            assert result.status is RunStatus.OK, result
            outputs.append(result.stdout)
    finally:
        await pool.close()
    return outputs


async def test_each_submission_gets_its_own_warm_jail(sandbox: Sandbox) -> None:
    pool = WarmPool(scope="submission")
    outputs = await _two_submissions(sandbox, pool)
    assert pool.opened == 2
    assert set(outputs) == {b"[] ['main.py', 'name']\n"}


async def test_a_slot_scoped_jail_serves_the_next_submission_and_shows_it_nothing(sandbox: Sandbox) -> None:
    pool = WarmPool(scope="slot")
    outputs = await _two_submissions(sandbox, pool)
    assert pool.opened == 1  # the second submission was served by the first one's jail
    assert set(outputs) == {b"[] ['main.py', 'name']\n"}


async def test_an_idle_jail_gives_its_slot_to_a_new_submission_at_once(sandbox: Sandbox) -> None:
    pool = WarmPool(scope="submission", linger_s=30)  # idle jails would hold their slots for 30 s
    spec = LANGUAGES["python3"]
    submissions = [{"main.py": b"print('hi')\n", "name": str(i).encode()} for i in range(sandbox.slots + 1)]
    try:
        for artifacts in submissions:  # one more submission than there are slots
            result = await asyncio.wait_for(
                pool.execute(sandbox, spec, artifacts, files={}, stdin=None, limits=LIMITS), timeout=10
            )
            assert result.stdout == b"hi\n"
    finally:
        await pool.close()
    assert pool.opened == sandbox.slots + 1


async def _wait_for_spare(pool: WarmPool, count: int = 1) -> None:
    for _ in range(500):
        if pool.spares_opened >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no spare jail opened within 5 s (opened {pool.spares_opened})")


async def test_a_spare_jail_serves_the_next_submission_and_no_program_ran_in_it_before(sandbox: Sandbox) -> None:
    pool = WarmPool(scope="submission", linger_s=0.2)
    spec = LANGUAGES["python3"]
    try:
        first = await pool.execute(sandbox, spec, {"main.py": LEAVE, "name": b"a"}, files={}, stdin=None, limits=LIMITS)
        assert first.stdout == b"[] ['main.py', 'name']\n"
        await _wait_for_spare(pool)  # the first submission's jail closed, a spare started in its place
        assert sandbox.free_slots == sandbox.slots - 1
        program = {"main.py": LEAVE, "name": b"b"}
        for _ in range(2):  # the spare is the second submission's own jail from its first test on
            second = await pool.execute(sandbox, spec, program, files={}, stdin=None, limits=LIMITS)
            assert second.status is RunStatus.OK, second
            assert second.stdout == b"[] ['main.py', 'name']\n"
        assert pool.spares_taken == 1
        other = Limits(cpu_time_ms=900, wall_time_ms=3000)  # other limits: the spare does not fit, a jail opens
        third = await pool.execute(sandbox, spec, {"main.py": b"print(3)\n"}, files={}, stdin=None, limits=other)
        assert third.stdout == b"3\n"
        assert (pool.opened, pool.spares_taken) == (3, 1)
    finally:
        await pool.close()
    assert sandbox.free_slots == sandbox.slots


async def test_a_spare_gives_its_slot_to_a_run_that_wants_one_at_once(sandbox: Sandbox) -> None:
    pool = WarmPool(scope="submission", linger_s=0.01, spare_s=60)  # the spare would otherwise wait a minute
    spec = LANGUAGES["python3"]
    try:
        await pool.execute(sandbox, spec, {"main.py": b"print(1)\n"}, files={}, stdin=None, limits=LIMITS)
        await _wait_for_spare(pool)
        async with contextlib.AsyncExitStack() as held:
            for _ in range(sandbox.free_slots):  # every other slot busy: only the spare's can serve the next run
                await held.enter_async_context(sandbox.warm(spec, {"main.py": b"print(2)\n"}, LIMITS))
            assert sandbox.free_slots == 0
            result = await asyncio.wait_for(sandbox.execute(spec, {"main.py": b"print(3)\n"}, None, LIMITS), 10)
            assert result.stdout == b"3\n"
        assert pool.spares_taken == 0
        assert sandbox.free_slots == sandbox.slots  # the spare was closed for it, not parked again
    finally:
        await pool.close()


@pytest.mark.parametrize("scope", ["slot", "submission"])
async def test_a_jail_serves_only_its_own_run_command(sandbox: Sandbox, scope: Literal["slot", "submission"]) -> None:
    """Java and Kotlin programs run as their own class: the same language id with another run command."""
    pool = WarmPool(scope=scope, linger_s=0.2)
    spec = LANGUAGES["python3"]
    named = msgspec.structs.replace(spec, run=(*spec.run, "Named"))
    program = b"import sys\nprint(sys.argv[1:])\n"
    try:
        plain = await pool.execute(sandbox, spec, {"main.py": program}, files={}, stdin=None, limits=LIMITS)
        if scope == "submission":
            await _wait_for_spare(pool)  # a spare for the plain command, which the named one must not take
        other = await pool.execute(sandbox, named, {"main.py": program}, files={}, stdin=None, limits=LIMITS)
    finally:
        await pool.close()
    assert (plain.stdout, other.stdout) == (b"[]\n", b"['Named']\n")
    assert pool.spares_taken == 0
