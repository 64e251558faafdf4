"""LTI 1.3 (#21): platform registrations, the tool's signing keys, and the links from a platform's users, contexts
and resource links to Verdict's users, courses and assessments; AGS line items and the grade-sync log.

Nonces and OIDC state are short-lived and live in Redis (like session revocations), not here.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = [
    "LtiContextLink",
    "LtiGradeSync",
    "LtiGradeSyncStatus",
    "LtiLineItem",
    "LtiPlatform",
    "LtiResourceLink",
    "LtiToolKey",
    "LtiUserLink",
]


class LtiGradeSyncStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class LtiPlatform(UUIDAuditBase):
    """One registration of Verdict in an LMS (Moodle site, Canvas instance): issuer + client id."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    key_set_url: Mapped[str] = mapped_column(String(1000))
    deployment_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class LtiToolKey(UUIDAuditBase):
    """An RSA key pair the tool signs with. One is active; retired keys stay in the JWKS for a grace period."""

    __tablename__ = "lti_tool_key"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    retired_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class LtiUserLink(UUIDAuditBase):
    """A platform's user (``sub``) is this Verdict user."""

    __tablename__ = "lti_user_link"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    platform_id: Mapped[UUID] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class LtiContextLink(UUIDAuditBase):
    """A platform's course (deployment + context id) is this Verdict course."""

    __tablename__ = "lti_context_link"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id", "context_id"),)

    platform_id: Mapped[UUID] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    nrps_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    ags_lineitems_url: Mapped[str | None] = mapped_column(String(1000), default=None)


class LtiResourceLink(UUIDAuditBase):
    """A platform's resource link (an activity placed in the LMS course) opens this assessment."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    platform_id: Mapped[UUID] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    context_link_id: Mapped[UUID] = mapped_column(ForeignKey("lti_context_link.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL"), index=True, default=None
    )


class LtiLineItem(UUIDAuditBase):
    """The AGS line item scores of one assessment are posted to, for one resource link."""

    __tablename__ = "lti_line_item"
    __table_args__ = (UniqueConstraint("resource_link_id", "assessment_id"),)

    resource_link_id: Mapped[UUID] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"))
    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    line_item_url: Mapped[str] = mapped_column(String(1000))


class LtiGradeSync(UUIDAuditBase):
    """Where the grade of one person in one assessment stands with the platform's gradebook."""

    __tablename__ = "lti_grade_sync"
    __table_args__ = (UniqueConstraint("user_id", "assessment_id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    assessment_id: Mapped[UUID] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    status: Mapped[LtiGradeSyncStatus] = mapped_column(
        Enum(LtiGradeSyncStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=LtiGradeSyncStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_retry_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
