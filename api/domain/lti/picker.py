"""The deep-linking picker: the page that lists a course's assessments to the instructor who launched the request,
and the choice that answers the LMS with a signed LtiDeepLinkingResponse (see api/domain/lti/deeplink.py).

Both need the person the request signed in, and the token from its redirect; the token is used once. The page may
post its form to the LMS's return address (and only there): its policy adds that origin to ``form-action``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_active_user
from api.domain.lti.deeplink import PendingDeepLink, forget, recall, response_jwt, return_origin
from api.domain.lti.keys import active_key, public_pem
from api.lib.csp import FORM_ACTION_HEADER
from api.lib.exceptions import ApplicationClientError, PermissionDeniedError
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page
from api.settings import Settings

__all__ = ["DeepLinkChoice", "DeepLinkPicker", "DeepLinkResponse", "DeepLinkResponseController"]


class DeepLinkChoice(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    assessment_id: UUID


class DeepLinkResponse(msgspec.Struct, rename="camel"):
    """Where the browser posts ``JWT`` (the signed response) to finish: the LMS's deep_link_return_url."""

    return_url: str
    jwt: str


_GONE = "This deep-linking request is unknown, used or expired: start again from the LMS editor."


async def _pending(redis: Redis, token: str, user: m.User) -> PendingDeepLink:
    pending = await recall(redis, token)
    if pending is None:
        raise NotFoundError(_GONE)
    if pending.user_id != user.id:
        raise PermissionDeniedError("This deep-linking request belongs to the person who opened it from the LMS.")
    return pending


async def _assessments(session: AsyncSession, course_id: UUID) -> list[m.Assessment]:
    return list(
        await session.scalars(
            select(m.Assessment)
            .where(m.Assessment.course_id == course_id)
            .order_by(m.Assessment.due_at.is_(None), m.Assessment.due_at, m.Assessment.title)
        )
    )


class DeepLinkPicker(Controller):
    path = "/lti/deep-link"
    include_in_schema = False
    exception_handlers = SIGN_IN_REDIRECT
    guards = [requires_signed_in_page]

    @get("/{token:str}", name="page:lti-deep-link")
    async def page(
        self,
        *,
        token: str,
        current_user: NamedDependency[m.User],
        redis: NamedDependency[Redis],
        db_session: NamedDependency[AsyncSession],
    ) -> Template:
        pending = await _pending(redis, token, current_user)
        course = await db_session.get_one(m.Course, pending.course_id)
        template = render_page(
            "lti/deep_link.html.j2",
            user=current_user,
            nav="courses",
            title=f"Choose an assessment · {course.title}",
            course=course,
            assessments=await _assessments(db_session, course.id),
            token=token,
        )
        template.headers[FORM_ACTION_HEADER] = return_origin(pending)
        return template


class DeepLinkResponseController(Controller):
    path = "/api/lti/deep-link"
    guards = [requires_active_user]

    @post("/{token:str}", operation_id="AnswerLtiDeepLink", status_code=HTTP_200_OK)
    async def choose(
        self,
        *,
        token: str,
        data: DeepLinkChoice,
        current_user: NamedDependency[m.User],
        redis: NamedDependency[Redis],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        """The signed answer to the LMS for the chosen assessment (of the request's course); the request is used up."""
        pending = await _pending(redis, token, current_user)
        assessment = await db_session.get(m.Assessment, data.assessment_id)
        if assessment is None or assessment.course_id != pending.course_id:
            raise ApplicationClientError("assessmentId: not an assessment of this course")
        platform = await db_session.get_one(m.LtiPlatform, pending.platform_id)
        key = await active_key(db_session)
        signed = response_jwt(
            platform=platform,
            key=key,
            public=public_pem(key),
            pending=pending,
            assessment=assessment,
            launch_url=settings.base_url + "/lti/launch",
        )
        if not await forget(redis, token):
            raise NotFoundError(_GONE)
        body = DeepLinkResponse(return_url=str(pending.settings["deep_link_return_url"]), jwt=signed)
        return Response(content=body, headers={"cache-control": "no-store"})
