"""The judge's warm jails (``WarmPool``): kept per submission by default, or per slot, and never leaking across."""

from __future__ import annotations

import asyncio

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
