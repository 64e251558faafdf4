"""Redis-backed rate limits that hold across API replicas.

Two tools:

- :class:`RateLimiter`: a sliding-window log per ``(rule, key)``. ``await limiter.enforce(rule, key)`` records a hit
  and raises :class:`~api.lib.exceptions.TooManyRequestsError` (429 with ``Retry-After``) once ``rule.limit`` hits
  fall inside the last ``rule.window_s`` seconds. The check and the record are one Lua script, timed by the Redis
  server's clock, so replicas with skewed clocks still agree.
- :class:`FailureBackoff`: progressive slow-down after repeated failures of one key (e.g. wrong passwords for one
  account): the first ``free_failures`` cost nothing, then each further attempt must wait ``base_s * 2**n`` seconds
  (capped) after the last failure, or it is answered 429.

Keys are whatever identifies the caller for that rule: :func:`client_ip` for per-IP limits, an account id or a
hashed e-mail (:func:`key_digest`) for per-account ones. Usage from a handler::

    await rate_limiter.enforce(SUBMIT_RATE, str(current_user.id))

``rate_limiter`` is injected app-wide (``rate_limiter: NamedDependency[RateLimiter]``).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from typing import Any, Final

import msgspec
from litestar.connection import ASGIConnection
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.lib.exceptions import ServiceUnavailableError, TooManyRequestsError

__all__ = ["Decision", "FailureBackoff", "RateLimiter", "RateRule", "client_ip", "key_digest"]


class RateRule(msgspec.Struct, frozen=True, kw_only=True):
    """At most ``limit`` hits per ``window_s`` seconds for one key. ``name`` namespaces the Redis keys."""

    name: str
    limit: int
    window_s: int
    message: str = "too many requests"


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    allowed: bool
    remaining: int
    retry_after_s: int


# KEYS[1] = the sorted set; ARGV = window ms, limit, random member suffix.
_SLIDING_WINDOW: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
"""

# KEYS[1] = a hash {n: failures, at: ms of last failure}; ARGV = free failures, base ms, max ms.
# Returns the milliseconds still to wait (0 = go ahead).
_BACKOFF_CHECK: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local free = tonumber(ARGV[1])
if n < free then return 0 end
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '0')
local wait = math.min(tonumber(ARGV[2]) * (2 ^ (n - free)), tonumber(ARGV[3]))
local left = at + wait - now
if left > 0 then return math.ceil(left) end
return 0
"""

_BACKOFF_FAIL: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'at', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return n
"""


def key_digest(value: str) -> str:
    """A short stable digest, so keys do not carry e-mail addresses or tokens in clear."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The peer address as the ASGI server reports it.

    Behind a reverse proxy run uvicorn with ``--proxy-headers --forwarded-allow-ips=<proxy>``, so that this is the
    real client's address and not the proxy's.
    """
    client = connection.client
    return client.host if client else "unknown"


def _unavailable(exc: RedisError) -> ServiceUnavailableError:
    return ServiceUnavailableError(f"rate limiting is unavailable (Redis: {type(exc).__name__}); try again shortly")


class RateLimiter:
    def __init__(self, redis: Redis, *, namespace: str = "rl") -> None:
        self._redis = redis
        self._namespace = namespace
        self._script = redis.register_script(_SLIDING_WINDOW)

    def _key(self, rule: RateRule, key: str) -> str:
        return f"{self._namespace}:{rule.name}:{key}"

    async def hit(self, rule: RateRule, key: str) -> Decision:
        """Record one hit (if it is allowed) and say whether it was."""
        try:
            raw = await self._script(keys=[self._key(rule, key)], args=[rule.window_s * 1000, rule.limit, _nonce()])
        except RedisError as exc:
            raise _unavailable(exc) from exc
        allowed, remaining, retry_ms = (int(v) for v in raw)
        return Decision(allowed=bool(allowed), remaining=remaining, retry_after_s=max(1, math.ceil(retry_ms / 1000)))

    async def enforce(self, rule: RateRule, key: str) -> Decision:
        """Record one hit, or raise 429 (with ``Retry-After``) when the rule's limit is reached."""
        decision = await self.hit(rule, key)
        if not decision.allowed:
            raise TooManyRequestsError(
                f"{rule.message}: try again in {_human(decision.retry_after_s)}",
                retry_after_s=decision.retry_after_s,
            )
        return decision

    async def reset(self, rule: RateRule, key: str) -> None:
        try:
            await self._redis.delete(self._key(rule, key))
        except RedisError as exc:
            raise _unavailable(exc) from exc


class FailureBackoff:
    """Slow down attempts on one key after repeated failures; forget them ``forget_after_s`` after the last one."""

    def __init__(
        self,
        redis: Redis,
        *,
        name: str,
        free_failures: int = 3,
        base_s: float = 1.0,
        max_s: float = 300.0,
        forget_after_s: int = 900,
        message: str = "too many failed attempts",
    ) -> None:
        self._redis = redis
        self._name = name
        self._free = free_failures
        self._base_ms = int(base_s * 1000)
        self._max_ms = int(max_s * 1000)
        self._forget_ms = forget_after_s * 1000
        self._message = message
        self._check = redis.register_script(_BACKOFF_CHECK)
        self._fail = redis.register_script(_BACKOFF_FAIL)

    def _key(self, key: str) -> str:
        return f"backoff:{self._name}:{key}"

    async def check(self, key: str) -> None:
        """Raise 429 if the key must still wait after its last failure."""
        try:
            wait_ms = int(await self._check(keys=[self._key(key)], args=[self._free, self._base_ms, self._max_ms]))
        except RedisError as exc:
            raise _unavailable(exc) from exc
        if wait_ms > 0:
            seconds = max(1, math.ceil(wait_ms / 1000))
            raise TooManyRequestsError(f"{self._message}: try again in {_human(seconds)}", retry_after_s=seconds)

    async def failed(self, key: str) -> int:
        """Record a failure; returns how many there have been in a row."""
        try:
            return int(await self._fail(keys=[self._key(key)], args=[self._forget_ms]))
        except RedisError as exc:
            raise _unavailable(exc) from exc

    async def succeeded(self, key: str) -> None:
        try:
            await self._redis.delete(self._key(key))
        except RedisError as exc:
            raise _unavailable(exc) from exc


def _nonce() -> str:
    return secrets.token_hex(6)


def _human(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"
