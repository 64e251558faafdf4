"""Judge worker settings, read from ``JUDGE_*`` variables once at start-up. No database, no app secrets."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

import msgspec

__all__ = ["JudgeSettings", "JudgeSettingsError"]


class JudgeSettingsError(ValueError):
    pass


class JudgeSettings(msgspec.Struct, frozen=True, kw_only=True):
    redis_url: str
    api_url: str = "http://127.0.0.1:8000"
    judge_token: str = ""
    worker_id: str = ""
    slots: int = 1
    cache_dir: Path = Path(".var/judge-cache")
    cache_max_bytes: int = 1024 * 1024 * 1024
    heartbeat_ttl_s: int = 15
    job_timeout_s: int = 600
    metrics_port: int | None = None  # JUDGE_METRICS_PORT: serve /metrics there (unset: no metrics server)
    metrics_addr: str = "127.0.0.1"  # JUDGE_METRICS_ADDR: 0.0.0.0 in a container, for the fleet's network only
    log_level: str = "INFO"
    log_json: bool = False

    @property
    def heartbeat_interval_s(self) -> float:
        return max(0.5, self.heartbeat_ttl_s / 3)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> JudgeSettings:
        redis_url = environ.get("REDIS_URL", "").strip()
        if not redis_url:
            raise JudgeSettingsError("REDIS_URL must be set for a judge worker")
        if not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise JudgeSettingsError(f"REDIS_URL is not a valid URL: {redis_url!r} is not redis:// or rediss://")
        slots_raw = environ.get("JUDGE_SLOTS", "").strip()
        try:
            slots = int(slots_raw) if slots_raw else max(1, (os.cpu_count() or 2) - 1)
        except ValueError:
            raise JudgeSettingsError(f"JUDGE_SLOTS must be a whole number, got {slots_raw!r}") from None
        if not 1 <= slots <= 256:
            raise JudgeSettingsError(f"JUDGE_SLOTS must be between 1 and 256, got {slots}")
        data_dir = Path(environ.get("VERDICT_DATA_DIR", ".var"))
        heartbeat_ttl = _integer(environ, "JUDGE_HEARTBEAT_TTL", 15, 2, 3600)
        job_timeout = _integer(environ, "JUDGE_JOB_TIMEOUT", 600, 5, 86400)
        cache_mb = _integer(environ, "JUDGE_CACHE_MAX_MB", 1024, 1, 1024 * 1024)
        metrics_port = _integer(environ, "JUDGE_METRICS_PORT", -1, 0, 65535)
        log_level = environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise JudgeSettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
        return cls(
            redis_url=redis_url,
            api_url=environ.get("JUDGE_API_URL", "http://127.0.0.1:8000").rstrip("/"),
            judge_token=environ.get("JUDGE_TOKEN", ""),
            worker_id=environ.get("JUDGE_WORKER_ID", "") or f"{socket.gethostname()}-{os.getpid()}",
            slots=slots,
            cache_dir=Path(environ.get("JUDGE_CACHE_DIR", "") or data_dir / "judge-cache"),
            cache_max_bytes=cache_mb * 1024 * 1024,
            heartbeat_ttl_s=heartbeat_ttl,
            job_timeout_s=job_timeout,
            metrics_port=None if metrics_port < 0 else metrics_port,
            metrics_addr=environ.get("JUDGE_METRICS_ADDR", "").strip() or "127.0.0.1",
            log_level=log_level,
            log_json=_log_json(environ),
        )


def _integer(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise JudgeSettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise JudgeSettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _log_json(environ: Mapping[str, str]) -> bool:
    """LOG_JSON, by default on in production (VERDICT_ENV=production), as for the API."""
    raw = environ.get("LOG_JSON", "").strip().lower()
    if not raw:
        return environ.get("VERDICT_ENV", "").strip().lower() == "production"
    return raw in ("1", "true", "yes", "on")
