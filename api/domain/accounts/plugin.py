"""``AccountsPlugin``: wires the accounts area into ``create_app`` with one line.

It registers the controllers, the app-wide dependencies (``current_user``, ``optional_user``, ``current_principal``,
``rate_limiter``, the services), and puts the :class:`AccountsRuntime` into ``app.state`` for the guards.
"""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol
from redis.asyncio import Redis

from api.domain.accounts.controllers import (
    ApiTokenController,
    AuthController,
    ProfileController,
    UserAdminController,
)
from api.domain.accounts.deps import ACCOUNTS_DEPENDENCIES
from api.domain.accounts.runtime import STATE_KEY, AccountsRuntime, AuthLimits
from api.settings import Settings

__all__ = ["AccountsPlugin"]


class AccountsPlugin(InitPluginProtocol):
    def __init__(self, *, settings: Settings, redis: Redis, limits: AuthLimits | None = None) -> None:
        self.runtime = AccountsRuntime(settings, redis, limits=limits)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend([AuthController, ProfileController, UserAdminController, ApiTokenController])
        for key, provider in ACCOUNTS_DEPENDENCIES.items():
            app_config.dependencies.setdefault(key, provider)
        app_config.state[STATE_KEY] = self.runtime
        return app_config
