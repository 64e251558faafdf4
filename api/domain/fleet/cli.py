"""``verdict fleet``: start, scale, watch, drain and autoscale the judge fleet.

``up``/``scale``/``autoscale`` run judges as Docker containers through the Docker SDK; ``status`` and ``drain`` work
for every judge worker, container or plain process, through Redis (``REDIS_URL``). Exit status: 0 done, 1 the
operation failed (the reason is printed), 2 bad usage (e.g. a count beyond ``--max-workers``).
Only the standard library is imported at module level.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from api.domain.fleet.docker_fleet import DockerFleet, JudgeContainerSpec

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[Any]) -> None:
    fleet = sub.add_parser("fleet", help="start, scale, watch, drain and autoscale the judge fleet")
    fsub = fleet.add_subparsers(title="fleet commands", metavar="ACTION")

    def common(parser: argparse.ArgumentParser, *, docker: bool) -> None:
        parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""), help="default: $REDIS_URL")
        if not docker:
            return
        parser.add_argument("--docker-host", default=None, help="the Docker engine (default: $DOCKER_HOST)")
        parser.add_argument("--project", default="verdict", help="label and name prefix of the containers")
        parser.add_argument("--image", default="verdict-judge", help="the judge image (built from Dockerfile.judge)")
        parser.add_argument("--slots", type=int, default=int(os.environ.get("JUDGE_SLOTS", "2") or 2))
        parser.add_argument("--network", default=None, help="Docker network the judges join (where Redis/API are)")
        parser.add_argument("--env-file", type=Path, help="KEY=VALUE lines for the judges (REDIS_URL, JUDGE_*)")
        parser.add_argument(
            "--cap-add",
            action="append",
            default=[],
            metavar="CAP",
            help="a capability beyond the judge's four (repeatable): DAC_OVERRIDE on cgroup v1 hosts, see the manual",
        )
        parser.add_argument(
            "--volume",
            action="append",
            default=[],
            metavar="HOST:CONTAINER[:ro]",
            help="an extra bind mount for the judges (repeatable), e.g. a seccomp profile or CA certificates",
        )
        parser.add_argument(
            "--max-workers",
            type=int,
            default=int(os.environ.get("FLEET_MAX_WORKERS", "64") or 64),
            help="refuse to run more judges than this (default $FLEET_MAX_WORKERS or 64)",
        )

    up = fsub.add_parser("up", help="start judge containers until N run")
    up.add_argument("count", type=int, metavar="N")
    common(up, docker=True)
    up.set_defaults(handler=_cmd_up)

    scale = fsub.add_parser("scale", help="grow to N (start containers) or shrink to N (drain the least busy)")
    scale.add_argument("count", type=int, metavar="N")
    scale.add_argument("--wait", type=float, default=0, help="seconds to wait for drained judges to exit")
    common(scale, docker=True)
    scale.set_defaults(handler=_cmd_scale)

    status = fsub.add_parser("status", help="judge workers (slots, busy, version, heartbeat) and the queue per lane")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    common(status, docker=False)
    status.set_defaults(handler=_cmd_status)

    drain = fsub.add_parser("drain", help="a worker takes no new jobs, finishes its running ones and exits")
    drain.add_argument("worker", metavar="WORKER", help="the worker id (see `verdict fleet status`)")
    drain.add_argument("--wait", type=float, default=0, help="seconds to wait until it has exited (0: do not wait)")
    common(drain, docker=False)
    drain.set_defaults(handler=_cmd_drain)

    auto = fsub.add_parser("autoscale", help="keep the number of judge containers fitted to the queue")
    auto.add_argument("--min", type=int, required=True, dest="minimum")
    auto.add_argument("--max", type=int, required=True, dest="maximum")
    auto.add_argument("--target-wait", type=float, default=30.0, help="seconds a job may wait before it starts")
    auto.add_argument("--interval", type=float, default=15.0, help="seconds between decisions")
    auto.add_argument("--once", action="store_true", help="decide and act once, then exit")
    common(auto, docker=True)
    auto.set_defaults(handler=_cmd_autoscale)

    build = fsub.add_parser(
        "build-images", help="build the api and judge images (on a debootstrap Debian base unless --base is given)"
    )
    build.add_argument("--docker-host", default=None, help="the Docker engine (default: $DOCKER_HOST)")
    build.add_argument("--context", type=Path, default=Path.cwd(), help="the Verdict checkout (default: .)")
    build.add_argument("--base", default=None, help="an existing base image instead of debootstrap")
    build.add_argument("--prefix", default="verdict", help="tags <prefix>-api:local and <prefix>-judge:local")
    build.add_argument("--mirror", default="http://deb.debian.org/debian", help="Debian mirror for debootstrap")
    build.add_argument(
        "--apt-file", action="append", default=[], type=Path, metavar="PATH",
        help="a file under /etc/apt copied into the base (repeatable): sources naming a local mirror, a proxy",
    )  # fmt: skip
    build.add_argument(
        "--ca-certificate", action="append", default=[], type=Path, metavar="PEM",
        help="an extra certificate authority for the builds (repeatable), e.g. a TLS-inspecting proxy's",
    )  # fmt: skip
    build.set_defaults(handler=_cmd_build_images)

    def fleet_help(_args: argparse.Namespace) -> int:
        fleet.print_help()
        return 2

    fleet.set_defaults(handler=fleet_help)


def _fail(message: str, code: int = 1) -> int:
    print(f"verdict fleet: {message}", file=sys.stderr)
    return code


def _redis(args: argparse.Namespace) -> Redis:
    from redis.asyncio import Redis

    if not args.redis_url:
        raise _UsageError("REDIS_URL (or --redis-url) must name the fleet's Redis")
    redis: Redis = Redis.from_url(args.redis_url, socket_connect_timeout=5, socket_timeout=10)
    return redis


class _UsageError(Exception):
    pass


def _run(args: argparse.Namespace, action: Any) -> int:
    from api.domain.fleet.services import FleetError

    try:
        return int(asyncio.run(action(args)))
    except _UsageError as exc:
        return _fail(str(exc), 2)
    except FleetError as exc:
        code = 2 if "beyond the limit" in str(exc) or "cannot have" in str(exc) or "need 0 <=" in str(exc) else 1
        return _fail(str(exc), code)


def _env_file(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    env: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise _UsageError(f"{path}:{number}: expected KEY=VALUE")
        env[key.strip()] = value.strip()
    return env


def _docker(args: argparse.Namespace, count: int) -> tuple[DockerFleet, JudgeContainerSpec]:
    """The engine's fleet and the judges' spec, once ``count`` is known to be allowed (checked before connecting)."""
    from api.domain.fleet.docker_fleet import DockerFleet, JudgeContainerSpec, connect
    from api.domain.fleet.services import check_worker_count

    check_worker_count(count, args.max_workers)

    fleet = DockerFleet(connect(args.docker_host), project=args.project, max_workers=args.max_workers)
    environment = {**os.environ, **_env_file(args.env_file)}
    if args.redis_url:
        environment.setdefault("REDIS_URL", args.redis_url)
    volumes: dict[str, dict[str, str]] = {}
    for volume in args.volume:
        host, sep, rest = volume.partition(":")
        target, _, mode = rest.partition(":")
        if not sep or not host.startswith("/") or not target.startswith("/") or mode not in ("", "ro", "rw"):
            raise _UsageError(f"--volume {volume!r}: expected /host/path:/container/path[:ro|rw]")
        volumes[host] = {"bind": target, "mode": mode or "ro"}
    spec = JudgeContainerSpec(
        image=args.image,
        environment=environment,
        network=args.network,
        slots=args.slots,
        extra_volumes=volumes,
        extra_capabilities=tuple(cap.upper().removeprefix("CAP_") for cap in args.cap_add),
    )
    return fleet, spec


def _cmd_build_images(args: argparse.Namespace) -> int:
    from api.domain.fleet.docker_fleet import connect
    from api.domain.fleet.images import build_images, describe
    from api.domain.fleet.services import FleetError

    if not (args.context / "Dockerfile.api").is_file():
        return _fail(f"{args.context} is not a Verdict checkout (no Dockerfile.api)", 2)
    try:
        client = connect(args.docker_host)
        built = build_images(
            client, args.context, base_image=args.base, prefix=args.prefix, apt_files=args.apt_file,
            ca_certificates=args.ca_certificate, mirror=args.mirror,
        )  # fmt: skip
        print(describe(built, client))
    except FleetError as exc:
        return _fail(str(exc))
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    async def action(args: argparse.Namespace) -> int:
        fleet, spec = _docker(args, args.count)
        fleet.remove_exited()
        missing = args.count - len(fleet.containers(running_only=True))
        started = await asyncio.to_thread(fleet.start, spec, max(0, missing))
        for container in started:
            print(f"started {container.name}")
        print(f"{args.count} judge containers wanted, {len(fleet.containers(running_only=True))} running")
        return 0

    return _run(args, action)


def _cmd_scale(args: argparse.Namespace) -> int:
    async def action(args: argparse.Namespace) -> int:
        fleet, spec = _docker(args, args.count)
        return await _scale_to(fleet, spec, _redis(args), args.count, wait=args.wait)

    return _run(args, action)


async def _scale_to(fleet: DockerFleet, spec: JudgeContainerSpec, redis: Redis, count: int, *, wait: float) -> int:
    from api.domain.fleet.services import request_drain, wait_drained
    from api.domain.system.services import list_workers

    fleet.check_count(count)
    fleet.remove_exited()
    beats = {w.id: w for w in await list_workers(redis)}
    names = [str(c.name) for c in fleet.containers(running_only=True)]
    active = [n for n in names if not (n in beats and beats[n].draining)]  # draining ones are on their way out
    if count > len(active):
        for container in await asyncio.to_thread(fleet.start, spec, count - len(active)):
            print(f"started {container.name}")
        return 0
    victims = sorted(active, key=lambda n: (beats[n].busy if n in beats else -1, n))[: len(active) - count]
    for name in victims:
        if name in beats:
            await request_drain(redis, name)
            print(f"draining {name}")
        else:  # never came up (no heartbeat): nothing to lose
            await asyncio.to_thread(fleet.stop, name, 10)
            print(f"stopped {name} (it had no heartbeat)")
    if wait > 0:
        for name in victims:
            if name in beats and not await wait_drained(redis, name, within=wait):
                return _fail(f"{name} is still draining after {wait:.0f} s")
        fleet.remove_exited()
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    async def action(args: argparse.Namespace) -> int:
        import msgspec
        from redis.exceptions import RedisError

        from api.domain.system.lanes import queue_stats
        from api.domain.system.services import list_workers

        redis = _redis(args)
        try:
            workers = await list_workers(redis)
            stats = await queue_stats(redis, workers)
        except (RedisError, OSError) as exc:
            return _fail(f"Redis is unreachable: {exc}")
        finally:
            await redis.aclose()
        if args.json:
            print(msgspec.json.encode({"workers": workers, "queue": stats}).decode())
            return 0
        print(f"{'WORKER':<34} {'STATE':<9} {'SLOTS':>5} {'BUSY':>4} {'RUN':>4} {'DONE':>6} VERSION  HOST")
        for w in workers:
            state = "draining" if w.draining else "active"
            counts = f"{w.slots:>5} {w.busy:>4} {w.running:>4} {w.jobs_done:>6}"
            print(f"{w.id:<34} {state:<9} {counts} {w.version:<8} {w.host}")
        print(f"\nqueue: {stats.depth} jobs, {stats.running} running")
        for lane in stats.lanes:
            wait = "no judge" if lane.estimated_wait_s is None else f"~{lane.estimated_wait_s:.0f} s"
            print(
                f"  {lane.lane:<11} {lane.waiting:>5} waiting, oldest {lane.oldest_wait_s:.0f} s, new job waits {wait}"
            )
        return 0

    return _run(args, action)


def _cmd_drain(args: argparse.Namespace) -> int:
    async def action(args: argparse.Namespace) -> int:
        from api.domain.fleet.services import request_drain, wait_drained

        redis = _redis(args)
        try:
            beat = await request_drain(redis, args.worker)
            print(f"draining {beat.id}: {beat.running} running jobs will finish, no new ones start")
            if args.wait > 0:
                if not await wait_drained(redis, args.worker, within=args.wait):
                    return _fail(f"{args.worker} is still draining after {args.wait:.0f} s")
                print(f"{args.worker} has drained and exited")
        finally:
            await redis.aclose()
        return 0

    return _run(args, action)


def _cmd_autoscale(args: argparse.Namespace) -> int:
    async def action(args: argparse.Namespace) -> int:
        from redis.exceptions import RedisError

        from api.domain.fleet.services import FleetError, desired_workers
        from api.domain.system.lanes import queue_stats
        from api.domain.system.services import list_workers

        if not 0 <= args.minimum <= args.maximum:
            raise FleetError(f"--min {args.minimum} and --max {args.maximum}: need 0 <= min <= max")
        fleet, spec = _docker(args, args.maximum)
        redis = _redis(args)
        try:
            while True:
                try:
                    workers = await list_workers(redis)
                    stats = await queue_stats(redis, workers)
                    current = len(fleet.containers(running_only=True)) - sum(1 for w in workers if w.draining)
                    decision = desired_workers(
                        stats,
                        workers,
                        current=current,
                        slots_per_worker=spec.slots,
                        minimum=args.minimum,
                        maximum=args.maximum,
                        target_wait_s=args.target_wait,
                    )
                    if decision.workers != current:
                        print(f"scaling {current} -> {decision.workers}: {decision.reason}", flush=True)
                        await _scale_to(fleet, spec, redis, decision.workers, wait=0)
                except (RedisError, OSError) as exc:  # keep the fleet as it is until Redis is back
                    print(f"verdict fleet autoscale: Redis unreachable, no change: {exc}", file=sys.stderr, flush=True)
                if args.once:
                    return 0
                await asyncio.sleep(args.interval)
        finally:
            await redis.aclose()

    return _run(args, action)
