"""The rules about courses: who creates them, who joins and how, who is in them with which role.

Every membership change writes a :class:`~api.db.models.CourseAuditEntry` (who, when, what) in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Final
from uuid import UUID

import msgspec
from advanced_alchemy import repository, service
from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import is_staff
from api.domain.accounts.services import normalize_email
from api.domain.courses import schemas
from api.domain.courses.access import CourseAccess, member_course_ids
from api.domain.courses.audit import audit
from api.domain.courses.views import view_of
from api.lib.exceptions import ApplicationClientError, ConflictError, PermissionDeniedError
from api.lib.timeutil import utcnow

__all__ = ["CourseService", "new_join_code"]

_CODE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by hand
_CODE_LENGTH: Final = 8


def new_join_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


class CourseService(service.SQLAlchemyAsyncRepositoryService[m.Course]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.Course]):
        model_type = m.Course

    repository_type = Repo

    @property
    def session(self) -> AsyncSession:
        session: AsyncSession = self.repository.session
        return session

    # --- courses --------------------------------------------------------------------------------------------
    async def create_course(self, user: m.User, data: schemas.CourseCreate) -> m.Course:
        if not is_staff(user):
            raise PermissionDeniedError("only instructors and admins may create courses")
        await self._check_code_free(data.code)
        course = m.Course(
            title=data.title.strip(),
            code=data.code.strip(),
            term=data.term.strip(),
            description_md=data.description_md,
            join_code=new_join_code(),
            invite_token=secrets.token_urlsafe(24),
            created_by_id=user.id,
        )
        self.session.add(course)
        await self.session.flush()
        self.session.add(m.CourseMembership(course_id=course.id, user_id=user.id, role=m.CourseRole.INSTRUCTOR))
        audit(self.session, course.id, user, "course_created", code=course.code, title=course.title)
        await self.session.flush()
        return course

    async def _check_code_free(self, code: str, *, except_id: UUID | None = None) -> None:
        existing = await self.get_one_or_none(func.lower(m.Course.code) == code.strip().lower())
        if existing is not None and existing.id != except_id:
            raise ConflictError(
                f"a course with the code {code!r} exists already: choose another",
                errors=[{"key": "code", "message": "taken"}],
            )

    async def update_course(self, access: CourseAccess, data: schemas.CourseUpdate) -> m.Course:
        course = access.course
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "code" in changes:
            await self._check_code_free(changes["code"], except_id=course.id)
        for key, value in changes.items():
            setattr(course, key, value.strip() if isinstance(value, str) and key != "description_md" else value)
        if changes:
            audit(self.session, course.id, access.user, "course_updated", fields=sorted(changes))
        await self.session.flush()
        return course

    async def delete_course(self, access: CourseAccess) -> None:
        await self.session.delete(access.course)
        await self.session.flush()

    async def list_for(self, user: m.User, *, include_archived: bool) -> list[tuple[m.Course, m.CourseRole | None]]:
        """The caller's courses with their role (admins: every course)."""
        statement = select(m.Course, m.CourseMembership.role).outerjoin(
            m.CourseMembership,
            (m.CourseMembership.course_id == m.Course.id) & (m.CourseMembership.user_id == user.id),
        )
        if user.role is not m.Role.ADMIN:
            statement = statement.where(m.Course.id.in_(member_course_ids(user.id)))
        if not include_archived:
            statement = statement.where(m.Course.archived.is_(False))
        rows = await self.session.execute(statement.order_by(m.Course.archived, m.Course.term.desc(), m.Course.title))
        return [(course, role) for course, role in rows.tuples()]

    async def counts(self, course_ids: Sequence[UUID]) -> dict[UUID, tuple[int, int]]:
        """Members and problems per course, in two queries."""
        if not course_ids:
            return {}
        members_rows = await self.session.execute(
            select(m.CourseMembership.course_id, func.count())
            .where(m.CourseMembership.course_id.in_(course_ids))
            .group_by(m.CourseMembership.course_id)
        )
        members = {cid: n for cid, n in members_rows.tuples()}  # noqa: C416 - a Result has keys(): dict() misreads it
        problem_rows = await self.session.execute(
            select(m.CourseProblem.course_id, func.count())
            .where(m.CourseProblem.course_id.in_(course_ids))
            .group_by(m.CourseProblem.course_id)
        )
        problems = {cid: n for cid, n in problem_rows.tuples()}  # noqa: C416
        return {cid: (int(members.get(cid, 0)), int(problems.get(cid, 0))) for cid in course_ids}

    async def to_view(self, course: m.Course, role: m.CourseRole | None, *, staff: bool) -> schemas.Course:
        members, problems = (await self.counts([course.id])).get(course.id, (0, 0))
        return view_of(course, role, staff=staff, members=members, problems=problems)

    # --- joining --------------------------------------------------------------------------------------------
    async def rotate_join_code(self, access: CourseAccess, data: schemas.JoinCodeRotate) -> m.Course:
        course = access.course
        old = course.join_code
        if data.disable:
            course.join_code, course.join_code_expires_at = None, None
        else:
            course.join_code = new_join_code()
            course.join_code_expires_at = (
                utcnow() + timedelta(hours=data.expires_in_hours) if data.expires_in_hours else None
            )
        audit(
            self.session,
            course.id,
            access.user,
            "join_code_disabled" if data.disable else "join_code_rotated",
            old_code=old,
            expires_at=course.join_code_expires_at.isoformat() if course.join_code_expires_at else None,
        )
        await self.session.flush()
        return course

    async def rotate_invite(self, access: CourseAccess) -> m.Course:
        access.course.invite_token = secrets.token_urlsafe(24)
        audit(self.session, access.course.id, access.user, "invite_link_rotated")
        await self.session.flush()
        return access.course

    async def join(self, user: m.User, data: schemas.JoinRequest) -> tuple[m.Course, m.CourseMembership]:
        """Enrol ``user`` as a student by join code or invite secret; joining twice keeps the existing membership."""
        if bool(data.code) == bool(data.invite):
            raise ApplicationClientError("send either the course's join code or an invite link's secret")
        if data.code:
            code = normalise_code(data.code)
            course = await self.get_one_or_none(m.Course.join_code == code) if code else None
            if course is None:
                raise ApplicationClientError(
                    await self._why_code_fails(code), errors=[{"key": "code", "message": "not valid"}]
                )
            if course.join_code_expires_at is not None and course.join_code_expires_at <= utcnow():
                raise ApplicationClientError(
                    "this join code has expired: ask your instructor for the new one",
                    errors=[{"key": "code", "message": "expired"}],
                )
        else:
            course = await self.get_one_or_none(m.Course.invite_token == data.invite)
            if course is None:
                raise ApplicationClientError(
                    "this invite link is not valid (any more): ask your instructor for a new one"
                )
        if course.archived:
            raise ApplicationClientError("this course is archived and takes no new members")
        existing = await self.membership(course.id, user.id)
        if existing is not None:
            return course, existing
        membership = m.CourseMembership(course_id=course.id, user_id=user.id, role=m.CourseRole.STUDENT)
        self.session.add(membership)
        audit(self.session, course.id, user, "member_joined", user_id=user.id, via="code" if data.code else "invite")
        await self.session.flush()
        return course, membership

    async def _why_code_fails(self, code: str) -> str:
        if code:
            replaced = await self.session.scalar(
                select(m.CourseAuditEntry.id)
                .where(m.CourseAuditEntry.action.in_(["join_code_rotated", "join_code_disabled"]))
                .where(m.CourseAuditEntry.details["old_code"].as_string() == code)
                .limit(1)
            )
            if replaced is not None:
                return "this join code was replaced by a new one: ask your instructor for the current code"
        return "no course has this join code: check it (letters and digits, as your instructor gave it)"

    # --- people ---------------------------------------------------------------------------------------------
    async def membership(self, course_id: UUID, user_id: UUID) -> m.CourseMembership | None:
        membership: m.CourseMembership | None = await self.session.scalar(
            select(m.CourseMembership).where(
                m.CourseMembership.course_id == course_id, m.CourseMembership.user_id == user_id
            )
        )
        return membership

    async def members(
        self, course_id: UUID, *, role: m.CourseRole | None = None, group_id: UUID | None = None
    ) -> list[schemas.Member]:
        statement = (
            select(m.CourseMembership, m.User, m.CourseGroup.name, m.CourseLevel.name)
            .join(m.User, m.User.id == m.CourseMembership.user_id)
            .outerjoin(m.CourseGroup, m.CourseGroup.id == m.CourseMembership.group_id)
            .outerjoin(m.CourseLevel, m.CourseLevel.id == m.CourseMembership.level_id)
            .where(m.CourseMembership.course_id == course_id)
        )
        if role is not None:
            statement = statement.where(m.CourseMembership.role == role)
        if group_id is not None:
            statement = statement.where(m.CourseMembership.group_id == group_id)
        rows = await self.session.execute(
            statement.order_by(m.CourseMembership.role, m.User.display_name, m.User.email)
        )
        return [
            schemas.Member(
                user_id=user.id,
                email=user.email,
                display_name=user.display_name,
                role=ms.role,
                group_id=ms.group_id,
                group=group,
                level_id=ms.level_id,
                level=level,
                joined_at=ms.created_at,
            )
            for ms, user, group, level in rows.tuples()
        ]

    async def add_member(self, access: CourseAccess, data: schemas.MemberAdd) -> m.CourseMembership:
        email = normalize_email(data.email)
        user = await self.session.scalar(select(m.User).where(m.User.email == email))
        if user is None:
            raise NotFoundError(f"no account with the address {email}: import a roster to invite new people")
        existing = await self.membership(access.course.id, user.id)
        if existing is not None:
            raise ConflictError(f"{email} is in this course already (as {existing.role.value})")
        self._check_may_grant(access, data.role)
        membership = m.CourseMembership(course_id=access.course.id, user_id=user.id, role=data.role)
        self.session.add(membership)
        audit(self.session, access.course.id, access.user, "member_added", user_id=user.id, role=data.role.value)
        await self.session.flush()
        return membership

    def _check_may_grant(self, access: CourseAccess, role: m.CourseRole) -> None:
        if role is not m.CourseRole.STUDENT and not access.is_instructor:
            raise PermissionDeniedError("only the course's instructors may add staff or change roles")

    async def _member_or_404(self, course_id: UUID, user_id: UUID) -> m.CourseMembership:
        membership = await self.membership(course_id, user_id)
        if membership is None:
            raise NotFoundError("this person is not in the course")
        return membership

    async def update_member(
        self, access: CourseAccess, user_id: UUID, data: schemas.MemberUpdate
    ) -> m.CourseMembership:
        course_id = access.course.id
        membership = await self._member_or_404(course_id, user_id)
        changes: dict[str, Any] = {}
        if data.role is not msgspec.UNSET and data.role is not membership.role:
            self._check_may_grant(access, data.role)
            if membership.role is not m.CourseRole.STUDENT:
                self._check_may_grant(access, membership.role)
            if membership.role is m.CourseRole.INSTRUCTOR:
                await self._keep_an_instructor(course_id)
            changes["role"] = [membership.role.value, data.role.value]
            membership.role = data.role
        if data.group_id is not msgspec.UNSET and data.group_id != membership.group_id:
            await self._check_group(course_id, data.group_id)
            changes["group_id"] = [_s(membership.group_id), _s(data.group_id)]
            membership.group_id = data.group_id
        if data.level_id is not msgspec.UNSET and data.level_id != membership.level_id:
            await self._check_level(course_id, data.level_id)
            changes["level_id"] = [_s(membership.level_id), _s(data.level_id)]
            membership.level_id = data.level_id
        if changes:
            audit(self.session, course_id, access.user, "member_updated", user_id=user_id, changes=changes)
        await self.session.flush()
        return membership

    async def remove_member(self, access: CourseAccess, user_id: UUID) -> None:
        membership = await self._member_or_404(access.course.id, user_id)
        if membership.role is not m.CourseRole.STUDENT:
            self._check_may_grant(access, membership.role)
        if membership.role is m.CourseRole.INSTRUCTOR:
            await self._keep_an_instructor(access.course.id)
        await self.session.delete(membership)
        audit(
            self.session, access.course.id, access.user, "member_removed", user_id=user_id, role=membership.role.value
        )
        await self.session.flush()

    async def _keep_an_instructor(self, course_id: UUID) -> None:
        count = await self.session.scalar(
            select(func.count())
            .select_from(m.CourseMembership)
            .where(m.CourseMembership.course_id == course_id, m.CourseMembership.role == m.CourseRole.INSTRUCTOR)
        )
        if int(count or 0) <= 1:
            raise ConflictError("a course needs at least one instructor: add another before this change")

    async def _check_group(self, course_id: UUID, group_id: UUID | None) -> None:
        if group_id is not None:
            group = await self.session.get(m.CourseGroup, group_id)
            if group is None or group.course_id != course_id:
                raise ApplicationClientError(
                    "no such group in this course", errors=[{"key": "groupId", "message": "unknown"}]
                )

    async def _check_level(self, course_id: UUID, level_id: UUID | None) -> None:
        if level_id is not None:
            level = await self.session.get(m.CourseLevel, level_id)
            if level is None or level.course_id != course_id:
                raise ApplicationClientError(
                    "no such level in this course", errors=[{"key": "levelId", "message": "unknown"}]
                )

    async def bulk_assign(self, access: CourseAccess, data: schemas.BulkAssign) -> int:
        course_id = access.course.id
        values: dict[str, Any] = {}
        if data.group_id is not msgspec.UNSET:
            await self._check_group(course_id, data.group_id)
            values["group_id"] = data.group_id
        if data.level_id is not msgspec.UNSET:
            await self._check_level(course_id, data.level_id)
            values["level_id"] = data.level_id
        if not values:
            raise ApplicationClientError("say what to assign: groupId and/or levelId (null clears)")
        memberships = list(
            await self.session.scalars(
                select(m.CourseMembership).where(
                    m.CourseMembership.course_id == course_id, m.CourseMembership.user_id.in_(data.user_ids)
                )
            )
        )
        missing = set(data.user_ids) - {ms.user_id for ms in memberships}
        if missing:
            raise ApplicationClientError(f"{len(missing)} of these people are not in the course; nothing was changed")
        for ms in memberships:
            for key, value in values.items():
                setattr(ms, key, value)
        audit(
            self.session,
            course_id,
            access.user,
            "members_assigned",
            user_ids=[str(u) for u in data.user_ids],
            **{k: _s(v) for k, v in values.items()},
        )
        await self.session.flush()
        return len(memberships)


def _s(value: UUID | None) -> str | None:
    return str(value) if value is not None else None
