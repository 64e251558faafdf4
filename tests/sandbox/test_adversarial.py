"""Hostile programs: each must end with the expected status, leak nothing, and leave nothing behind.

Every test runs twice: in a fresh jail (cold) and as a test of a warm jail (``Sandbox.warm_command``; Python in the
zygote), whose verdicts must be the same.

(The autouse fixture in conftest checks after every test that no process of a jailed uid, no process or child
cgroup in a slot and no box mount is left.) Limits are small so the whole module stays quick.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Iterator, Mapping, Sequence

import pytest

from sandbox import MIB, Limits, RunResult, RunStatus, Sandbox
from tests.sandbox.programs import c_binary, main_c

pytestmark = pytest.mark.sandbox

SMALL = Limits(cpu_time_ms=1000, wall_time_ms=3000, memory_bytes=64 * MIB, processes=16)


_WARM = {"on": False}


@pytest.fixture(params=["cold", "warm"], autouse=True)
def jail_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    _WARM["on"] = request.param == "warm"
    try:
        yield str(request.param)
    finally:
        _WARM["on"] = False


async def run_argv(
    sandbox: Sandbox, argv: Sequence[str], files: Mapping[str, bytes], limits: Limits, stdin: bytes | None = None
) -> RunResult:
    if not _WARM["on"]:
        return await sandbox.run(argv, files=files, stdin=stdin, limits=limits)
    async with sandbox.warm_command(argv, artifacts=files, limits=limits) as jail:
        assert jail.warm, sandbox.warm_problem
        return await jail.run(files={}, stdin=stdin)


async def run_c(sandbox: Sandbox, body: str, limits: Limits = SMALL, *, includes: str = "") -> RunResult:
    return await run_argv(sandbox, ["./main"], {"main": c_binary(main_c(body, includes))}, limits)


async def run_py(sandbox: Sandbox, source: str, limits: Limits = SMALL) -> RunResult:
    return await run_argv(sandbox, ["/usr/bin/python3", "-S", "main.py"], {"main.py": source.encode()}, limits)


# -- processes and threads ------------------------------------------------------------------------------------------


async def test_fork_bomb_is_contained(sandbox: Sandbox) -> None:
    result = await run_c(sandbox, "for (;;) fork();")
    assert result.status in (RunStatus.TIME_LIMIT, RunStatus.WALL_LIMIT)


async def test_fork_bomb_gets_no_more_than_the_process_limit(sandbox: Sandbox) -> None:
    body = """
  int made = 0;
  for (int i = 0; i < 1000; i++) {
    pid_t p = fork();
    if (p == 0) { pause(); _exit(0); }
    if (p < 0) break;
    made++;
  }
  printf("%d\\n", made);
  return 0;
"""
    result = await run_c(sandbox, body, Limits(cpu_time_ms=1000, wall_time_ms=3000, processes=10))
    assert result.status is RunStatus.OK
    assert 0 < int(result.stdout) < 10  # the orphans still paused are killed with the jail


async def test_thread_bomb_is_contained(sandbox: Sandbox) -> None:
    body = """
  int made = 0;
  for (int i = 0; i < 10000; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, sleeper, NULL) != 0) break;
    made++;
  }
  printf("%d\\n", made);
  return 0;
"""
    includes = "#include <pthread.h>\nstatic void *sleeper(void *a) { (void)a; pause(); return 0; }\n"
    result = await run_c(sandbox, body, Limits(cpu_time_ms=1000, wall_time_ms=3000, processes=12), includes=includes)
    assert result.status is RunStatus.OK
    assert 0 < int(result.stdout) < 12


async def test_orphaned_daemon_is_killed_at_the_end(sandbox: Sandbox) -> None:
    body = """
  if (fork() == 0) {
    setsid();
    if (fork() == 0) { for (;;) pause(); }
    _exit(0);
  }
  wait(NULL);
  puts("parent done");
  return 0;
"""
    result = await run_c(sandbox, body)
    assert result.status is RunStatus.OK
    assert result.stdout == b"parent done\n"


async def test_kill_minus_one_hits_only_the_jail(sandbox: Sandbox) -> None:
    """A process on the host running as the very uid the jail is mapped to survives the jail's kill(-1)."""
    canary = await asyncio.create_subprocess_exec("/bin/sleep", "30", user=sandbox.config.uid, group=sandbox.config.gid)
    try:
        body = 'if (fork() == 0) { pause(); } kill(-1, SIGKILL); puts("sent"); return 0;'
        result = await run_c(sandbox, body)
        assert result.status is RunStatus.OK
        assert result.stdout == b"sent\n"
        assert canary.returncode is None
    finally:
        canary.kill()
        await canary.wait()


# -- memory ---------------------------------------------------------------------------------------------------------

