"""What people write in chat, questions, answers and announcements: cleaned, bounded, rendered as sanitised
Markdown (the statements' renderer and allow-list: script and HTML come out inert), and scanned for @mentions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from uuid import UUID

from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from api.db import models as m
from api.domain.feedback.services import clean_text
from api.domain.problems.markdown import render_markdown
from api.lib.exceptions import ApplicationClientError, ApplicationError

__all__ = ["ContentTooLargeError", "bounded", "mention_handle", "mentioned", "render"]

_MENTION: Final = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]{2,40})")


class ContentTooLargeError(ApplicationError):
    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE


def bounded(value: str, *, limit: int, what: str, required: bool = True) -> str:
    """``value`` cleaned of control characters; 413 past ``limit`` characters, 400 when required and empty."""
    text = clean_text(value)
    if len(text) > limit:
        raise ContentTooLargeError(
            f"{what} is too long: at most {limit} characters (this one has {len(text)})",
            errors=[{"key": what, "message": f"at most {limit} characters"}],
        )
    if required and not text:
        raise ApplicationClientError(f"{what} is empty", errors=[{"key": what, "message": "write something"}])
    return text


def render(source: str) -> str:
    return render_markdown(source)


def mention_handle(user: m.User) -> str:
    """How to mention someone: their display name without spaces (``@AdaLovelace``)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", user.display_name) or user.email.split("@", 1)[0]


def mentioned(text: str, people: Iterable[m.User]) -> list[UUID]:
    """The people among ``people`` that ``text`` mentions by handle or by the part of their e-mail before the @."""
    handles = {h.lower() for h in _MENTION.findall(text)}
    if not handles:
        return []
    return [p.id for p in people if mention_handle(p).lower() in handles or p.email.split("@", 1)[0].lower() in handles]
