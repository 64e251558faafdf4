"""Q&A on the wire. An anonymous question or answer shows no author to peers (``author`` is null, ``anonymous``
true); staff and the author see who wrote it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from api.domain.chat.schemas import Author
from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "AcceptUpdate",
    "Answer",
    "AnswerCreate",
    "EndorseUpdate",
    "Question",
    "QuestionCreate",
    "QuestionDetail",
    "TestGroup",
]

_RAW = 200_000


class QuestionCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=1000)]
    body: Annotated[str, msgspec.Meta(max_length=_RAW)] = ""
    assessment_id: UUID | None = None
    problem_id: UUID | None = None
    submission_id: UUID | None = None
    test_index: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None  # with submissionId: the failing test
    anonymous: bool = False
    private: bool = False


class AnswerCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(max_length=_RAW)]
    anonymous: bool = False


class AcceptUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    answer_id: UUID | None


class EndorseUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    endorsed: bool = True


class Answer(CamelizedBaseStruct):
    id: UUID
    author: Author | None
    anonymous: bool
    mine: bool
    body: str
    html: str
    endorsed: bool
    accepted: bool
    votes: int
    voted: bool
    by_staff: bool
    created_at: datetime


class Question(CamelizedBaseStruct):
    id: UUID
    course_id: UUID
    title: str
    author: Author | None
    anonymous: bool
    private: bool
    mine: bool
    assessment_id: UUID | None
    problem_id: UUID | None
    submission_id: UUID | None
    test_name: str | None
    answers: int
    accepted_answer_id: UUID | None
    votes: int
    voted: bool
    created_at: datetime


class QuestionDetail(Question):
    body: str = ""
    html: str = ""
    answer_list: list[Answer] = msgspec.field(default_factory=list)


class TestGroup(CamelizedBaseStruct):
    problem_id: UUID | None
    test_name: str
    questions: list[Question]