MEMORY_BOMBS = {
    "heap": "for (;;) { char *p = malloc(1 << 20); if (!p) return 3; memset(p, 1, 1 << 20); }",
    "mmap": """
  size_t n = (size_t)1 << 32;
  char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return 3;
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  return 0;
""",
    "static": "static char big[1 << 30]; memset(big, 1, sizeof big); return big[12345];",
}


@pytest.mark.parametrize("kind", sorted(MEMORY_BOMBS))
async def test_memory_bombs_hit_the_memory_limit(sandbox: Sandbox, kind: str) -> None:
    result = await run_c(sandbox, MEMORY_BOMBS[kind])
    assert result.status is RunStatus.MEMORY_LIMIT, result
    assert result.limit == "memory"
    assert 48 * 1024 <= result.memory_kib <= 80 * 1024


async def test_stack_bomb_is_stopped(sandbox: Sandbox) -> None:
    includes = "static int deep(int n) { volatile char pad[4096]; pad[0] = (char)n; return deep(n + 1) + pad[0]; }\n"
    result = await run_c(sandbox, "return deep(0);", includes=includes)
    # the stack may grow to the memory limit (RLIMIT_STACK = memory): the cgroup or the stack limit ends it
    assert result.status in (RunStatus.MEMORY_LIMIT, RunStatus.SIGNALED), result
    if result.status is RunStatus.SIGNALED:
        assert result.signal == signal.SIGSEGV


async def test_python_memory_bomb(sandbox: Sandbox) -> None:
    result = await run_py(sandbox, "x = []\nwhile True:\n    x.append(bytearray(1 << 20))\n")
    assert result.status is RunStatus.MEMORY_LIMIT


# -- time -----------------------------------------------------------------------------------------------------------


async def test_cpu_spin_hits_the_time_limit(sandbox: Sandbox) -> None:
    limits = Limits(cpu_time_ms=400, wall_time_ms=5000)
    result = await run_c(sandbox, "for (;;) {}", limits)
    assert result.status is RunStatus.TIME_LIMIT
    assert result.limit == "cpu_time"
    assert 400 <= result.cpu_ms <= 600


async def test_multithreaded_burn_hits_the_time_limit(sandbox: Sandbox) -> None:
    includes = "#include <pthread.h>\nstatic void *spin(void *a) { (void)a; for (;;) {} return 0; }\n"
    body = "pthread_t t[4]; for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, spin, NULL); pause(); return 0;"
    limits = Limits(cpu_time_ms=600, wall_time_ms=8000, processes=8)
    result = await run_c(sandbox, body, limits, includes=includes)
    assert result.status is RunStatus.TIME_LIMIT
    assert 600 <= result.cpu_ms <= 800


async def test_cpu_time_counts_every_thread_and_child(sandbox: Sandbox) -> None:
    """Four threads and two child processes each burn 100 ms of their own CPU: 600 ms are charged."""
    includes = (
        "#include <pthread.h>\n"
        "static long long thread_us(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);\n"
        "  return t.tv_sec * 1000000LL + t.tv_nsec / 1000; }\n"
        "static void *burn(void *a) { (void)a; volatile long x = 0; while (thread_us() < 100000) x++; return 0; }\n"
    )
    body = """
  for (int c = 0; c < 2; c++) if (fork() == 0) { burn(0); _exit(0); }
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, burn, NULL);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  while (wait(NULL) > 0) {}
  return 0;
"""
    result = await run_c(sandbox, body, Limits(cpu_time_ms=3000, wall_time_ms=8000, processes=8), includes=includes)
    assert result.status is RunStatus.OK
    assert 600 <= result.cpu_ms <= 625, result.cpu_ms


async def test_sleeping_forever_hits_the_wall_limit(sandbox: Sandbox) -> None:
    limits = Limits(cpu_time_ms=1000, wall_time_ms=500)
    result = await run_c(sandbox, "for (;;) pause();", limits)
    assert result.status is RunStatus.WALL_LIMIT
    assert result.limit == "wall_time"
    assert 500 <= result.wall_ms <= 1500
    assert result.cpu_ms < 100


async def test_waiting_for_input_that_never_ends(sandbox: Sandbox) -> None:
    limits = Limits(cpu_time_ms=1000, wall_time_ms=400)
    result = await run_argv(sandbox, ["/bin/sleep", "100"], {}, limits, stdin=b"x" * (4 * MIB))
    assert result.status is RunStatus.WALL_LIMIT


