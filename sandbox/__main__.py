"""Operator CLI: ``python -m sandbox check`` and ``python -m sandbox run``.

``run`` prints one JSON object ``{"compile": <result> | null, "run": <result> | null}``; each result has the
fields of ``RunResult`` with ``stdout``/``stderr`` decoded as UTF-8 (invalid bytes replaced with U+FFFD) and the
collected ``files`` reduced to their sizes. ``run`` is null when compilation failed. The exit status is 0 whenever
the sandbox itself worked, whatever the program did; 1 when a result is ``internal_error``; 2 for usage errors.
Settings come from the ``SANDBOX_*`` environment variables (see ``SandboxConfig.from_env``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import msgspec

from sandbox.check import check_host, print_report
from sandbox.config import SandboxConfig
from sandbox.errors import SandboxConfigError, SandboxError
from sandbox.languages import LANGUAGES
from sandbox.limits import MIB, Limits
from sandbox.result import RunResult, RunStatus
from sandbox.runner import Sandbox


def result_json(result: RunResult | None) -> dict[str, Any] | None:
    """A result as JSON-ready data: text streams as UTF-8 with replacement, files as their sizes."""
    if result is None:
        return None
    data: dict[str, Any] = msgspec.to_builtins(result, builtin_types=(bytes,))
    data["stdout"] = result.stdout.decode("utf-8", errors="replace")
    data["stderr"] = result.stderr.decode("utf-8", errors="replace")
    data["files"] = {name: len(content) for name, content in result.files.items()}
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Verdict's nsjail sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="can this host enforce every limit? (exit 1 if not, with the fix)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--no-languages", action="store_true", help="skip the language self-tests")
    run = sub.add_parser("run", help="compile (if needed) and run one source file, print the results as JSON")
    run.add_argument("--language", required=True, choices=sorted(LANGUAGES), help="language id")
    run.add_argument("--stdin", type=Path, help="file to feed on standard input (default: empty)")
    run.add_argument("--time-limit", type=float, default=2.0, help="CPU time limit in seconds (default 2)")
    run.add_argument("--memory-limit", type=int, default=256, help="memory limit in MiB (default 256)")
    run.add_argument("source", type=Path, help="the program's source file")
    return parser


async def _run(config: SandboxConfig, args: argparse.Namespace) -> int:
    spec = LANGUAGES[args.language]
    source = args.source.read_bytes()
    stdin = args.stdin.read_bytes() if args.stdin else b""
    cpu_ms = max(1, round(args.time_limit * 1000))
    limits = Limits(cpu_time_ms=cpu_ms, wall_time_ms=2 * cpu_ms + 1000, memory_bytes=args.memory_limit * MIB)
    async with Sandbox(config) as sandbox:
        build = await sandbox.compile(spec, {spec.source: source})
        result = await sandbox.execute(spec, build.artifacts, stdin, limits) if build.ok else None
    print(json.dumps({"compile": result_json(build.result), "run": result_json(result)}, indent=2))
    failed = [r for r in (build.result, result) if r is not None and r.status is RunStatus.INTERNAL_ERROR]
    return 1 if failed else 0


async def _check(config: SandboxConfig, args: argparse.Namespace) -> int:
    report = await check_host(config, languages=not args.no_languages)
    if args.json:
        print(msgspec.json.encode(report).decode())
    else:
        print_report(report)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = SandboxConfig.from_env(os.environ)
        if args.command == "check":
            return asyncio.run(_check(config, args))
        if args.time_limit <= 0 or args.memory_limit < 4:
            print("--time-limit must be positive and --memory-limit at least 4 MiB", file=sys.stderr)
            return 2
        return asyncio.run(_run(config, args))
    except (SandboxConfigError, SandboxError, OSError) as exc:
        print(f"python -m sandbox: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, SandboxError) else 2


if __name__ == "__main__":
    sys.exit(main())
