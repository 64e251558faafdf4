"""``create_app``: the one place where Verdict's web application is wired together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from arq.connections import ArqRedis
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.engine import create_engine, sqlalchemy_config
from api.domain.accounts.plugin import AccountsPlugin
from api.domain.ai_grading.controllers import AI_CONTROLLERS
from api.domain.assessments.controllers import AssessmentController
from api.domain.courses.routes import COURSE_CONTROLLERS
from api.domain.dashboards import DASHBOARD_CONTROLLERS
from api.domain.feedback.controllers import FeedbackController
from api.domain.files.controllers import FileController
from api.domain.fleet.controllers import FleetController
from api.domain.grading.controllers import GRADING_CONTROLLERS
from api.domain.internal.controllers import InternalController
from api.domain.judge0.controllers import judge0_router
from api.domain.live.events import install_bus, uninstall_bus
from api.domain.live.routes import COMMUNITY_ROUTES
from api.domain.lti.controllers import LtiAdminController, LtiController
from api.domain.lti.picker import DeepLinkPicker, DeepLinkResponseController
from api.domain.lti.sync import LtiSyncController, LtiSyncPages
from api.domain.lti.views import LtiAdminPage
from api.domain.problems.controllers import ProblemController
from api.domain.scanning.controllers import QuestionScanController, SubmissionScanController
from api.domain.similarity.controllers import SimilarityController
from api.domain.submissions.controllers import RunController, SubmissionController
from api.domain.submissions.websocket import submission_progress
from api.domain.system.controllers import HealthController, SystemController
from api.domain.system.metrics import MetricsController, metrics_middleware
from api.lib.channels import ResilientPubSubBackend
from api.lib.csp import security_headers_middleware
from api.lib.exceptions import exception_handlers
from api.lib.heap import freeze_startup_heap
from api.lib.json_body import json_body_middleware
from api.lib.middleware import request_id_middleware
from api.logging import configure_logging
from api.pages import PAGE_CONTROLLERS
from api.pages.filters import register_template_filters
from api.queue import JudgeQueue, create_arq_pool
from api.settings import Settings, load_settings

__all__ = ["WEB_DIR", "create_app"]

WEB_DIR: Final = Path(__file__).resolve().parent.parent / "web"
VERSION: Final = "0.1.0"


class AppState:
    """Process-wide handles, created on start-up and closed on shutdown."""

    def __init__(self, settings: Settings, engine: AsyncEngine, redis: Redis) -> None:
        self.settings = settings
        self.engine = engine
        self.redis = redis
        self.arq: ArqRedis | None = None
        self._arq_lock = asyncio.Lock()

    async def judge_queue(self) -> JudgeQueue:
        """The arq pool, connected on first use: the API starts (and /ready reports) while Redis is down."""
        if self.arq is None:
            async with self._arq_lock:
                if self.arq is None:
                    self.arq = await create_arq_pool(self.settings.redis_url)
        return JudgeQueue(self.arq)

    async def close(self) -> None:
        if self.arq is not None:
            await self.arq.aclose()
        await self.redis.aclose()
        await self.engine.dispose()


def cors_config(settings: Settings) -> CORSConfig | None:
    """CORS for the origins in CORS_ALLOWED_ORIGINS only (none by default: no CORS headers, browsers refuse)."""
    if not settings.cors_allowed_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_allowed_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Auth-Token", "X-CSRF-Token"],
        allow_credentials=settings.cors_allow_credentials,
        expose_headers=["Retry-After", "X-Request-Id"],
        max_age=600,
    )


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application. Settings are read here (at start-up), never at import time."""
    settings = settings or load_settings()
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is unset: start through `verdict serve` or `verdict dev`, which embed Redis")
    configure_logging(level=settings.log_level, json_lines=settings.log_json)

    engine = create_engine(settings)
    redis: Redis = Redis.from_url(settings.redis_url)
    state = AppState(settings, engine, redis)
    install_bus(redis)  # live events committed by this process are published through it

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        freeze_startup_heap()  # the app is built: what lives now lives until exit, so collections skip it
        try:
            yield
        finally:
            await uninstall_bus(redis)
            await state.close()

    def provide_settings() -> Settings:
        return settings

    def provide_redis() -> Redis:
        return redis

    async def provide_judge_queue() -> JudgeQueue:
        return await state.judge_queue()

    static_dir = WEB_DIR / "static"
    static_dir.mkdir(parents=True, exist_ok=True)

    return Litestar(
        route_handlers=[
            HealthController,
            SystemController,
            MetricsController,
            InternalController,
            judge0_router(settings),
            ProblemController,
            SubmissionController,
            RunController,
            FeedbackController,
            *COURSE_CONTROLLERS,
            FleetController,
            AssessmentController,
            *GRADING_CONTROLLERS,
            FileController,
            *DASHBOARD_CONTROLLERS,
            SimilarityController,
            *AI_CONTROLLERS,
            LtiController,
            LtiAdminController,
            LtiSyncController,
            LtiSyncPages,
            LtiAdminPage,
            DeepLinkPicker,
            DeepLinkResponseController,
            QuestionScanController,
            SubmissionScanController,
            submission_progress,
            *COMMUNITY_ROUTES,
            *PAGE_CONTROLLERS,
            create_static_files_router(path="/static", directories=[static_dir], include_in_schema=False),
        ],
        plugins=[
            SQLAlchemyPlugin(config=sqlalchemy_config(settings, engine)),
            ChannelsPlugin(backend=ResilientPubSubBackend(redis=redis), arbitrary_channels_allowed=True),
            AccountsPlugin(settings=settings, redis=redis),  # auth routes, current_user & co, guards' runtime
        ],
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "redis": Provide(provide_redis, sync_to_thread=False),
            "judge_queue": Provide(provide_judge_queue),
        },
        template_config=TemplateConfig(
            directory=WEB_DIR / "templates", engine=JinjaTemplateEngine, engine_callback=register_template_filters
        ),
        openapi_config=OpenAPIConfig(
            title="Verdict API",
            version=VERSION,
            description="Problems, submissions and live judging for Verdict. Authenticate with a Bearer token.",
            path="/api/docs",
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                    css_url="/static/vendor/swagger-ui/swagger-ui.css",
                    standalone_preset_js_url="/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
                    path="/",
                    favicon="<link rel='icon' href='/static/favicon.svg'>",
                )
            ],
        ),
        exception_handlers=exception_handlers,
        middleware=[metrics_middleware, request_id_middleware, security_headers_middleware, json_body_middleware],
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        cors_config=cors_config(settings),
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        state=State({"app_state": state}),
        logging_config=None,  # configure_logging above owns the handlers
        debug=False,
    )
