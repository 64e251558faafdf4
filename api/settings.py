"""Typed settings, read from the environment once at start-up.

Nothing here runs at import time: the process entry point calls :func:`load_settings` (or
:meth:`Settings.from_env`) once and passes the result down. Every variable is listed, with a
comment, in ``.env.example``.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import msgspec

__all__ = ["Environment", "Settings", "SettingsError", "load_settings"]

DEV_SECRET_PREFIX: Final = "dev-insecure-"  # noqa: S105 - marks generated development secrets
_DEFAULT_PORT: Final = 8000
_MIB: Final = 1024 * 1024


class SettingsError(ValueError):
    """A variable is missing or malformed; the message names it and says what is wrong."""


class Environment(enum.StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the API side and the api-tasks worker are configured with."""

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".var")
    database_url: str = ""
    database_echo: bool = False
    database_pool_size: int = 10
    redis_url: str = ""
    secret_key: str = ""
    judge_token: str = ""
    metrics_token: str = ""  # METRICS_TOKEN: Prometheus scrapes GET /metrics with it (admins may always)
    host: str = "127.0.0.1"
    port: int = _DEFAULT_PORT
    public_url: str = ""
    max_body_bytes: int = 16 * _MIB
    log_level: str = "INFO"
    log_json: bool = False
    judge_heartbeat_ttl_s: int = 15
    judge_reap_after_s: int = 300  # a submission queued or judging this long without news is looked at
    judge_reap_interval_s: int = 15  # how often the api-tasks reaper runs
    judge_max_requeues: int = 3  # re-enqueues of one attempt before it ends as IE
    openai_base_url: str = ""
    openai_api_key: str = ""
    openai_model: str = ""
    openai_timeout_s: float = 30.0  # one request to the endpoint (a streamed hint: between chunks)
    openai_max_retries: int = 3  # further tries after a 429, a 5xx, a timeout or a refused connection
    openai_retry_base_s: float = 1.0  # backoff: base * 2**try (or the endpoint's Retry-After), capped at 30 s
    openai_price_input_per_mtok: float = 0.0  # cost shown for a million prompt tokens (courses may override)
    openai_price_output_per_mtok: float = 0.0  # and for a million completion tokens
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "Verdict <no-reply@verdict.local>"
    smtp_starttls: bool = False
    package_max_bytes: int = 64 * _MIB  # a problem package upload, refused with 413 while streaming beyond this
    package_max_files: int = 2000  # members of a package archive
    package_max_file_bytes: int = 64 * _MIB  # one member, uncompressed
    package_max_total_bytes: int = 256 * _MIB  # all members, uncompressed
    package_max_ratio: int = 200  # uncompressed / compressed, per member and overall
    package_validation_timeout_s: int = 300  # ?validate=true waits this long for the reference solutions
    submission_max_source_bytes: int = 64 * 1024  # all files of one submission together
    submission_max_files: int = 20
    run_max_input_bytes: int = 64 * 1024  # the custom input of a Run
    submission_rate_per_minute: int = 6  # per user; 429 beyond
    run_rate_per_minute: int = 20  # per user; 429 beyond
    submission_max_queued: int = 3  # per user, submissions and runs waiting or being judged; 429 beyond
    access_token_ttl_s: int = 900  # access JWT lifetime
    refresh_token_ttl_s: int = 30 * 24 * 3600
    instructor_invite_code: str = ""  # empty: instructors are created by an admin only
    cookie_secure: bool = False
    judge0_max_queue_size: int = 100  # Judge0 API: 503 "queue is full" from this many waiting jobs
    judge0_wait_timeout_s: int = 30  # how long ?wait=true holds a request before answering with the current state
    judge0_retention_hours: int = 168  # Judge0 submissions are deleted this long after they were created
    judge0_callback_allowed_hosts: tuple[str, ...] = ()  # hosts/IPs/CIDRs a callback_url may name (empty: none)
    judge0_enable_submission_delete: bool = True
    judge0_languages: tuple[str, ...] = ()  # Verdict language ids offered through /judge0 (empty: all mapped)
    judge0_max_cpu_time_limit: float = 15.0
    judge0_max_wall_time_limit: float = 20.0
    judge0_max_memory_limit: int = 512000  # KiB
    judge0_max_number_of_runs: int = 20
    judge0_max_source_bytes: int = 256 * 1024
    judge0_max_stdin_bytes: int = _MIB  # stdin and expected_output, each
    cors_allowed_origins: tuple[str, ...] = ()  # origins (scheme://host[:port]) whose pages may call the API
    cors_allow_credentials: bool = False  # let those origins' requests carry cookies (see docs/api/05-cors.md)
    files_storage: str = "local"  # FILES_STORAGE: local (under the data directory) | s3
    files_s3_bucket: str = ""
    files_s3_endpoint_url: str = ""  # empty: AWS itself; else any S3-compatible server (MinIO, Ceph, Garage, ...)
    files_s3_region: str = "us-east-1"
    files_s3_access_key_id: str = ""
    files_s3_secret_access_key: str = ""
    files_s3_prefix: str = ""  # keys are stored under this prefix inside the bucket
    files_signed_url_ttl_s: int = 60  # a download redirected to object storage is valid this long
    files_max_file_bytes: int = 20 * _MIB  # one uploaded file, refused with 413 while streaming beyond this
    files_max_answer_bytes: int = 50 * _MIB  # all files of one answer (or one attachment set) together
    files_max_zip_members: int = 200  # files in one uploaded zip
    files_user_quota_bytes: int = 200 * _MIB  # everything one person has uploaded in one course
    files_course_quota_bytes: int = 5 * 1024 * _MIB  # everything stored for one course

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def uses_embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping, validating every value.

        Raises :class:`SettingsError` with a message that names the variable and what to fix.
        """
        env = _Reader(environ)
        environment = env.enum("VERDICT_ENV", Environment, Environment.DEVELOPMENT)
        data_dir = Path(env.text("VERDICT_DATA_DIR", ".var"))
        database_url = env.url("DATABASE_URL", schemes=_DB_SCHEMES)
        database_url = database_url or _sqlite_default(data_dir)
        redis_url = env.url("REDIS_URL", schemes=("redis", "rediss", "unix"))
        secret_key = env.text("SECRET_KEY", "")
        judge_token = env.text("JUDGE_TOKEN", "")
        if environment is Environment.PRODUCTION:
            missing = [name for name, value in (("SECRET_KEY", secret_key), ("JUDGE_TOKEN", judge_token)) if not value]
            if missing:
                raise SettingsError(
                    f"{' and '.join(missing)} must be set in production (VERDICT_ENV=production); "
                    "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
                )
            for name, value in (("SECRET_KEY", secret_key), ("JUDGE_TOKEN", judge_token)):
                if len(value) < 32 or value.startswith(DEV_SECRET_PREFIX):
                    raise SettingsError(f"{name} is too weak for production: use at least 32 random characters")
        secret_key = secret_key or _dev_secret()
        files_storage = env.choice("FILES_STORAGE", ("local", "s3"), "local")
        files_s3_bucket = env.text("FILES_S3_BUCKET", "")
        if files_storage == "s3" and not files_s3_bucket:
            raise SettingsError("FILES_S3_BUCKET must be set when FILES_STORAGE=s3")
        judge_token = judge_token or _dev_secret()
        return cls(
            environment=environment,
            data_dir=data_dir,
            database_url=_async_driver(database_url),
            database_echo=env.boolean("DATABASE_ECHO", default=False),
            database_pool_size=env.integer("DATABASE_POOL_SIZE", 10, minimum=1, maximum=200),
            redis_url=redis_url,
            secret_key=secret_key,
            judge_token=judge_token,
            metrics_token=env.text("METRICS_TOKEN", ""),
            host=env.text("HOST", "127.0.0.1"),
            port=env.integer("PORT", _DEFAULT_PORT, minimum=1, maximum=65535),
            public_url=env.url("PUBLIC_URL", schemes=("http", "https")).rstrip("/"),
            max_body_bytes=env.integer("MAX_BODY_BYTES", 16 * _MIB, minimum=1024, maximum=1024 * _MIB),
            log_level=env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", upper=True),
            log_json=env.boolean("LOG_JSON", default=environment is Environment.PRODUCTION),
            judge_heartbeat_ttl_s=env.integer("JUDGE_HEARTBEAT_TTL", 15, minimum=2, maximum=3600),
            judge_reap_after_s=env.integer("JUDGE_REAP_AFTER", 300, minimum=1, maximum=86400),
            judge_reap_interval_s=env.integer("JUDGE_REAP_INTERVAL", 15, minimum=1, maximum=3600),
            judge_max_requeues=env.integer("JUDGE_MAX_REQUEUES", 3, minimum=0, maximum=100),
            openai_base_url=env.url("OPENAI_BASE_URL", schemes=("http", "https")),
            openai_api_key=env.text("OPENAI_API_KEY", ""),
            openai_model=env.text("OPENAI_MODEL", ""),
            openai_timeout_s=env.number("OPENAI_TIMEOUT", 30.0, minimum=0.1, maximum=600.0),
            openai_max_retries=env.integer("OPENAI_MAX_RETRIES", 3, minimum=0, maximum=10),
            openai_retry_base_s=env.number("OPENAI_RETRY_BASE", 1.0, minimum=0.0, maximum=60.0),
            openai_price_input_per_mtok=env.number("OPENAI_PRICE_INPUT_PER_MTOK", 0.0, minimum=0.0, maximum=10_000.0),
            openai_price_output_per_mtok=env.number("OPENAI_PRICE_OUTPUT_PER_MTOK", 0.0, minimum=0.0, maximum=10_000.0),
            smtp_host=env.text("SMTP_HOST", ""),
            smtp_port=env.integer("SMTP_PORT", 25, minimum=1, maximum=65535),
            smtp_username=env.text("SMTP_USERNAME", ""),
            smtp_password=env.text("SMTP_PASSWORD", ""),
            smtp_from=env.text("SMTP_FROM", "Verdict <no-reply@verdict.local>"),
            smtp_starttls=env.boolean("SMTP_STARTTLS", default=False),
            package_max_bytes=env.integer("PACKAGE_MAX_BYTES", 64 * _MIB, minimum=1024, maximum=4096 * _MIB),
            package_max_files=env.integer("PACKAGE_MAX_FILES", 2000, minimum=10, maximum=100_000),
            package_max_file_bytes=env.integer("PACKAGE_MAX_FILE_BYTES", 64 * _MIB, minimum=1024, maximum=4096 * _MIB),
            package_max_total_bytes=env.integer(
                "PACKAGE_MAX_TOTAL_BYTES", 256 * _MIB, minimum=1024, maximum=16384 * _MIB
            ),
            package_max_ratio=env.integer("PACKAGE_MAX_RATIO", 200, minimum=2, maximum=100_000),
            package_validation_timeout_s=env.integer("PACKAGE_VALIDATION_TIMEOUT", 300, minimum=5, maximum=3600),
            submission_max_source_bytes=env.integer(
                "SUBMISSION_MAX_SOURCE_BYTES", 64 * 1024, minimum=256, maximum=16 * _MIB
            ),
            submission_max_files=env.integer("SUBMISSION_MAX_FILES", 20, minimum=1, maximum=200),
            run_max_input_bytes=env.integer("RUN_MAX_INPUT_BYTES", 64 * 1024, minimum=0, maximum=_MIB),
            submission_rate_per_minute=env.integer("SUBMISSION_RATE_PER_MINUTE", 6, minimum=1, maximum=10_000),
            run_rate_per_minute=env.integer("RUN_RATE_PER_MINUTE", 20, minimum=1, maximum=10_000),
            submission_max_queued=env.integer("SUBMISSION_MAX_QUEUED", 3, minimum=1, maximum=10_000),
            access_token_ttl_s=env.integer("ACCESS_TOKEN_TTL", 900, minimum=60, maximum=24 * 3600),
            refresh_token_ttl_s=env.integer("REFRESH_TOKEN_TTL", 30 * 24 * 3600, minimum=3600, maximum=365 * 24 * 3600),
            instructor_invite_code=env.text("INSTRUCTOR_INVITE_CODE", ""),
            cookie_secure=env.boolean(
                "COOKIE_SECURE",
                default=environment is Environment.PRODUCTION or env.text("PUBLIC_URL", "").startswith("https://"),
            ),
            judge0_max_queue_size=env.integer("JUDGE0_MAX_QUEUE_SIZE", 100, minimum=1, maximum=1_000_000),
            judge0_wait_timeout_s=env.integer("JUDGE0_WAIT_TIMEOUT", 30, minimum=1, maximum=600),
            judge0_retention_hours=env.integer("JUDGE0_RETENTION_HOURS", 168, minimum=1, maximum=24 * 3650),
            judge0_callback_allowed_hosts=env.words("JUDGE0_CALLBACK_ALLOWED_HOSTS"),
            judge0_enable_submission_delete=env.boolean("JUDGE0_ENABLE_SUBMISSION_DELETE", default=True),
            judge0_languages=env.words("JUDGE0_LANGUAGES"),
            judge0_max_cpu_time_limit=env.number("JUDGE0_MAX_CPU_TIME_LIMIT", 15.0, minimum=0.1, maximum=600.0),
            judge0_max_wall_time_limit=env.number("JUDGE0_MAX_WALL_TIME_LIMIT", 20.0, minimum=1.0, maximum=1200.0),
            judge0_max_memory_limit=env.integer("JUDGE0_MAX_MEMORY_LIMIT", 512000, minimum=2048, maximum=16 * _MIB),
            judge0_max_number_of_runs=env.integer("JUDGE0_MAX_NUMBER_OF_RUNS", 20, minimum=1, maximum=100),
            judge0_max_source_bytes=env.integer("JUDGE0_MAX_SOURCE_BYTES", 256 * 1024, minimum=1024, maximum=64 * _MIB),
            judge0_max_stdin_bytes=env.integer("JUDGE0_MAX_STDIN_BYTES", _MIB, minimum=1024, maximum=256 * _MIB),
            cors_allowed_origins=env.origins("CORS_ALLOWED_ORIGINS"),
            cors_allow_credentials=env.boolean("CORS_ALLOW_CREDENTIALS", default=False),
            files_storage=files_storage,
            files_s3_bucket=files_s3_bucket,
            files_s3_endpoint_url=env.url("FILES_S3_ENDPOINT_URL", schemes=("http", "https")),
            files_s3_region=env.text("FILES_S3_REGION", "us-east-1"),
            files_s3_access_key_id=env.text("FILES_S3_ACCESS_KEY_ID", ""),
            files_s3_secret_access_key=env.text("FILES_S3_SECRET_ACCESS_KEY", ""),
            files_s3_prefix=env.text("FILES_S3_PREFIX", "").strip("/"),
            files_signed_url_ttl_s=env.integer("FILES_SIGNED_URL_TTL", 60, minimum=5, maximum=3600),
            files_max_file_bytes=env.integer("FILES_MAX_FILE_BYTES", 20 * _MIB, minimum=1024, maximum=4096 * _MIB),
            files_max_answer_bytes=env.integer("FILES_MAX_ANSWER_BYTES", 50 * _MIB, minimum=1024, maximum=16384 * _MIB),
            files_max_zip_members=env.integer("FILES_MAX_ZIP_MEMBERS", 200, minimum=1, maximum=10_000),
            files_user_quota_bytes=env.integer("FILES_USER_QUOTA_BYTES", 200 * _MIB, minimum=1024, maximum=2**50),
            files_course_quota_bytes=env.integer(
                "FILES_COURSE_QUOTA_BYTES", 5 * 1024 * _MIB, minimum=1024, maximum=2**50
            ),
        )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default: the process environment). Call once, at start-up."""
    if environ is None:
        import os  # noqa: PLC0415 - read the process environment only when asked to

        environ = os.environ
    return Settings.from_env(environ)