# -- output and disk ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fd", "field"), [(1, "stdout"), (2, "stderr")])
async def test_output_floods_are_cut_at_the_cap(sandbox: Sandbox, fd: int, field: str) -> None:
    body = f"static char buf[65536]; memset(buf, 'x', sizeof buf); for (;;) write({fd}, buf, sizeof buf);"
    limits = Limits(cpu_time_ms=3000, wall_time_ms=5000, output_bytes=1 * MIB, stderr_bytes=64 * 1024)
    result = await run_c(sandbox, body, limits)
    assert result.status is RunStatus.OUTPUT_LIMIT
    assert result.limit == field
    captured = getattr(result, field)
    assert len(captured) == (limits.output_bytes if fd == 1 else limits.stderr_bytes)
    assert getattr(result, f"{field}_truncated") is True
    assert result.cpu_ms < 1000  # stopped as soon as the cap was passed


FILL = """
  char name[64]; static char block[65536]; int files = 0; long long bytes = 0;
  memset(block, 'f', sizeof block);
  for (;;) {
    snprintf(name, sizeof name, "%s/f%d", argv[1], files);
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) { printf("%s files=%d bytes=%lld\\n", strerror(errno), files, bytes); return 0; }
    files++;
    for (int i = 0; i < atoi(argv[2]); i++) {
      ssize_t n = write(fd, block, sizeof block);
      if (n <= 0) { printf("%s files=%d bytes=%lld\\n", strerror(errno), files, bytes); return 0; }
      bytes += n;
    }
    close(fd);
  }
"""


@pytest.mark.parametrize("where", ["/box", "/tmp"])
async def test_filling_the_disk_stops_at_the_tmpfs_size(sandbox: Sandbox, where: str) -> None:
    limits = Limits(box_bytes=2 * MIB, tmp_bytes=2 * MIB, memory_bytes=64 * MIB)
    result = await run_argv(sandbox, ["./main", where, "4"], {"main": c_binary(main_c(FILL))}, limits)
    assert result.status is RunStatus.OK
    assert result.stdout.startswith(b"No space left on device")
    written = int(result.stdout.split(b"bytes=")[1])
    assert written <= 2 * MIB


@pytest.mark.parametrize("where", ["/box", "/tmp"])
async def test_filling_the_inodes_stops_at_the_inode_cap(sandbox: Sandbox, where: str) -> None:
    limits = Limits(inodes=64)
    result = await run_argv(sandbox, ["./main", where, "0"], {"main": c_binary(main_c(FILL))}, limits)
    assert result.status is RunStatus.OK
    assert result.stdout.startswith(b"No space left on device")
    assert int(result.stdout.split(b"files=")[1].split()[0]) <= 64


async def test_a_file_past_the_size_limit_gets_sigxfsz(sandbox: Sandbox) -> None:
    body = """
  static char block[65536];
  int fd = open("big", O_WRONLY | O_CREAT, 0644);
  for (;;) write(fd, block, sizeof block);
"""
    limits = Limits(file_size_bytes=1 * MIB, box_bytes=8 * MIB)
    result = await run_c(sandbox, body, limits)
    assert result.status is RunStatus.SIGNALED
    assert result.signal == signal.SIGXFSZ
    assert result.limit == "file_size"


# -- the host, the worker, the network ------------------------------------------------------------------------------


async def test_host_files_are_not_there(sandbox: Sandbox, canary_secret: str) -> None:
    probe = """
import os
for path in ["/etc/shadow", "/etc/passwd", "/root", "/home", "/work", "/work/main/sandbox/__init__.py",
             "/var", "/run", "/proc/1/environ", "/proc/self/environ", "/sys", "/dev/vda", "/boot"]:
    try:
        with open(path, "rb") as fh:
            data = fh.read(4096)
        print(path, "READ", len(data), data[:200])
    except OSError as exc:
        print(path, type(exc).__name__)
print(sorted(os.listdir("/")))
"""
    result = await run_py(sandbox, probe)
    assert result.status is RunStatus.OK, result
    lines = result.stdout.decode().splitlines()
    readable = {line.split()[0] for line in lines if " READ " in line}
    # the jail's own /proc: init's and its own (allow-listed) environment only
    assert readable <= {"/proc/1/environ", "/proc/self/environ"}
    assert canary_secret.encode() not in result.stdout
    root = lines[-1]
    for absent in ("etc/shadow", "'home'", "'root'", "'work'", "'var'", "'run'", "'sys'"):
        assert absent not in root


async def test_worker_environment_never_leaks(sandbox: Sandbox, canary_secret: str) -> None:
    assert os.environ["VERDICT_CANARY_SECRET"] == canary_secret
    probe = """
import os
print(dict(os.environ))
print(open("/proc/self/environ", "rb").read())
try:
    open("/proc/1/environ", "rb").read()  # the jail's init: not readable (it is not dumpable)
except PermissionError:
    print("init environ: denied")
"""
    result = await run_py(sandbox, probe)
    assert result.status is RunStatus.OK, result
    assert result.stdout.endswith(b"init environ: denied\n")
    assert canary_secret.encode() not in result.stdout + result.stderr
    assert b"VERDICT_CANARY_SECRET" not in result.stdout


