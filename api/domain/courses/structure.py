"""What a course is made of besides its people: groups, levels, its problem set, and its submissions (staff view)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.courses import schemas
from api.domain.courses.access import CourseAccess, course_problem_ids
from api.domain.courses.audit import audit
from api.domain.problems.schemas import ProblemCreate
from api.domain.problems.services import ProblemService
from api.lib.exceptions import ApplicationClientError, ConflictError

__all__ = ["CourseStructure"]


class CourseStructure:
    """Groups, levels and problems of one course; every call is already authorised by the route's guard."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- groups ---------------------------------------------------------------------------------------------
    async def groups(self, course_id: UUID) -> list[schemas.Group]:
        rows = await self.session.execute(
            select(m.CourseGroup, func.count(m.CourseMembership.id))
            .outerjoin(m.CourseMembership, m.CourseMembership.group_id == m.CourseGroup.id)
            .where(m.CourseGroup.course_id == course_id)
            .group_by(m.CourseGroup.id)
            .order_by(m.CourseGroup.name)
        )
        return [schemas.Group(id=g.id, name=g.name, member_count=int(n)) for g, n in rows.tuples()]

    async def create_group(self, access: CourseAccess, name: str) -> m.CourseGroup:
        name = " ".join(name.split())
        if await self._group_named(access.course.id, name) is not None:
            raise ConflictError(f"there is a group {name!r} already")
        group = m.CourseGroup(course_id=access.course.id, name=name)
        self.session.add(group)
        audit(self.session, access.course.id, access.user, "group_created", name=name)
        await self.session.flush()
        return group

    async def _group_named(self, course_id: UUID, name: str) -> m.CourseGroup | None:
        group: m.CourseGroup | None = await self.session.scalar(
            select(m.CourseGroup).where(
                m.CourseGroup.course_id == course_id, func.lower(m.CourseGroup.name) == name.lower()
            )
        )
        return group

    async def _group(self, course_id: UUID, group_id: UUID) -> m.CourseGroup:
        group = await self.session.get(m.CourseGroup, group_id)
        if group is None or group.course_id != course_id:
            raise NotFoundError("no such group in this course")
        return group

    async def rename_group(self, access: CourseAccess, group_id: UUID, name: str) -> m.CourseGroup:
        group = await self._group(access.course.id, group_id)
        name = " ".join(name.split())
        other = await self._group_named(access.course.id, name)
        if other is not None and other.id != group.id:
            raise ConflictError(f"there is a group {name!r} already")
        audit(self.session, access.course.id, access.user, "group_renamed", old=group.name, new=name)
        group.name = name
        await self.session.flush()
        return group

    async def delete_group(self, access: CourseAccess, group_id: UUID) -> None:
        group = await self._group(access.course.id, group_id)
        audit(self.session, access.course.id, access.user, "group_deleted", name=group.name)
        await self.session.delete(group)
        await self.session.flush()

    # --- levels ---------------------------------------------------------------------------------------------
    async def levels(self, course_id: UUID) -> list[schemas.Level]:
        rows = await self.session.execute(
            select(m.CourseLevel, func.count(m.CourseMembership.id))
            .outerjoin(m.CourseMembership, m.CourseMembership.level_id == m.CourseLevel.id)
            .where(m.CourseLevel.course_id == course_id)
            .group_by(m.CourseLevel.id)
            .order_by(m.CourseLevel.position, m.CourseLevel.name)
        )
        return [
            schemas.Level(id=lv.id, name=lv.name, position=lv.position, member_count=int(n)) for lv, n in rows.tuples()
        ]

    async def create_level(self, access: CourseAccess, data: schemas.LevelCreate) -> m.CourseLevel:
        name = " ".join(data.name.split())
        course_id = access.course.id
        taken = await self.session.scalar(
            select(m.CourseLevel.id).where(
                m.CourseLevel.course_id == course_id, func.lower(m.CourseLevel.name) == name.lower()
            )
        )
        if taken is not None:
            raise ConflictError(f"there is a level {name!r} already")
        position = data.position
        if position is None:
            last = await self.session.scalar(
                select(func.max(m.CourseLevel.position)).where(m.CourseLevel.course_id == course_id)
            )
            position = int(last) + 1 if last is not None else 0
        level = m.CourseLevel(course_id=course_id, name=name, position=position)
        self.session.add(level)
        audit(self.session, course_id, access.user, "level_created", name=name, position=position)
        await self.session.flush()
        return level

    async def update_level(self, access: CourseAccess, level_id: UUID, data: schemas.LevelCreate) -> m.CourseLevel:
        level = await self.session.get(m.CourseLevel, level_id)
        if level is None or level.course_id != access.course.id:
            raise NotFoundError("no such level in this course")
        level.name = " ".join(data.name.split())
        if data.position is not None:
            level.position = data.position
        audit(self.session, access.course.id, access.user, "level_updated", name=level.name, position=level.position)
        await self.session.flush()
        return level

    async def delete_level(self, access: CourseAccess, level_id: UUID) -> None:
        level = await self.session.get(m.CourseLevel, level_id)
        if level is None or level.course_id != access.course.id:
            raise NotFoundError("no such level in this course")
        audit(self.session, access.course.id, access.user, "level_deleted", name=level.name)
        await self.session.delete(level)
        await self.session.flush()

    # --- problems -------------------------------------------------------------------------------------------
    async def problems(self, course_id: UUID, *, include_drafts: bool) -> list[schemas.CourseProblem]:
        statement = (
            select(m.CourseProblem, m.Problem)
            .join(m.Problem, m.Problem.id == m.CourseProblem.problem_id)
            .where(m.CourseProblem.course_id == course_id)
            .order_by(m.CourseProblem.position, m.Problem.title)
        )
        if not include_drafts:
            statement = statement.where(m.Problem.visibility == m.ProblemVisibility.PUBLISHED)
        rows = await self.session.execute(statement)
        return [
            schemas.CourseProblem(
                problem_id=p.id,
                slug=p.slug,
                title=p.title,
                difficulty=p.difficulty,
                private=p.course_id == course_id,
                position=cp.position,
            )
            for cp, p in rows.tuples()
        ]

    async def attach(self, access: CourseAccess, slug: str) -> m.Problem:
        problem = await self.session.scalar(select(m.Problem).where(m.Problem.slug == slug))
        if problem is None or (problem.course_id is not None and problem.course_id != access.course.id):
            raise NotFoundError(f"no library problem {slug!r}")
        await self._attach(access, problem)
        return problem

    async def _attach(self, access: CourseAccess, problem: m.Problem) -> None:
        course_id = access.course.id
        taken = await self.session.scalar(
            select(m.CourseProblem.id).where(
                m.CourseProblem.course_id == course_id, m.CourseProblem.problem_id == problem.id
            )
        )
        if taken is not None:
            raise ConflictError(f"{problem.slug!r} is in this course already")
        last = await self.session.scalar(
            select(func.max(m.CourseProblem.position)).where(m.CourseProblem.course_id == course_id)
        )
        self.session.add(
            m.CourseProblem(
                course_id=course_id, problem_id=problem.id, position=int(last) + 1 if last is not None else 0
            )
        )
        audit(self.session, course_id, access.user, "problem_attached", slug=problem.slug, problem_id=problem.id)
        await self.session.flush()

    async def detach(self, access: CourseAccess, problem_id: UUID) -> None:
        link = await self.session.scalar(
            select(m.CourseProblem).where(
                m.CourseProblem.course_id == access.course.id, m.CourseProblem.problem_id == problem_id
            )
        )
        if link is None:
            raise NotFoundError("this problem is not in the course")
        problem = await self.session.get(m.Problem, problem_id)
        if problem is not None and problem.course_id == access.course.id:
            raise ApplicationClientError("a problem private to the course cannot be detached: archive it instead")
        await self.session.delete(link)
        audit(self.session, access.course.id, access.user, "problem_detached", problem_id=problem_id)
        await self.session.flush()

    async def create_private(self, access: CourseAccess, data: ProblemCreate, *, redis: Redis) -> m.Problem:
        """A new problem owned by the course (visible to its members only), attached to it at once."""
        problems = ProblemService(session=self.session)
        problem = await problems.create_problem(access.user, data, redis=redis, course_id=access.course.id)
        await self._attach(access, problem)
        return problem

    # --- submissions (staff) --------------------------------------------------------------------------------
    async def submissions(
        self,
        course_id: UUID,
        *,
        user_id: UUID | None = None,
        problem_id: UUID | None = None,
        verdict: str | None = None,
        language: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[schemas.StaffSubmission], int]:
        """Submissions of the course's members to the course's problems; nothing else."""
        members = select(m.CourseMembership.user_id).where(m.CourseMembership.course_id == course_id)
        filters: list[Any] = [
            m.Submission.user_id.in_(members),
            m.Submission.problem_id.in_(course_problem_ids(course_id)),
            m.Submission.kind == m.SubmissionKind.SUBMISSION,
        ]
        if user_id is not None:
            filters.append(m.Submission.user_id == user_id)
        if problem_id is not None:
            filters.append(m.Submission.problem_id == problem_id)
        if verdict is not None:
            filters.append(m.Submission.verdict == verdict)
        if language is not None:
            filters.append(m.Submission.language == language)
        if since is not None:
            filters.append(m.Submission.created_at >= since)
        if until is not None:
            filters.append(m.Submission.created_at < until)
        statement = (
            select(m.Submission, m.User.email, m.User.display_name, m.Problem.slug, m.Problem.title)
            .outerjoin(m.User, m.User.id == m.Submission.user_id)
            .outerjoin(m.Problem, m.Problem.id == m.Submission.problem_id)
            .where(*filters)
            .order_by(m.Submission.created_at.desc(), m.Submission.id)
            .limit(limit)
            .offset(offset)
        )
        rows = await self.session.execute(statement)
        total = await self.session.scalar(select(func.count()).select_from(m.Submission).where(*filters))
        items = [
            schemas.StaffSubmission(
                id=s.id,
                user_id=s.user_id,
                user_email=email,
                user_name=name,
                problem_id=s.problem_id,
                problem_slug=slug,
                problem_title=title,
                language=s.language,
                status=s.status.value,
                verdict=s.verdict,
                score=s.score,
                created_at=s.created_at,
            )
            for s, email, name, slug, title in rows.tuples()
        ]
        return items, int(total or 0)
