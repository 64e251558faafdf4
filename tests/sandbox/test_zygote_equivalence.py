"""The Python zygote runs a program exactly as ``python3 -S main.py`` would: every case runs both ways.

Plain: a fresh jail per run (``Sandbox.execute``, the interpreter started by exec). Zygote: the tests of one warm
jail (``Sandbox.warm``), each a fork of the interpreter initialised once. stdout, stderr and the exit code (or
signal) must be identical. The zygote's jail runs every case in turn, so each case also shows that the previous
one left nothing behind.
"""

from __future__ import annotations

import pytest

from sandbox import LANGUAGES, Limits, RunResult, Sandbox

pytestmark = pytest.mark.sandbox

LIMITS = Limits(cpu_time_ms=2000, wall_time_ms=5000)

CASES: dict[str, tuple[str, bytes | None]] = {
    "identity": (
        "import sys, os\n"
        "print(__name__, __file__, __doc__, __package__, __spec__, repr(__loader__.__class__.__name__))\n"
        "print(sys.argv, sys.orig_argv, sys.executable, sys.path[0], sys.flags.no_site, sys.prefix)\n"
        "print(os.getcwd(), sorted(k for k in globals()))\n",
        None,
    ),
    "modules_at_start": ("import sys\nprint(sorted(sys.modules))\n", None),
    "stdin_and_buffering": (
        "import sys, os\n"
        "data = sys.stdin.read()\n"
        "print('read', len(data), repr(data[:20]))\n"
        "print('before write', end='')\n"
        "os.write(1, b'[raw]')\n"  # reaches the pipe first: stdout is block-buffered on a pipe, as in a plain start
        "print(sys.stdout.line_buffering, sys.stdin.isatty(), sys.stdout.encoding, sys.stdin.seekable())\n"
        "sys.stderr.write('err line\\n')\n",
        b"hello\nworld\n" * 100,
    ),
    "input_until_eof": (
        "total = 0\nwhile True:\n    try:\n        total += int(input())\n"
        "    except EOFError:\n        break\nprint(total)\n",
        b"1\n2\n3\n",
    ),
    "uncaught_exception": ("def f():\n    raise ValueError('boom')\nprint('start')\nf()\n", None),
    "exception_with_cause": (
        "try:\n    {}['k']\nexcept KeyError as e:\n    raise RuntimeError('wrapped') from e\n",
        None,
    ),
    "syntax_error": ("print('never')\ndef broken(:\n", None),
    "sys_exit_code": ("import sys\nprint('out')\nsys.exit(3)\n", None),
    "sys_exit_message": ("import sys\nsys.exit('fatal: went wrong')\n", None),
    "sys_exit_none": ("raise SystemExit\n", None),
    "keyboard_interrupt": ("raise KeyboardInterrupt\n", None),
    "atexit_order": (
        "import atexit, sys\n"
        "atexit.register(print, 'first registered')\n"
        "atexit.register(print, 'second registered')\n"
        "print('body', flush=False)\nsys.exit(2)\n",
        None,
    ),
    "recursion_limit": (
        "import sys\n"
        "def depth(n):\n    try:\n        return depth(n + 1)\n    except RecursionError:\n        return n\n"
        "print(sys.getrecursionlimit(), depth(0))\n"
        "def boom(n):\n    return boom(n + 1)\nboom(0)\n",
        None,
    ),
    "binary_output": ("import sys\nsys.stdout.buffer.write(bytes(range(256)))\nprint('\\u00e9t\\u00e9')\n", None),
    "os_exit_skips_atexit": (
        "import atexit, os, sys\natexit.register(print, 'never')\nprint('buffered, lost')\nos._exit(7)\n",
        None,
    ),
    "abort_signal": ("import os\nos.abort()\n", None),
    "gc_and_del_at_exit": (
        "class C:\n    def __del__(self):\n        print('finalised')\nkeep = C()\nprint('end of body')\n",
        None,
    ),
    "warnings_to_stderr": ("import warnings\nwarnings.warn('careful')\nprint('after')\n", None),
    "imports_work": (
        "import json, collections, re, math\nprint(json.dumps({'a': math.pi}), re.sub('a', 'b', 'aa'))\n",
        None,
    ),
}


def _facts(result: RunResult) -> tuple[bytes, bytes, int | None, int | None, str]:
    return result.stdout, result.stderr, result.exit_code, result.signal, str(result.status)


async def test_the_zygote_is_offered(sandbox: Sandbox) -> None:
    assert not sandbox.zygote_problem, sandbox.zygote_problem


async def test_every_case_runs_the_same_in_the_zygote_as_in_a_plain_start(sandbox: Sandbox) -> None:
    spec = LANGUAGES["python3"]
    plain: dict[str, RunResult] = {}
    for name, (source, stdin) in CASES.items():
        plain[name] = await sandbox.execute(spec, {"main.py": source.encode()}, stdin, LIMITS)
    mismatches: list[str] = []
    async with sandbox.warm(spec, {}, LIMITS) as jail:
        assert jail.warm
        assert jail.zygote
        for name, (source, stdin) in CASES.items():
            forked = await jail.run(files={"main.py": source.encode()}, stdin=stdin)
            if _facts(forked) != _facts(plain[name]):
                mismatches.append(f"{name}:\n  plain  {_facts(plain[name])!r}\n  zygote {_facts(forked)!r}")
    assert not mismatches, "\n".join(mismatches)
    assert plain["recursion_limit"].stdout.startswith(b"1000 ")
    assert plain["keyboard_interrupt"].signal == 2 or plain["keyboard_interrupt"].exit_code == 130
