"""Process-wide pieces of the accounts area, built once in ``create_app`` (through :class:`AccountsPlugin`).

Guards cannot take dependencies, so they find this object in ``app.state["accounts"]``; handlers get it as the
``accounts_runtime`` dependency.
"""

from __future__ import annotations

from typing import Final

import msgspec
from redis.asyncio import Redis

from api.domain.accounts.tokens import TokenCodec
from api.lib.mail import Mailer
from api.lib.ratelimit import FailureBackoff, RateLimiter, RateRule
from api.settings import Settings

__all__ = ["STATE_KEY", "AccountsRuntime", "AuthLimits"]

STATE_KEY: Final = "accounts"


class AuthLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Rate limits of the sign-in flows (per IP and per account, across replicas)."""

    login_ip: RateRule = RateRule(name="login-ip", limit=30, window_s=300, message="too many sign-in attempts")
    login_account: RateRule = RateRule(
        name="login-account", limit=10, window_s=300, message="too many sign-in attempts for this account"
    )
    register_ip: RateRule = RateRule(name="register-ip", limit=10, window_s=3600, message="too many registrations")
    register_email: RateRule = RateRule(
        name="register-email", limit=3, window_s=3600, message="too many registrations for this address"
    )
    reset_ip: RateRule = RateRule(name="reset-ip", limit=20, window_s=3600, message="too many password resets")
    reset_email: RateRule = RateRule(
        name="reset-email", limit=3, window_s=3600, message="too many password resets for this address"
    )
    confirm_ip: RateRule = RateRule(name="confirm-ip", limit=30, window_s=3600, message="too many attempts")
    token_account: RateRule = RateRule(name="token-account", limit=20, window_s=3600, message="too many new tokens")
    token_ip: RateRule = RateRule(name="token-ip", limit=60, window_s=3600, message="too many new tokens")
    # Failed logins for one account: 3 free, then 1 s, 2 s, 4 s ... up to 5 minutes between attempts.
    login_free_failures: int = 3
    login_backoff_base_s: float = 1.0
    login_backoff_max_s: float = 300.0


class AccountsRuntime:
    def __init__(self, settings: Settings, redis: Redis, *, limits: AuthLimits | None = None) -> None:
        self.settings = settings
        self.redis = redis
        self.limits = limits or AuthLimits()
        self.codec = TokenCodec(settings.secret_key, access_ttl_s=settings.access_token_ttl_s)
        self.limiter = RateLimiter(redis)
        self.login_backoff = FailureBackoff(
            redis,
            name="login",
            free_failures=self.limits.login_free_failures,
            base_s=self.limits.login_backoff_base_s,
            max_s=self.limits.login_backoff_max_s,
            message="too many failed sign-ins for this account",
        )
        self.mailer = Mailer(settings)

    @property
    def cookie_secure(self) -> bool:
        return self.settings.cookie_secure
