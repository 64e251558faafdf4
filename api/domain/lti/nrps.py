"""LTI Names and Role Provisioning Services: "Import roster from the LMS". The memberships of every LMS context
linked to the course (URL recorded at launch) are fetched through pylti1p3's NamesRolesProvisioningService; each
active member is linked or created by (platform, sub) as a launch does and enrolled with the mapped role.
Idempotent: a second import adds nobody twice."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses.access import CourseAccess
from api.domain.courses.audit import audit
from api.domain.lti.ags import connector
from api.domain.lti.keys import active_key, public_pem
from api.domain.lti.roles import course_role_for
from api.domain.lti.services import _ensure_member, _user_for
from api.lib.exceptions import BadGatewayError

__all__ = ["RosterImport", "import_roster"]


class RosterImport(msgspec.Struct, rename="camel"):
    members: int
    added: int
    contexts: int


def _fetch(platform: m.LtiPlatform, private_pem: str, public: str, url: str) -> list[dict[str, Any]]:
    service = NamesRolesProvisioningService(connector(platform, private_pem, public), {"context_memberships_url": url})
    try:
        return [dict(member) for member in service.get_members()]
    except LtiServiceException as exc:
        raise BadGatewayError(
            f"{platform.name} refused the roster request (HTTP {exc.response.status_code}): check that the tool's "
            "registration there allows Names and Role Provisioning, then try again"
        ) from exc
    except requests.RequestException as exc:
        raise BadGatewayError(
            f"{platform.name} could not be reached for the roster ({type(exc).__name__}); try again later"
        ) from exc


async def import_roster(session: AsyncSession, access: CourseAccess) -> RosterImport:
    links = (
        await session.execute(
            select(m.LtiContextLink, m.LtiPlatform)
            .join(m.LtiPlatform, m.LtiPlatform.id == m.LtiContextLink.platform_id)
            .where(m.LtiContextLink.course_id == access.course.id, m.LtiContextLink.nrps_url.is_not(None))
        )
    ).tuples()
    key = await active_key(session)
    seen = added = contexts = 0
    for link, platform in list(links):
        contexts += 1
        members = await asyncio.to_thread(_fetch, platform, key.private_pem, public_pem(key), str(link.nrps_url))
        for member in members:
            if member.get("status", "Active") != "Active" or not member.get("user_id"):
                continue
            seen += 1
            claims = {"sub": str(member["user_id"]), "email": member.get("email"), "name": member.get("name")}
            for k in ("given_name", "family_name"):
                if member.get(k):
                    claims[k] = member[k]
            user = await _user_for(session, platform, claims)
            await session.flush()
            before = await session.scalar(
                select(m.CourseMembership.id).where(
                    m.CourseMembership.course_id == access.course.id, m.CourseMembership.user_id == user.id
                )
            )
            await _ensure_member(session, access.course.id, user, course_role_for(member.get("roles", [])))
            added += before is None
    audit(session, access.course.id, access.user, "lti_roster_imported", members=seen, added=added)
    await session.flush()
    return RosterImport(members=seen, added=added, contexts=contexts)