@pytest.fixture
def listening_socket() -> Iterator[socket.socket]:
    """A real TCP service on the host's loopback (stands in for the test's Redis / PostgreSQL)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    try:
        yield server
    finally:
        server.close()


def _host_address() -> str:
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    return "127.0.0.1"


async def test_no_network_of_any_kind(sandbox: Sandbox, listening_socket: socket.socket) -> None:
    port = listening_socket.getsockname()[1]
    probe = f"""
import socket
def attempt(label, fn):
    try:
        fn()
        print(label, "OK")
    except OSError as exc:
        print(label, "FAILED", exc.errno)
def tcp(host):
    s = socket.create_connection((host, {port}), timeout=1)
    s.sendall(b"PING")
attempt("tcp-loopback", lambda: tcp("127.0.0.1"))
attempt("tcp-host", lambda: tcp("{_host_address()}"))
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", {port})))
attempt("dns", lambda: socket.getaddrinfo("example.com", 80))
attempt("ipv6", lambda: socket.create_connection(("::1", {port}), timeout=1))
"""
    result = await run_py(sandbox, probe)
    assert result.status is RunStatus.OK, result
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 5, lines
    assert all(" FAILED " in line for line in lines), lines
    with pytest.raises(BlockingIOError):
        listening_socket.accept()  # nobody ever connected


# -- forbidden system calls -----------------------------------------------------------------------------------------

FORBIDDEN = {
    "ptrace": ("#include <sys/ptrace.h>\n", 'ptrace(PTRACE_TRACEME, 0, 0, 0); puts("traced"); return 0;'),
    "unshare": ("#include <sched.h>\n", 'unshare(CLONE_NEWUSER); puts("unshared"); return 0;'),
    "mount": ("#include <sys/mount.h>\n", 'mount("none", "/tmp", "tmpfs", 0, 0); puts("mounted"); return 0;'),
    "clone-newns": (
        "#include <sched.h>\n#include <sys/syscall.h>\n",
        'syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0); puts("cloned"); return 0;',
    ),
    "keyctl": ("#include <sys/syscall.h>\n", 'syscall(SYS_keyctl, 0, 0, 0, 0, 0); puts("keyed"); return 0;'),
    "bpf": ("#include <sys/syscall.h>\n", 'syscall(SYS_bpf, 0, 0, 0); puts("bpf"); return 0;'),
    "process_vm_readv": (
        "#include <sys/uio.h>\n",
        'char b[8]; struct iovec v = {b, 8}; process_vm_readv(1, &v, 1, &v, 1, 0); puts("read"); return 0;',
    ),
    "reboot": ("#include <sys/reboot.h>\n", 'reboot(RB_POWER_OFF); puts("rebooted"); return 0;'),
}


@pytest.mark.parametrize("call", sorted(FORBIDDEN))
async def test_forbidden_system_calls_are_violations(sandbox: Sandbox, call: str) -> None:
    includes, body = FORBIDDEN[call]
    result = await run_c(sandbox, body, includes=includes)
    assert result.status is RunStatus.SANDBOX_VIOLATION, result
    assert result.signal == signal.SIGSYS
    assert result.limit == "seccomp"
    assert result.stdout == b""


async def test_io_uring_is_refused_gracefully(sandbox: Sandbox) -> None:
    body = 'long r = syscall(425, 8, malloc(256)); printf("%ld %d\\n", r, errno); return 0;'
    result = await run_c(sandbox, body, includes="#include <sys/syscall.h>\n")
    assert result.status is RunStatus.OK
    assert result.stdout == b"-1 38\n"


async def test_a_plain_thread_still_works_under_the_clone_filter(sandbox: Sandbox) -> None:
    result = await run_py(sandbox, "import threading\nt = threading.Thread(target=print, args=('t',))\nt.start()\n")
    assert result.status is RunStatus.OK
    assert result.stdout == b"t\n"


async def test_concurrent_hostile_runs_stay_apart(sandbox: Sandbox) -> None:
    """Two slots at once: a fork bomb next to a well-behaved program, which is not disturbed."""
    bomb = run_c(sandbox, "for (;;) fork();", Limits(cpu_time_ms=500, wall_time_ms=2000, processes=16))
    calm = run_py(sandbox, "import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n")
    bombed, calmed = await asyncio.gather(bomb, calm)
    assert bombed.status in (RunStatus.TIME_LIMIT, RunStatus.WALL_LIMIT)
    assert calmed.status is RunStatus.OK
    assert calmed.stdout == b"[1, 2]\n"  # its own pid namespace: the jail's init and itself, nothing else
