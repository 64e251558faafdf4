"""Warm jails: every test of a submission in one jail, and nothing of one test reaches the next.

The autouse fixture in conftest checks after every test that nothing (process, cgroup, mount) is left behind.
"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from sandbox import LANGUAGES, MIB, Limits, RunStatus, Sandbox, check_host
from sandbox._sys import read_small
from tests.sandbox.programs import BUSY, c_binary, main_c

pytestmark = pytest.mark.sandbox

LIMITS = Limits(cpu_time_ms=1000, wall_time_ms=3000, memory_bytes=64 * MIB, processes=16)
IPC = "#include <sys/ipc.h>\n#include <sys/shm.h>\n#include <sys/sem.h>\n#include <sys/msg.h>\n#include <mqueue.h>\n"

# Reads the file "mode" from its box: "plant" leaves every kind of state it can, "probe" reports what it finds.
CARRY = main_c(
    r"""
  char mode[16] = {0};
  FILE *in = fopen("mode", "r");
  if (!in) { puts("no mode file: the box is not usable"); return 3; }
  fread(mode, 1, sizeof mode - 1, in);
  fclose(in);
  if (strncmp(mode, "plant", 5) == 0) {
    FILE *f = fopen("/tmp/left", "w"); fputs("secret", f); fclose(f);
    f = fopen("/box/left", "w"); fputs("secret", f); fclose(f);
    mkdir("/tmp/dir", 0700); mkdir("/tmp/dir/sub", 0700);
    int shm = shmget(0x5eed, 4096, IPC_CREAT | 0666);
    char *p = shmat(shm, NULL, 0);
    if (p != (void *)-1) strcpy(p, "secret");
    semget(0x5eee, 1, IPC_CREAT | 0666);
    msgget(0x5eef, IPC_CREAT | 0666);
    mqd_t q = mq_open("/carry", O_CREAT | O_RDWR, 0666, NULL);
    printf("mq_open %s\n", q == (mqd_t)-1 ? "refused" : "ALLOWED");
    setenv("CARRIED", "yes", 1);
    if (fork() == 0) {  /* a daemon: double fork, new session, keeps writing */
      setsid();
      if (fork() == 0) {
        for (;;) { FILE *g = fopen("/tmp/daemon", "w"); if (g) { fputs("alive", g); fclose(g); } usleep(2000); }
      }
      _exit(0);
    }
    wait(NULL);
    chmod("/box", 0);
    puts("planted");
    return 0;
  }
  usleep(20000);  /* a surviving daemon would have written by now */
  printf("tmp file %s\n", access("/tmp/left", F_OK) == 0 ? "FOUND" : "gone");
  printf("tmp dir %s\n", access("/tmp/dir", F_OK) == 0 ? "FOUND" : "gone");
  printf("box file %s\n", access("/box/left", F_OK) == 0 ? "FOUND" : "gone");
  printf("daemon %s\n", access("/tmp/daemon", F_OK) == 0 ? "FOUND" : "gone");
  printf("shm %s\n", shmget(0x5eed, 0, 0) >= 0 ? "FOUND" : "gone");
  printf("sem %s\n", semget(0x5eee, 0, 0) >= 0 ? "FOUND" : "gone");
  printf("msg %s\n", msgget(0x5eef, 0) >= 0 ? "FOUND" : "gone");
  printf("env %s\n", getenv("CARRIED") ? "FOUND" : "gone");
  int others = 0;
  char self[16];
  snprintf(self, sizeof self, "%d", getpid());
  DIR *proc = opendir("/proc");
  for (struct dirent *e; (e = readdir(proc));) {
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && strcmp(e->d_name, "1") && strcmp(e->d_name, self)) others++;
  }
  printf("other processes %d\n", others);
  return 0;
