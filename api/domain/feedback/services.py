"""Feedback: cleaning what people send, storing it, and the admins' list and triage."""

from __future__ import annotations

import re
from typing import Final
from uuid import UUID

from advanced_alchemy import repository, service
from sqlalchemy import func, select

from api.db import models as m
from api.domain.feedback.schemas import (
    CONTACT_MAX,
    MESSAGE_MAX,
    FeedbackAuthor,
    FeedbackCreate,
    FeedbackItem,
    FeedbackPage,
)
from api.lib.exceptions import ApplicationClientError
from api.lib.ratelimit import RateRule

__all__ = ["FEEDBACK_RATE", "FeedbackService", "clean_page_url", "clean_text"]

FEEDBACK_RATE: Final = RateRule(
    name="feedback", limit=5, window_s=3600, message="thank you, that is plenty of feedback for now"
)
# Control characters other than tab and newline; the admin page shows invisible and direction-changing ones as
# visible symbols (the ``inert`` filter), so they are kept there but cannot disguise anything.
_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_URL_FORBIDDEN: Final = re.compile("[\x00-\x20\x7f-\x9f]")  # controls (newlines too) and spaces
_MESSAGE_MIN: Final = 3


def clean_text(value: str, *, single_line: bool = False) -> str:
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("", text).strip()


def clean_page_url(value: str) -> str:
    """A path on this site (``/problems/x?tab=1``), or "" when none was given; anything else is refused."""
    url = value.strip()
    if not url:
        return ""
    if not url.startswith("/") or url.startswith(("//", "/\\")) or _URL_FORBIDDEN.search(url):
        raise ApplicationClientError(
            "pageUrl must be a path on this site, such as /problems",
            errors=[{"key": "pageUrl", "message": "not a path"}],
        )
    return url


def _invalid(key: str, message: str) -> ApplicationClientError:
    return ApplicationClientError(f"{key}: {message}", errors=[{"key": key, "message": message}])


class FeedbackService(service.SQLAlchemyAsyncRepositoryService[m.Feedback]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.Feedback]):
        model_type = m.Feedback

    repository_type = Repo

    async def send(self, *, user: m.User, data: FeedbackCreate) -> m.Feedback:
        message = clean_text(data.message)
        if len(message) < _MESSAGE_MIN:
            raise _invalid("message", "say a little more: a few words at least")
        if len(message) > MESSAGE_MAX:
            raise _invalid("message", f"at most {MESSAGE_MAX} characters, please")
        contact = clean_text(data.contact, single_line=True)[:CONTACT_MAX]
        return await self.create(
            m.Feedback(
                user_id=user.id,
                message=message,
                page_url=clean_page_url(data.page_url),
                category=data.category,
                contact=contact,
                status=m.FeedbackStatus.NEW,
            ),
            auto_commit=True,
        )

    async def page(self, *, status: m.FeedbackStatus | None, limit: int, offset: int) -> FeedbackPage:
        where = [m.Feedback.status == status] if status is not None else []
        session = self.repository.session
        total = int(await session.scalar(select(func.count()).select_from(m.Feedback).where(*where)) or 0)
        rows = await session.scalars(
            select(m.Feedback)
            .where(*where)
            .order_by(m.Feedback.created_at.desc(), m.Feedback.id)
            .limit(limit)
            .offset(offset)
        )
        items = list(rows)
        authors = await self._authors({row.user_id for row in items if row.user_id is not None})
        return FeedbackPage(items=[to_item(row, authors) for row in items], total=total, limit=limit, offset=offset)

    async def set_status(self, feedback_id: UUID, status: m.FeedbackStatus) -> FeedbackItem:
        row = await self.get(feedback_id)
        row.status = status
        row = await self.update(row, auto_commit=True)
        return to_item(row, await self._authors({row.user_id} if row.user_id else set()))

    async def _authors(self, ids: set[UUID]) -> dict[UUID, m.User]:
        if not ids:
            return {}
        users = await self.repository.session.scalars(select(m.User).where(m.User.id.in_(ids)))
        return {user.id: user for user in users}


def to_item(row: m.Feedback, authors: dict[UUID, m.User]) -> FeedbackItem:
    author = authors.get(row.user_id) if row.user_id else None
    return FeedbackItem(
        id=row.id,
        message=row.message,
        page_url=row.page_url,
        category=row.category,
        contact=row.contact,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        user=FeedbackAuthor(id=author.id, display_name=author.display_name, email=author.email) if author else None,
    )
