"""The ``verdict`` command: what operators, CI jobs and developers run.

Only the standard library is imported at module level, so that ``verdict worker judge`` works in the judge image,
which installs neither Litestar nor SQLAlchemy. Each sub-command imports what it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> None:
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        raise SystemExit(2)
    try:
        code = handler(args)
    except KeyboardInterrupt:
        code = 130
    except _settings_error() as exc:
        print(f"verdict: configuration error: {exc}", file=sys.stderr)
        code = 2
    raise SystemExit(code)


def _settings_error() -> type[Exception]:
    try:
        from api.settings import SettingsError
    except ImportError:  # judge image: no API side installed
        return _NoSuchError
    return SettingsError


class _NoSuchError(Exception):
    pass


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verdict", description="Verdict: coding platform and online judge.")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    dev = sub.add_parser("dev", help="run the whole platform locally on embedded defaults (SQLite, embedded Redis)")
    dev.add_argument("--no-judge", action="store_true", help="do not start a judge worker")
    dev.set_defaults(handler=_cmd_dev)

    serve = sub.add_parser("serve", help="run the API and web UI (uvicorn)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(handler=_cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations (DATABASE_URL, default SQLite)")
    migrate.add_argument("--revision", default="heads")
    migrate.set_defaults(handler=_cmd_migrate)

    seed = sub.add_parser("seed", help="create practice problems (and, with --demo, the demo accounts) once")
    seed.add_argument("--demo", action="store_true", help="also create the demo accounts (development only)")
    seed.set_defaults(handler=_cmd_seed)

    worker = sub.add_parser("worker", help="run an arq worker")
    wsub = worker.add_subparsers(title="workers", metavar="KIND")
    judge = wsub.add_parser("judge", help="a judge worker: takes jobs from the 'judge' queue, runs the sandbox")
    judge.set_defaults(handler=_cmd_worker_judge)
    tasks = wsub.add_parser("tasks", help="the api-tasks worker: records judge reports, reaps stale jobs")
    tasks.set_defaults(handler=_cmd_worker_tasks)

    def worker_help(_args: argparse.Namespace) -> int:
        worker.print_help()
        return 2

    worker.set_defaults(handler=worker_help)

    from api.cli_extra import register_extra_commands  # accounts, tokens, push: each area adds its own

    register_extra_commands(sub)
    return parser


def _cmd_dev(args: argparse.Namespace) -> int:
    from api.devserver import run_dev

    return run_dev(with_judge=not args.no_judge)


def _cmd_serve(args: argparse.Namespace) -> int:
    from api.devserver import serve

    return serve(workers=args.workers)


def _cmd_migrate(args: argparse.Namespace) -> int:
    from api.db.migrate import upgrade
    from api.settings import load_settings

    settings = load_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, args.revision)
    print(f"database is at revision {args.revision}")
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from api.db.seed import seed
    from api.settings import load_settings

    created = asyncio.run(seed(load_settings(), demo=args.demo))
    print("seeded: " + (", ".join(created) if created else "nothing new (already seeded)"))
    return 0


def _cmd_worker_judge(_args: argparse.Namespace) -> int:
    from judge_worker.main import run_worker

    return run_worker(os.environ)


def _cmd_worker_tasks(_args: argparse.Namespace) -> int:
    from api.tasks import run_worker

    return run_worker()


if __name__ == "__main__":
    main()
