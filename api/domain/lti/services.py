"""The LTI rules: platform registrations, and what a validated launch means in Verdict."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any, Final
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses.audit import audit
from api.domain.courses.services import new_join_code
from api.domain.lti import schemas
from api.domain.lti.adapters import PlatformSnapshot
from api.domain.lti.roles import course_role_for
from api.lib.exceptions import ApplicationClientError, ConflictError

__all__ = [
    "CLAIM",
    "CUSTOM_ASSESSMENT",
    "LaunchOutcome",
    "LaunchRefusedError",
    "apply_launch",
    "create_platform",
    "platform_snapshots",
    "update_platform",
]

CLAIM: Final = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM: Final = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM: Final = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CUSTOM_ASSESSMENT: Final = "verdict_assessment_id"
_RANK: Final = {m.CourseRole.STUDENT: 0, m.CourseRole.TA: 1, m.CourseRole.INSTRUCTOR: 2}


class LaunchRefusedError(Exception):
    """A launch that validated but cannot be served (e.g. a learner in a course nobody set up yet)."""

    def __init__(self, title: str, detail: str, *, status: int = 403) -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail
        self.status = status


class LaunchOutcome(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    course_id: UUID
    assessment_id: UUID | None
    role: m.CourseRole
    created_course: bool

    @property
    def path(self) -> str:
        if self.assessment_id is not None:
            return f"/courses/{self.course_id}/assessments/{self.assessment_id}"
        return f"/courses/{self.course_id}"


def _check_urls(*urls: str) -> None:
    for url in urls:
        if not re.match(r"^https?://[^\s]+$", url):
            raise ApplicationClientError(f"{url!r} is not an http(s) URL")


async def platform_snapshots(session: AsyncSession, issuer: str) -> tuple[list[PlatformSnapshot], dict[str, UUID]]:
    """The enabled registrations of ``issuer`` (for the library) and their ids by client id."""
    rows = list(
        await session.scalars(
            select(m.LtiPlatform).where(m.LtiPlatform.issuer == issuer, m.LtiPlatform.enabled.is_(True))
        )
    )
    snapshots = [
        PlatformSnapshot(
            issuer=row.issuer,
            client_id=row.client_id,
            auth_login_url=row.auth_login_url,
            auth_token_url=row.auth_token_url,
            key_set_url=row.key_set_url,
            deployment_ids=tuple(row.deployment_ids),
        )
        for row in rows
    ]
    return snapshots, {row.client_id: row.id for row in rows}


async def create_platform(session: AsyncSession, data: schemas.LtiPlatformCreate) -> m.LtiPlatform:
    _check_urls(data.auth_login_url, data.auth_token_url, data.key_set_url)
    if not data.issuer.strip() or not data.client_id.strip():
        raise ApplicationClientError("issuer and client id are required")
    existing = await session.scalar(
        select(m.LtiPlatform).where(m.LtiPlatform.issuer == data.issuer, m.LtiPlatform.client_id == data.client_id)
    )
    if existing is not None:
        raise ConflictError(f"the platform {data.issuer} with client id {data.client_id} is registered already")
    platform = m.LtiPlatform(
        name=data.name.strip() or data.issuer,
        issuer=data.issuer.strip(),
        client_id=data.client_id.strip(),
        auth_login_url=data.auth_login_url,
        auth_token_url=data.auth_token_url,
        key_set_url=data.key_set_url,
        deployment_ids=[d.strip() for d in data.deployment_ids if d.strip()],
        enabled=data.enabled,
    )
    session.add(platform)
    await session.flush()
    return platform


async def update_platform(session: AsyncSession, platform: m.LtiPlatform, data: schemas.LtiPlatformUpdate) -> None:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    _check_urls(*(v for k, v in changes.items() if k.endswith("_url")))
    if "deployment_ids" in changes:
        changes["deployment_ids"] = [d.strip() for d in changes["deployment_ids"] if d.strip()]
    for key, value in changes.items():
        setattr(platform, key, value)
    await session.flush()


def _name(claims: dict[str, Any]) -> str:
    name = str(claims.get("name") or "").strip()
    if not name:
        name = f"{claims.get('given_name') or ''} {claims.get('family_name') or ''}".strip()
    return (name or "LMS user")[:100]


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split()[:3]).upper()


async def _user_for(session: AsyncSession, platform: m.LtiPlatform, claims: dict[str, Any]) -> m.User:
    """The Verdict user of the platform's ``sub``: linked before, or created now (no password).

    An existing account is never linked through the e-mail address alone (the LMS vouches for its own users, not for
    Verdict's): when the address is taken, the new account gets a placeholder address unique to the platform user.
    """
    subject = str(claims["sub"])
    link = await session.scalar(
        select(m.LtiUserLink).where(m.LtiUserLink.platform_id == platform.id, m.LtiUserLink.subject == subject)
    )
    if link is not None:
        user = await session.get_one(m.User, link.user_id)
        if not user.is_active:
            raise LaunchRefusedError("Account deactivated", "Your Verdict account is deactivated: ask an admin.")
        return user
    email = str(claims.get("email") or "").strip().lower()
    taken = not email or (await session.scalar(select(m.User.id).where(m.User.email == email))) is not None
    if taken:
        digest = hashlib.sha256(f"{platform.issuer}|{subject}".encode()).hexdigest()[:24]
        email = f"lti-{digest}@lti.invalid"
    name = _name(claims)
    user = m.User(email=email, display_name=name, password_hash=None, avatar_initials=_initials(name))
    session.add(user)
    await session.flush()
    session.add(m.LtiUserLink(platform_id=platform.id, subject=subject, user_id=user.id))
    return user


def _course_code(label: str) -> str:
    base = re.sub(r"[^A-Za-z0-9-]+", "-", label).strip("-")[:30] or "LTI"
    return f"{base}-{secrets.token_hex(3).upper()}"


async def _context_for(
    session: AsyncSession, platform: m.LtiPlatform, claims: dict[str, Any], role: m.CourseRole
) -> tuple[m.LtiContextLink | None, dict[str, Any]]:
    context = claims.get(CLAIM + "context")
    if not isinstance(context, dict) or not context.get("id"):
        raise LaunchRefusedError(
            "No course in this launch", "The LMS sent no course (context): open Verdict from a course.", status=400
        )
    deployment_id = str(claims[CLAIM + "deployment_id"])
    link = await session.scalar(
        select(m.LtiContextLink).where(
            m.LtiContextLink.platform_id == platform.id,
            m.LtiContextLink.deployment_id == deployment_id,
            m.LtiContextLink.context_id == str(context["id"]),
        )
    )
    if link is None and role is not m.CourseRole.INSTRUCTOR:
        raise LaunchRefusedError(
            "This course is not set up in Verdict yet",
            "Your instructor has to open Verdict once from this LMS course before students can. "
            "Nothing was created; try again later.",
        )
    return link, context


async def apply_launch(session: AsyncSession, platform: m.LtiPlatform, claims: dict[str, Any]) -> LaunchOutcome:
    """Map a validated resource-link (or deep-linking) launch: user, course, membership, resource link."""
    role = course_role_for(claims.get(CLAIM + "roles") or [])
    link, context = await _context_for(session, platform, claims, role)
    user = await _user_for(session, platform, claims)
    created = False
    if link is None:
        title = str(context.get("title") or context.get("label") or "LMS course")[:200]
        course = m.Course(
            title=title,
            code=_course_code(str(context.get("label") or title)),
            join_code=new_join_code(),
            invite_token=secrets.token_urlsafe(24),
            created_by_id=user.id,
        )
        session.add(course)
        await session.flush()
        link = m.LtiContextLink(
            platform_id=platform.id,
            deployment_id=str(claims[CLAIM + "deployment_id"]),
            context_id=str(context["id"]),
            course_id=course.id,
        )
        session.add(link)
        audit(session, course.id, user, "course_created", code=course.code, title=course.title, source="lti")
        created = True
        if user.role is m.Role.STUDENT:
            user.role = m.Role.INSTRUCTOR  # an LMS instructor authors problems and assessments in Verdict
    nrps = claims.get(NRPS_CLAIM)
    if isinstance(nrps, dict) and nrps.get("context_memberships_url"):
        link.nrps_url = str(nrps["context_memberships_url"])
    ags = claims.get(AGS_CLAIM)
    if isinstance(ags, dict) and ags.get("lineitems"):
        link.ags_lineitems_url = str(ags["lineitems"])
    await _ensure_member(session, link.course_id, user, role)
    assessment_id = await _resource_link(session, platform, link, claims)
    await session.flush()
    return LaunchOutcome(
        user_id=user.id, course_id=link.course_id, assessment_id=assessment_id, role=role, created_course=created
    )


async def _ensure_member(session: AsyncSession, course_id: UUID, user: m.User, role: m.CourseRole) -> None:
    membership = await session.scalar(
        select(m.CourseMembership).where(
            m.CourseMembership.course_id == course_id, m.CourseMembership.user_id == user.id
        )
    )
    if membership is None:
        session.add(m.CourseMembership(course_id=course_id, user_id=user.id, role=role))
        audit(session, course_id, None, "member_added", user_id=user.id, role=role.value, source="lti")
    elif _RANK[role] > _RANK[membership.role]:
        audit(session, course_id, None, "role_changed", user_id=user.id, role=role.value, source="lti")
        membership.role = role


async def _resource_link(
    session: AsyncSession, platform: m.LtiPlatform, link: m.LtiContextLink, claims: dict[str, Any]
) -> UUID | None:
    resource = claims.get(CLAIM + "resource_link")
    if not isinstance(resource, dict) or not resource.get("id"):
        return None
    row = await session.scalar(
        select(m.LtiResourceLink).where(
            m.LtiResourceLink.platform_id == platform.id,
            m.LtiResourceLink.resource_link_id == str(resource["id"]),
        )
    )
    if row is None:
        row = m.LtiResourceLink(platform_id=platform.id, resource_link_id=str(resource["id"]), context_link_id=link.id)
        session.add(row)
    if row.assessment_id is None:
        row.assessment_id = await _custom_assessment(session, link.course_id, claims)
    if row.assessment_id is not None:
        await session.flush()
        ags = claims.get(AGS_CLAIM)
        if isinstance(ags, dict) and ags.get("lineitem"):
            await _ensure_line_item(session, row, row.assessment_id, str(ags["lineitem"]))
    return row.assessment_id


async def _custom_assessment(session: AsyncSession, course_id: UUID, claims: dict[str, Any]) -> UUID | None:
    custom = claims.get(CLAIM + "custom")
    raw = custom.get(CUSTOM_ASSESSMENT) if isinstance(custom, dict) else None
    if not raw:
        return None
    try:
        wanted = UUID(str(raw))
    except ValueError:
        return None
    assessment = await session.get(m.Assessment, wanted)
    return assessment.id if assessment is not None and assessment.course_id == course_id else None


async def _ensure_line_item(session: AsyncSession, row: m.LtiResourceLink, assessment_id: UUID, url: str) -> None:
    item = await session.scalar(
        select(m.LtiLineItem).where(
            m.LtiLineItem.resource_link_id == row.id, m.LtiLineItem.assessment_id == assessment_id
        )
    )
    if item is None:
        session.add(m.LtiLineItem(resource_link_id=row.id, assessment_id=assessment_id, line_item_url=url))
    else:
        item.line_item_url = url
