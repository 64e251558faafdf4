"""The run contract through the real sandbox: files in, stdin through a pipe, facts out, nothing left behind."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from sandbox import LANGUAGES, MIB, Limits, RunStatus, Sandbox
from tests.sandbox.programs import BUSY, c_binary, main_c

pytestmark = pytest.mark.sandbox

QUICK = Limits(cpu_time_ms=2000, wall_time_ms=5000, memory_bytes=64 * MIB)


async def test_hello_and_facts(sandbox: Sandbox, compiled: dict[str, bytes]) -> None:
    result = await sandbox.run(["./hello"], files=compiled, limits=QUICK)
    assert result.status is RunStatus.OK
    assert (result.exit_code, result.signal, result.limit) == (0, None, None)
    assert result.stdout == b"hello\n"
    assert result.stderr == b""
    assert 0 <= result.cpu_ms < 100
    assert 0 < result.wall_ms < 2000
    assert 0 < result.memory_kib < 16 * 1024


async def test_stdin_is_piped_then_closed(sandbox: Sandbox) -> None:
    data = b"".join(b"%d\n" % i for i in range(200_000))  # larger than a pipe buffer
    result = await sandbox.run(["/usr/bin/wc", "-l"], stdin=data, limits=QUICK)
    assert result.status is RunStatus.OK
    assert result.stdout.strip() == b"200000"


async def test_no_stdin_reads_eof(sandbox: Sandbox) -> None:
    result = await sandbox.run(["/usr/bin/cat"], limits=QUICK)
    assert result.status is RunStatus.OK
    assert result.stdout == b""


async def test_exit_code_and_signal(sandbox: Sandbox) -> None:
    result = await sandbox.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 7"], limits=QUICK)
    assert result.status is RunStatus.NONZERO_EXIT
    assert (result.exit_code, result.stdout, result.stderr) == (7, b"out\n", b"err\n")
    aborts = c_binary(main_c("abort();"))
    result = await sandbox.run(["./abort"], files={"abort": aborts}, limits=QUICK)
    assert result.status is RunStatus.SIGNALED
    assert result.signal == signal.SIGABRT


async def test_program_exiting_like_a_signal_is_an_exit(sandbox: Sandbox) -> None:
    # nsjail exits 128+n for a signal; the status comes from nsjail's log, so exit(137) stays an exit
    result = await sandbox.run(["/bin/sh", "-c", "exit 137"], limits=QUICK)
    assert result.status is RunStatus.NONZERO_EXIT
    assert (result.exit_code, result.signal) == (137, None)


async def test_files_are_placed_and_collected(sandbox: Sandbox) -> None:
    script = "cat input.txt > copy.txt; echo built > main; mkdir sub; echo no > sub/x; ln -s /etc/passwd link"
    result = await sandbox.run(
        ["/bin/sh", "-c", script],
        files={"input.txt": b"payload"},
        collect=["copy.txt", "main", "link", "sub", "missing"],
        limits=QUICK,
    )
    assert result.status is RunStatus.OK
    assert result.files == {"copy.txt": b"payload", "main": b"built\n"}


async def test_every_run_gets_a_fresh_box_and_tmp(sandbox: Sandbox) -> None:
    first = await sandbox.run(["/bin/sh", "-c", "echo secret > /box/left; echo secret > /tmp/left"], limits=QUICK)
    assert first.status is RunStatus.OK
    for _ in range(sandbox.slots):  # whichever slot runs next
        second = await sandbox.run(["/bin/sh", "-c", "ls -A /box /tmp"], limits=QUICK)
        assert second.status is RunStatus.OK
        assert b"left" not in second.stdout


async def test_environment_is_the_allow_list(sandbox: Sandbox, canary_secret: str) -> None:
    result = await sandbox.run(["/usr/bin/env"], env={"EXTRA": "1"}, limits=QUICK)
    assert result.status is RunStatus.OK
    names = {line.split(b"=", 1)[0] for line in result.stdout.splitlines()}
    assert names == {b"PATH", b"HOME", b"TMPDIR", b"LANG", b"LC_ALL", b"EXTRA"}
    assert canary_secret.encode() not in result.stdout


async def test_runs_as_the_unprivileged_jail_user(sandbox: Sandbox) -> None:
    result = await sandbox.run(["/usr/bin/id"], limits=QUICK)
    assert result.stdout.startswith(b"uid=65534 gid=65534")
    status = await sandbox.run(["/bin/sh", "-c", "grep -E '^(Cap(Eff|Prm)|NoNewPrivs|Seccomp):' /proc/self/status"])
    assert b"CapEff:\t0000000000000000" in status.stdout
    assert b"NoNewPrivs:\t1" in status.stdout
    assert b"Seccomp:\t2" in status.stdout


async def test_cpu_time_is_the_programs_own(sandbox: Sandbox) -> None:
    busy = c_binary(BUSY)
    result = await sandbox.run(["./busy", "200"], files={"busy": busy}, limits=QUICK)
    assert result.status is RunStatus.OK
    own_ms = int(result.stdout) / 1000
    assert abs(result.cpu_ms - own_ms) <= 3, (result.cpu_ms, own_ms)  # nsjail's own start-up is not charged
    assert 200 <= result.cpu_ms <= 230


async def test_interactive_pair_through_pipes(sandbox: Sandbox) -> None:
    """Two jails talking through pipes (an interactor and a solution); each run owns and closes its fds."""
    to_solution_r, to_solution_w = os.pipe2(os.O_CLOEXEC)
    to_interactor_r, to_interactor_w = os.pipe2(os.O_CLOEXEC)
    interactor = 'echo 20; read answer; echo "got $answer" >&2; [ "$answer" = 21 ]'
    solution = "read n; echo $((n + 1))"
    judged, solved = await asyncio.gather(
        sandbox.run(["/bin/sh", "-c", interactor], stdin_fd=to_interactor_r, stdout_fd=to_solution_w, limits=QUICK),
        sandbox.run(["/bin/sh", "-c", solution], stdin_fd=to_solution_r, stdout_fd=to_interactor_w, limits=QUICK),
    )
    assert solved.status is RunStatus.OK
    assert solved.stdout == b""
    assert judged.status is RunStatus.OK, judged
    assert judged.stderr == b"got 21\n"
    for fd in (to_solution_r, to_solution_w, to_interactor_r, to_interactor_w):
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(fd)  # closed by the sandbox


async def test_cancelled_run_leaves_nothing(sandbox: Sandbox) -> None:
    task = asyncio.create_task(sandbox.run(["/bin/sleep", "60"], limits=Limits(wall_time_ms=60_000)))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sandbox.leftovers() == []
    result = await sandbox.run(["/bin/true"], limits=QUICK)  # the slot is usable again
    assert result.status is RunStatus.OK


async def test_bad_requests_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="plain name"):
        await sandbox.run(["/bin/true"], files={"../escape": b""})
    with pytest.raises(ValueError, match="non-empty"):
        await sandbox.run([])
    with pytest.raises(ValueError, match="not both"):
        await sandbox.run(["/bin/true"], stdin=b"", stdin_fd=0)


async def test_missing_program_is_an_internal_error(sandbox: Sandbox) -> None:
    result = await sandbox.run(["/nonexistent/program"], limits=QUICK)
    assert result.status is RunStatus.INTERNAL_ERROR
    assert "'/nonexistent/program': exec failed: No such file or directory" in result.message


@pytest.mark.parametrize("language", ["python3", "c", "cpp17", "cpp20", "java", "javascript"])
async def test_a_plus_b_in_each_language(sandbox: Sandbox, language: str) -> None:
    spec = LANGUAGES[language]
    build = await sandbox.compile(spec, {spec.source: spec.self_test.source})
    assert build.ok, build.result
    result = await sandbox.execute(spec, build.artifacts, b"1000000000000 234\n", Limits(cpu_time_ms=3000))
    assert result.status is RunStatus.OK, result
    assert result.stdout == b"1000000000234\n"