""",
    IPC + "#include <dirent.h>\n",
)


async def test_nothing_carries_from_one_test_to_the_next(sandbox: Sandbox) -> None:
    assert not sandbox.warm_problem, sandbox.warm_problem
    binary = {"main": c_binary(CARRY) + b""}
    async with sandbox.warm_command(["./main"], artifacts=binary, limits=LIMITS) as jail:
        assert jail.warm
        planted = await jail.run(files={"mode": b"plant"}, stdin=None)
        assert planted.status is RunStatus.OK, planted
        assert planted.stdout == b"mq_open refused\nplanted\n"
        for _ in range(2):
            probe = await jail.run(files={"mode": b"probe"}, stdin=None)
            assert probe.status is RunStatus.OK, probe
            lines = probe.stdout.decode().splitlines()
            assert lines[:-1] == [f"{what} gone" for what in ("tmp file", "tmp dir", "box file", "daemon")] + [
                f"{what} gone" for what in ("shm", "sem", "msg", "env")
            ]
            assert lines[-1] == "other processes 0"


async def test_python_state_does_not_carry_between_zygote_forks(sandbox: Sandbox) -> None:
    assert not sandbox.zygote_problem, sandbox.zygote_problem
    source = b"""
import os, sys, builtins
print(hasattr(sys, "carried"), hasattr(builtins, "carried"), "CARRIED" in os.environ, "json" in sys.modules)
sys.carried = builtins.carried = True
os.environ["CARRIED"] = "1"
import json
open("/tmp/x", "w").write("x")
"""
    async with sandbox.warm(LANGUAGES["python3"], {"main.py": source}, LIMITS) as jail:
        assert jail.zygote
        for _ in range(3):
            result = await jail.run(files={}, stdin=None)
            assert result.status is RunStatus.OK, result
            assert result.stdout == b"False False False False\n"


async def test_cpu_time_and_memory_are_each_tests_own(sandbox: Sandbox) -> None:
    hog = main_c(
        """
  FILE *in = fopen("size", "r"); int mib = 0; fscanf(in, "%d", &mib); fclose(in);
  volatile char *p = malloc((size_t)mib << 20);
  for (size_t i = 0; i < ((size_t)mib << 20); i += 4096) p[i] = 1;
  volatile unsigned long x = 0; for (long i = 0; i < 20000000L * (mib > 0); i++) x += i;
  printf("%d\\n", mib); return 0;
"""
    )
    async with sandbox.warm_command(["./main"], artifacts={"main": c_binary(hog)}, limits=LIMITS) as jail:
        big = await jail.run(files={"size": b"40"}, stdin=None)
        small = await jail.run(files={"size": b"0"}, stdin=None)
    assert big.status is RunStatus.OK, big
    assert small.status is RunStatus.OK, small
    # cgroup v1 charges memory in per-CPU batches of 64 pages, so usage (and the baseline it is measured above) is
    # exact to that much per CPU: a batch charged before the reset and handed back during the run is not seen.
    batch_kib = 64 * 4 * (os.cpu_count() or 1)
    assert big.memory_kib >= 40 * 1024 - batch_kib, big
    assert small.memory_kib < 4 * 1024, small
    assert big.cpu_ms >= 5
    assert small.cpu_ms <= 2, small


async def test_cpu_time_is_exact_in_a_warm_jail(sandbox: Sandbox) -> None:
    busy = {"main": c_binary(BUSY)}
    limits = Limits(cpu_time_ms=2000, wall_time_ms=5000)
    async with sandbox.warm_command(["./main", "150"], artifacts=busy, limits=limits) as jail:
        for _ in range(3):
            result = await jail.run(files={}, stdin=None)
            assert result.status is RunStatus.OK, result
            own_ms = int(result.stdout) / 1000
            assert abs(result.cpu_ms - own_ms) <= 3, (result.cpu_ms, own_ms)


async def test_a_limit_in_one_test_leaves_the_next_one_alone(sandbox: Sandbox) -> None:
    spin = main_c('FILE *in = fopen("spin", "r"); if (in) { for (;;) {} } puts("ok"); return 0;')
    limits = Limits(cpu_time_ms=300, wall_time_ms=2000, processes=16)
    async with sandbox.warm_command(["./main"], artifacts={"main": c_binary(spin)}, limits=limits) as jail:
        looped = await jail.run(files={"spin": b""}, stdin=None)
        fine = await jail.run(files={}, stdin=b"")
        bomb = await jail.run(files={"spin": b""}, stdin=None)
        again = await jail.run(files={}, stdin=None)
    assert looped.status is RunStatus.TIME_LIMIT
    assert bomb.status is RunStatus.TIME_LIMIT
    assert fine.status is RunStatus.OK, fine
    assert again.status is RunStatus.OK
    assert fine.stdout == again.stdout == b"ok\n"
    assert fine.cpu_ms <= 2


def _init_of(sandbox: Sandbox) -> int:
    """The host pid of the (only) warm jail's init: the child of the nsjail running in a slot."""
    for slot in sandbox._slots:
        for pid in slot.cgroup.jailed_pids():
            cmdline = read_small(f"/proc/{pid}/cmdline")
            if "nsjail" in cmdline.split("\0")[0]:
                return int(read_small(f"/proc/{pid}/task/{pid}/children").split()[0])
    raise AssertionError("no warm jail is running")


