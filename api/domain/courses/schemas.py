"""Wire formats of the courses area. JSON keys are camelCase (``joinCode``, ``descriptionMd``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from api.db.models import CourseRole
from api.lib.schema import CamelizedBaseStruct

__all__ = [
    "AuditEntry",
    "BulkAssign",
    "Course",
    "CourseCreate",
    "CoursePage",
    "CourseProblem",
    "CourseProblemAttach",
    "CourseUpdate",
    "Group",
    "GroupCreate",
    "JoinCodeRotate",
    "JoinRequest",
    "Level",
    "LevelCreate",
    "Member",
    "MemberAdd",
    "MemberUpdate",
    "RosterCommitResult",
    "RosterPreview",
    "RosterRow",
    "StaffSubmission",
    "StaffSubmissionPage",
]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$", description="unique, e.g. CS101-2026")]
Term = Annotated[str, msgspec.Meta(max_length=60)]
Description = Annotated[str, msgspec.Meta(max_length=64 * 1024)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
LevelName = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]


class CourseCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    title: Title
    code: Code
    term: Term = ""
    description_md: Description = ""


class CourseUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    code: Code | msgspec.UnsetType = msgspec.UNSET
    term: Term | msgspec.UnsetType = msgspec.UNSET
    description_md: Description | msgspec.UnsetType = msgspec.UNSET
    archived: bool | msgspec.UnsetType = msgspec.UNSET


class Course(CamelizedBaseStruct):
    id: UUID
    title: str
    code: str
    term: str
    description_md: str
    description_html: str
    archived: bool
    my_role: CourseRole | None  # None for an admin who is not a member
    member_count: int
    problem_count: int
    created_at: datetime
    # Staff only (None for students):
    join_code: str | None = None
    join_code_expires_at: datetime | None = None
    invite_path: str | None = None


class CoursePage(CamelizedBaseStruct):
    items: list[Course]
    total: int


class JoinRequest(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Join by the code the instructor shows, or by the secret of an invite link."""

    code: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    invite: Annotated[str, msgspec.Meta(max_length=128)] | None = None


class JoinCodeRotate(CamelizedBaseStruct, forbid_unknown_fields=True):
    expires_in_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 365)] | None = None
    disable: bool = False


class Member(CamelizedBaseStruct):
    user_id: UUID
    email: str
    display_name: str
    role: CourseRole
    group_id: UUID | None
    group: str | None
    level_id: UUID | None
    level: str | None
    joined_at: datetime


class MemberAdd(CamelizedBaseStruct, forbid_unknown_fields=True):
    email: Email
    role: CourseRole = CourseRole.STUDENT


class MemberUpdate(CamelizedBaseStruct, forbid_unknown_fields=True):
    role: CourseRole | msgspec.UnsetType = msgspec.UNSET
    group_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    level_id: UUID | msgspec.UnsetType | None = msgspec.UNSET


class BulkAssign(CamelizedBaseStruct, forbid_unknown_fields=True):
    """Put several members into one group and/or level (null clears it; leave a field out to keep it)."""

    user_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=10_000)]
    group_id: UUID | msgspec.UnsetType | None = msgspec.UNSET
    level_id: UUID | msgspec.UnsetType | None = msgspec.UNSET


class Group(CamelizedBaseStruct):
    id: UUID
    name: str
    member_count: int


class GroupCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    name: Name


class Level(CamelizedBaseStruct):
    id: UUID
    name: str
    position: int
    member_count: int


class LevelCreate(CamelizedBaseStruct, forbid_unknown_fields=True):
    name: LevelName
    position: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None


class CourseProblem(CamelizedBaseStruct):
    problem_id: UUID
    slug: str
    title: str
    difficulty: str
    private: bool
    position: int


class CourseProblemAttach(CamelizedBaseStruct, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class AuditEntry(CamelizedBaseStruct):
    at: datetime
    actor_id: UUID | None
    actor: str | None
    action: str
    details: dict[str, Any]


class RosterRow(CamelizedBaseStruct):
    line: int
    email: str
    name: str
    group: str | None
    level: str | None
    action: str  # "add", "update", "unchanged", "invite" (new account), "skip" (an error)
    problems: list[str]


class RosterPreview(CamelizedBaseStruct):
    encoding: str
    delimiter: str
    rows: list[RosterRow]
    total: int
    errors: int
    new_groups: list[str]
    new_levels: list[str]
    counts: dict[str, int]


class RosterCommitResult(CamelizedBaseStruct):
    added: int
    updated: int
    unchanged: int
    invited: int
    new_groups: list[str]
    new_levels: list[str]
    seconds: float


class StaffSubmission(CamelizedBaseStruct):
    id: UUID
    user_id: UUID | None
    user_email: str | None
    user_name: str | None
    problem_id: UUID | None
    problem_slug: str | None
    problem_title: str | None
    language: str
    status: str
    verdict: str | None
    score: float | None
    created_at: datetime


class StaffSubmissionPage(CamelizedBaseStruct):
    items: list[StaffSubmission]
    total: int
    limit: int
    offset: int