_DB_SCHEMES: Final = ("postgresql", "postgresql+asyncpg", "postgres", "sqlite", "sqlite+aiosqlite")


def _sqlite_default(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'verdict.db').resolve()}"


def _async_driver(url: str) -> str:
    """Normalise a database URL to the async driver the app uses (asyncpg or aiosqlite)."""
    scheme, sep, rest = url.partition("://")
    mapping = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
    return f"{mapping.get(scheme, scheme)}{sep}{rest}"


def _dev_secret() -> str:
    return DEV_SECRET_PREFIX + secrets.token_urlsafe(32)


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def _raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None:
            return None
        stripped: str = value.strip()
        return stripped or None

    def text(self, name: str, default: str) -> str:
        value = self._raw(name)
        return default if value is None else value

    def integer(self, name: str, default: int, *, minimum: int, maximum: int) -> int:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise SettingsError(f"{name} must be between {minimum} and {maximum}, got {value}")
        return value

    def number(self, name: str, default: float, *, minimum: float, maximum: float) -> float:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise SettingsError(f"{name} must be between {minimum} and {maximum}, got {value}")
        return value

    def words(self, name: str) -> tuple[str, ...]:
        """A comma- or space-separated list (empty when unset)."""
        raw = self._raw(name) or ""
        return tuple(word for word in raw.replace(",", " ").split() if word)

    def origins(self, name: str) -> tuple[str, ...]:
        """A list of web origins, each ``http(s)://host[:port]`` exactly (no path, no ``*``), normalised."""
        found: list[str] = []
        for word in self.words(name):
            try:
                parts = urlsplit(word)
                port = parts.port
            except ValueError as exc:
                raise SettingsError(f"{name}: {word!r} is not an origin: {exc}") from None
            if parts.scheme not in ("http", "https") or not parts.hostname or "*" in word:
                raise SettingsError(f"{name}: {word!r} is not an origin; write each as https://host[:port]")
            if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
                raise SettingsError(f"{name}: {word!r} is not an origin: only scheme, host and port, no path")
            found.append(f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port is not None else ""))
        return tuple(dict.fromkeys(found))

    def boolean(self, name: str, *, default: bool) -> bool:
        raw = self._raw(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, choices: tuple[str, ...], default: str, *, upper: bool = False) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        value = raw.upper() if upper else raw
        if value not in choices:
            raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
        return value

    def enum(self, name: str, enum_type: type[Environment], default: Environment) -> Environment:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            return enum_type(raw.lower())
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise SettingsError(f"{name} must be one of {allowed}, got {raw!r}") from None

    def url(self, name: str, *, schemes: tuple[str, ...]) -> str:
        raw = self._raw(name)
        if raw is None:
            return ""
        try:
            parts = urlsplit(raw)
            _ = parts.port  # raises ValueError on a malformed port
        except ValueError as exc:
            raise SettingsError(f"{name} is not a valid URL: {exc}") from None
        if parts.scheme not in schemes:
            raise SettingsError(
                f"{name} is not a valid URL: scheme {parts.scheme or '(none)'!r} is not one of {', '.join(schemes)}"
            )
        if not parts.scheme.startswith(("sqlite", "unix")) and not parts.hostname:
            raise SettingsError(f"{name} is not a valid URL: it names no host ({raw!r})")
        return raw
