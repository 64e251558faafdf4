"""The admins' feedback page: what people sent with the feedback button, newest first, filtered by status. The
status buttons send ``PATCH /api/feedback/{id}`` (through ``web/static/js/forms.js``)."""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Template

from api.db import models as m
from api.domain.feedback.controllers import provide_feedback_service
from api.domain.feedback.services import FeedbackService
from api.lib.exceptions import PermissionDeniedError
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["FeedbackPages"]

PAGE_SIZE: Final = 50
STATUSES: Final = tuple(status.value for status in m.FeedbackStatus)


class FeedbackPages(Controller):
    include_in_schema = False
    guards = [requires_signed_in_page]
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = {"feedback_service": Provide(provide_feedback_service)}

    @get("/admin/feedback", name="page:admin-feedback")
    async def feedback(
        self,
        current_user: NamedDependency[m.User],
        feedback_service: NamedDependency[FeedbackService],
        status: Annotated[str, QueryParameter(max_length=10)] = "new",
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        if current_user.role is not m.Role.ADMIN:
            raise PermissionDeniedError("only admins may read the feedback")
        chosen = m.FeedbackStatus(status) if status in STATUSES else None
        listing = await feedback_service.page(status=chosen, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        return render_page(
            "admin/feedback.html.j2",
            user=current_user,
            nav="feedback",
            title="Feedback",
            listing=listing,
            status=chosen.value if chosen else "all",
            statuses=STATUSES,
            page=page,
            pages=max(1, -(-listing.total // PAGE_SIZE)),
        )
