"""``/api/feedback``: send feedback (anyone signed in, rate-limited), list and triage it (admins)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user, requires_admin
from api.domain.feedback.schemas import FeedbackCreate, FeedbackItem, FeedbackPage, FeedbackUpdate
from api.domain.feedback.services import FEEDBACK_RATE, FeedbackService, to_item
from api.lib.ratelimit import RateLimiter

__all__ = ["FeedbackController", "provide_feedback_service"]


async def provide_feedback_service(db_session: NamedDependency[AsyncSession]) -> AsyncGenerator[FeedbackService, None]:
    async with FeedbackService.new(session=db_session) as service:
        yield service


class FeedbackController(Controller):
    path = "/api/feedback"
    tags = ["feedback"]
    dependencies = {"feedback_service": Provide(provide_feedback_service)}

    @post(operation_id="SendFeedback", guards=[requires_active_user], status_code=HTTP_201_CREATED)
    async def send_feedback(
        self,
        data: JSONBody[FeedbackCreate],
        current_user: NamedDependency[m.User],
        feedback_service: NamedDependency[FeedbackService],
        rate_limiter: NamedDependency[RateLimiter],
    ) -> FeedbackItem:
        """Plain text; the page it was sent from is a path on this site. A few an hour per person (429 beyond)."""
        await rate_limiter.enforce(FEEDBACK_RATE, str(current_user.id))
        row = await feedback_service.send(user=current_user, data=data)
        return to_item(row, {current_user.id: current_user})

    @get(operation_id="ListFeedback", guards=[requires_admin])
    async def list_feedback(
        self,
        feedback_service: NamedDependency[FeedbackService],
        status: FromQuery[m.FeedbackStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> FeedbackPage:
        """Newest first; ``status`` filters (new, seen, done)."""
        return await feedback_service.page(status=status, limit=limit, offset=offset)

    @patch("/{feedback_id:uuid}", operation_id="UpdateFeedback", guards=[requires_admin])
    async def update_feedback(
        self,
        feedback_id: FromPath[UUID],
        data: JSONBody[FeedbackUpdate],
        feedback_service: NamedDependency[FeedbackService],
    ) -> FeedbackItem:
        return await feedback_service.set_status(feedback_id, data.status)