async def test_a_dying_zygote_is_restarted_and_the_test_not_charged(sandbox: Sandbox) -> None:
    source = b"import sys, time\ntime.sleep(float(sys.stdin.read() or 0))\nprint('done')\n"
    async with sandbox.warm(LANGUAGES["python3"], {"main.py": source}, LIMITS) as jail:
        first = await jail.run(files={}, stdin=b"0")
        assert first.status is RunStatus.OK, first
        os.kill(_init_of(sandbox), signal.SIGKILL)  # between tests
        second = await jail.run(files={}, stdin=b"0")
        assert second.status is RunStatus.OK, second
        running = asyncio.ensure_future(jail.run(files={}, stdin=b"0.4"))
        await asyncio.sleep(0.15)
        os.kill(_init_of(sandbox), signal.SIGKILL)  # under a test: it is run again in a new zygote
        third = await running
        assert third.status is RunStatus.OK, third
        assert third.stdout == b"done\n"
        assert third.cpu_ms < 100
        assert getattr(jail, "restarts", 0) == 2


async def test_a_memory_bomb_is_killed_and_the_zygote_survives_it(sandbox: Sandbox) -> None:
    source = (
        b"import sys\nx = []\nif sys.stdin.read() == 'bomb':\n"
        b"    while True:\n        x.append(bytearray(1 << 20))\nprint('ok')\n"
    )
    limits = Limits(cpu_time_ms=2000, wall_time_ms=5000, memory_bytes=48 * MIB)
    async with sandbox.warm(LANGUAGES["python3"], {"main.py": source}, limits) as jail:
        bombed = await jail.run(files={}, stdin=b"bomb")
        calm = await jail.run(files={}, stdin=b"")
        assert getattr(jail, "restarts", None) == 0
    assert bombed.status is RunStatus.MEMORY_LIMIT, bombed
    assert calm.status is RunStatus.OK, calm
    assert calm.stdout == b"ok\n"


async def test_without_warm_jails_each_test_runs_cold(sandbox: Sandbox) -> None:
    saved = sandbox.warm_problem
    sandbox.warm_problem = "off (SANDBOX_WARM=0)"  # as a sandbox started with warm=False, or on cgroup v2
    try:
        async with sandbox.warm(LANGUAGES["python3"], {"main.py": b"print(input())\n"}, LIMITS) as jail:
            assert not jail.warm
            results = [await jail.run(files={}, stdin=f"{i}\n".encode()) for i in range(2)]
    finally:
        sandbox.warm_problem = saved
    assert [r.stdout for r in results] == [b"0\n", b"1\n"]


async def test_the_host_check_runs_a_warm_jail_and_the_sandbox_goes_cold_when_its_reset_fails(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The judge's start-up check runs two tests in one warm jail; where the reset between them is refused (as in
    a container without CAP_FOWNER), the judge runs its tests cold instead of failing every submission."""
    saved = sandbox.warm_problem, sandbox.zygote_problem
    healthy = await check_host(sandbox.config, sandbox=sandbox, languages=False)
    assert [i.severity for i in healthy.items if i.name == "warm jails"] == ["ok"]

    def refused(directory: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted", str(directory))

    monkeypatch.setattr("sandbox.warm._restore_mode", refused)
    try:
        report = await check_host(sandbox.config, sandbox=sandbox, languages=False)
        (item,) = [i for i in report.items if i.name == "warm jails"]
        assert item.severity == "warning", item
        assert "self-test failed" in item.detail, item
        assert "Operation not permitted" in item.detail, item  # the cause, for the operator
        async with sandbox.warm(LANGUAGES["python3"], {"main.py": b"print(input())\n"}, LIMITS) as jail:
            assert not jail.warm
            result = await jail.run(files={}, stdin=b"cold\n")
        assert (result.status, result.stdout) == (RunStatus.OK, b"cold\n")
    finally:
        sandbox.warm_problem, sandbox.zygote_problem = saved
