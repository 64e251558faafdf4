"""The Redis-backed limiter shared with other areas: sliding window across replicas, failure back-off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from api.lib.exceptions import ServiceUnavailableError, TooManyRequestsError
from api.lib.ratelimit import FailureBackoff, RateLimiter, RateRule

RULE = RateRule(name="test", limit=3, window_s=1, message="slow down")


@pytest.fixture
async def redis_pair(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two clients, as two API replicas would have."""
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


async def test_the_window_is_shared_by_replicas_and_slides(redis_pair: tuple[Redis, Redis]) -> None:
    one, two = RateLimiter(redis_pair[0]), RateLimiter(redis_pair[1])
    assert (await one.enforce(RULE, "k")).remaining == 2
    assert (await two.enforce(RULE, "k")).remaining == 1
    assert (await one.enforce(RULE, "k")).remaining == 0
    with pytest.raises(TooManyRequestsError) as caught:
        await two.enforce(RULE, "k")
    assert caught.value.headers == {"Retry-After": "1"}
    assert caught.value.detail == "slow down: try again in 1 second"
    assert (await one.hit(RULE, "other-key")).allowed  # keys are independent
    denied = await one.hit(RULE, "k")
    assert not denied.allowed  # a refused hit is not recorded, so it does not extend the wait
    await asyncio.sleep(1.05)
    assert (await two.hit(RULE, "k")).allowed


async def test_concurrent_hits_never_exceed_the_limit(redis_pair: tuple[Redis, Redis]) -> None:
    limiter = RateLimiter(redis_pair[0])
    rule = RateRule(name="burst", limit=5, window_s=60)
    decisions = await asyncio.gather(*(limiter.hit(rule, "k") for _ in range(20)))
    assert sum(d.allowed for d in decisions) == 5
    assert all(d.retry_after_s >= 59 for d in decisions if not d.allowed)


async def test_reset_forgets_a_key(redis_pair: tuple[Redis, Redis]) -> None:
    limiter = RateLimiter(redis_pair[0])
    for _ in range(3):
        await limiter.enforce(RULE, "k")
    await limiter.reset(RULE, "k")
    await limiter.enforce(RULE, "k")


async def test_backoff_doubles_after_the_free_failures_and_success_clears_it(redis_pair: tuple[Redis, Redis]) -> None:
    backoff = FailureBackoff(redis_pair[0], name="t", free_failures=2, base_s=0.2, max_s=0.3, message="wait")
    for expected in (1, 2):
        await backoff.check("acct")
        assert await backoff.failed("acct") == expected
    with pytest.raises(TooManyRequestsError):  # 2 failures: wait 0.2 s
        await backoff.check("acct")
    await asyncio.sleep(0.25)
    await backoff.check("acct")
    await backoff.failed("acct")
    await backoff.failed("acct")  # 4 failures: 0.2 * 2**2 = 0.8, capped at 0.3
    await asyncio.sleep(0.1)
    with pytest.raises(TooManyRequestsError) as caught:
        await backoff.check("acct")
    assert caught.value.retry_after_s == 1
    await asyncio.sleep(0.25)
    await backoff.check("acct")
    await backoff.succeeded("acct")
    assert await backoff.failed("acct") == 1


async def test_an_unreachable_redis_is_a_503_not_a_silent_pass() -> None:
    redis = Redis.from_url("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(ServiceUnavailableError) as caught:
            await RateLimiter(redis).enforce(RULE, "k")
        assert caught.value.headers == {"Retry-After": "5"}  # a client is told when to try again
        with pytest.raises(ServiceUnavailableError):
            await FailureBackoff(redis, name="t").check("k")
    finally:
        await redis.aclose()
