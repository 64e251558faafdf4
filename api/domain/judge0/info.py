"""``/about``, ``/system_info``, ``/statistics`` and ``/workers``: Judge0's informational answers, Verdict's facts."""

from __future__ import annotations

import os
import platform
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import msgspec
from redis.asyncio import Redis
from sqlalchemy import func, select, text

from api.db import models as m
from api.domain.judge0.config import VERSION
from api.domain.judge0.languages import LANGUAGES
from api.domain.judge0.present import format_time
from api.domain.judge0.results import derive_result
from api.domain.judge0.services import Judge0SubmissionService
from api.domain.judge0.statuses import Status
from api.domain.system.services import list_workers, queue_depth
from api.lib.timeutil import utcnow
from api.settings import Settings
from judge_worker.contracts import JUDGE_QUEUE, Verdict

__all__ = ["About", "QueueWorkers", "about", "pretty_size", "statistics", "system_info", "workers"]

STATISTICS_KEY: Final = "judge0:statistics"
STATISTICS_TTL: Final = timedelta(minutes=10)


class About(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    homepage: str | None
    source_code: str | None
    maintainer: str | None


class QueueWorkers(msgspec.Struct, frozen=True, kw_only=True):
    queue: str
    size: int
    available: int
    idle: int
    working: int
    paused: int
    failed: int


def about(settings: Settings) -> About:
    return About(
        version=VERSION,
        homepage=settings.base_url,
        source_code=None,
        maintainer="Verdict (a Judge0-compatible API served by Verdict's own judge)",
    )


def _meminfo() -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                values[name] = int(parts[0]) * 1024
    except OSError:
        pass
    return values


def _model_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _human(size: int) -> str:
    """Like ``free -h``: ``7.7G``, ``512M``, ``0B``."""
    value = float(size)
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024 or unit == "T":
            return f"{value:.1f}{unit}" if unit != "B" and value < 10 else f"{value:.0f}{unit}"
        value /= 1024
    return f"{value:.0f}T"


def system_info() -> dict[str, str]:
    """The API host, in the shape of Judge0's ``lscpu`` + ``free -h`` summary (call it off the event loop)."""
    cpus = os.cpu_count() or 1
    memory = _meminfo()
    return {
        "Architecture": platform.machine(),
        "Byte Order": "Little Endian" if sys.byteorder == "little" else "Big Endian",
        "CPU(s)": str(cpus),
        "On-line CPU(s) list": f"0-{cpus - 1}" if cpus > 1 else "0",
        "Model name": _model_name(),
        "Mem": _human(memory.get("MemTotal", 0)),
        "Swap": _human(memory.get("SwapTotal", 0)),
    }


def pretty_size(size: int) -> str:
    """PostgreSQL's ``pg_size_pretty``: the unit changes once a value reaches 10240 of the smaller one."""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(value) < 10 * 1024 or unit == "TB":
            return f"{round(value)} {unit}"
        value /= 1024
    return f"{round(value)} PB"


def _status(state: m.SubmissionStatus, verdict: str | None, results: list[dict[str, Any]] | None) -> Status:
    return derive_result(
        state=state.value,
        processing=False,
        verdict=verdict,
        cases=results,
        compile_output="",
        message="",
        finished_at=None,
        cpu_limit_ms=0,
        wall_limit_ms=0,
    ).status


async def _database_size(service: Judge0SubmissionService) -> tuple[int, str]:
    session = service.session
    if (await session.connection()).dialect.name == "postgresql":
        row = (
            await session.execute(
                text(
                    "SELECT pg_database_size(current_database()), pg_size_pretty(pg_database_size(current_database()))"
                )
            )
        ).one()
        return int(row[0]), str(row[1])
    pages = int(await session.scalar(text("PRAGMA page_count")) or 0)
    page_size = int(await session.scalar(text("PRAGMA page_size")) or 0)
    return pages * page_size, pretty_size(pages * page_size)


async def _compute(service: Judge0SubmissionService) -> dict[str, Any]:
    session = service.session
    now = utcnow()
    today = now.date()
    total = int(await session.scalar(select(func.count()).select_from(m.Judge0Submission)) or 0)
    since = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=30)
    per_day: dict[str, int] = {}
    for created in await session.scalars(
        select(m.Judge0Submission.created_at).where(m.Judge0Submission.created_at >= since)
    ):
        day = created.date().isoformat()
        per_day[day] = per_day.get(day, 0) + 1
    last_30_days = {
        (today - timedelta(days=offset)).isoformat(): per_day.get((today - timedelta(days=offset)).isoformat(), 0)
        for offset in range(1, 31)
    }
    by_language = (
        await session.execute(
            select(m.Judge0Submission.language_id, func.count()).group_by(m.Judge0Submission.language_id)
        )
    ).all()
    languages = sorted(
        (
            {"language": {"id": lang_id, "name": LANGUAGES[lang_id].name if lang_id in LANGUAGES else None}, "count": n}
            for lang_id, n in by_language
        ),
        key=lambda item: -int(item["count"]),
    )
    status_counts: dict[Status, int] = {}
    joined = (
        select(m.Submission.status, m.Submission.verdict, func.count())
        .join(m.Judge0Submission, m.Judge0Submission.submission_id == m.Submission.id)
        .group_by(m.Submission.status, m.Submission.verdict)
    )
    for state, verdict, count in await session.execute(joined):
        if state is m.SubmissionStatus.DONE and verdict in (Verdict.RTE, Verdict.AC):
            continue  # the status depends on the deciding run (its signal), counted below
        status = _status(state, verdict, None)
        status_counts[status] = status_counts.get(status, 0) + count
    detailed = (
        select(m.Submission.status, m.Submission.verdict, m.Submission.results)
        .join(m.Judge0Submission, m.Judge0Submission.submission_id == m.Submission.id)
        .where(m.Submission.status == m.SubmissionStatus.DONE, m.Submission.verdict.in_([Verdict.RTE, Verdict.AC]))
    )
    for state, verdict, results in await session.execute(detailed):
        status = _status(state, verdict, results)
        status_counts[status] = status_counts.get(status, 0) + 1
    statuses = [
        {"status": {"id": int(status), "name": status.description}, "count": count}
        for status, count in sorted(status_counts.items(), key=lambda item: -item[1])
    ]
    size, pretty = await _database_size(service)
    await session.rollback()
    return {
        "created_at": format_time(now),
        "cached_until": format_time(now + STATISTICS_TTL),
        "submissions": {"total": total, "today": per_day.get(today.isoformat(), 0), "last_30_days": last_30_days},
        "languages": languages,
        "statuses": statuses,
        "database": {"size_pretty": pretty, "size_in_bytes": size},
    }


async def statistics(service: Judge0SubmissionService, *, invalidate: bool = False) -> Any:
    """Judge0's statistics of every Judge0 submission kept, computed at most every 10 minutes (shared by replicas)."""
    if invalidate:
        await service.redis.delete(STATISTICS_KEY)
    else:
        cached = await service.redis.get(STATISTICS_KEY)
        if cached is not None:
            return msgspec.json.decode(cached)
    body = await _compute(service)
    await service.redis.set(STATISTICS_KEY, msgspec.json.encode(body), ex=STATISTICS_TTL)
    return body


async def workers(redis: Redis) -> list[QueueWorkers]:
    """The judge queue as Judge0 reports its Resque queue: one entry, worker slots as its workers."""
    fleet = await list_workers(redis)
    slots = sum(worker.slots for worker in fleet)
    busy = min(slots, sum(worker.busy for worker in fleet))
    return [
        QueueWorkers(
            queue=JUDGE_QUEUE,
            size=await queue_depth(redis),
            available=slots,
            idle=slots - busy,
            working=busy,
            paused=0,
            failed=0,
        )
    ]
