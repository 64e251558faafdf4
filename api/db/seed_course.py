"""The demo course of ``verdict seed --demo``: the demo instructor teaches it, the demo student is enrolled in a
group and a level, and the practice problems are its problem set. Idempotent: only what is missing is created."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m

__all__ = ["DEMO_COURSE_CODE", "DEMO_JOIN_CODE", "seed_demo_course"]

DEMO_COURSE_CODE: Final = "DEMO-101"
DEMO_JOIN_CODE: Final = "DEMO2026"
_LEVELS: Final = ("Beginner", "Intermediate", "Advanced")


async def seed_demo_course(session: AsyncSession, slugs: tuple[str, ...]) -> list[str]:
    created: list[str] = []
    users = {u.email: u for u in await session.scalars(select(m.User).where(m.User.email.like("%@example.com")))}
    instructor, student = users.get("instructor@example.com"), users.get("student@example.com")
    if instructor is None or student is None:
        return created
    course = await session.scalar(select(m.Course).where(m.Course.code == DEMO_COURSE_CODE))
    if course is None:
        course = m.Course(
            title="Programming 101 (demo)",
            code=DEMO_COURSE_CODE,
            term="Demo term",
            description_md="A demo course: **practice problems** for everyone enrolled. Join code `DEMO2026`.",
            join_code=DEMO_JOIN_CODE,
            created_by_id=instructor.id,
        )
        session.add(course)
        await session.flush()
        created.append(f"course {DEMO_COURSE_CODE}")
    group = await session.scalar(select(m.CourseGroup).where(m.CourseGroup.course_id == course.id))
    if group is None:
        group = m.CourseGroup(course_id=course.id, name="Lab A")
        session.add(group)
        created.append("group Lab A")
    levels = {
        lv.name: lv for lv in await session.scalars(select(m.CourseLevel).where(m.CourseLevel.course_id == course.id))
    }
    for position, name in enumerate(_LEVELS):
        if name not in levels:
            levels[name] = m.CourseLevel(course_id=course.id, name=name, position=position)
            session.add(levels[name])
            created.append(f"level {name}")
    await session.flush()
    members = {
        ms.user_id
        for ms in await session.scalars(select(m.CourseMembership).where(m.CourseMembership.course_id == course.id))
    }
    for user, role in ((instructor, m.CourseRole.INSTRUCTOR), (student, m.CourseRole.STUDENT)):
        if user.id not in members:
            is_student = role is m.CourseRole.STUDENT
            session.add(
                m.CourseMembership(
                    course_id=course.id,
                    user_id=user.id,
                    role=role,
                    group_id=group.id if is_student else None,
                    level_id=levels["Beginner"].id if is_student else None,
                )
            )
            created.append(f"member {user.email}")
    attached = set(
        await session.scalars(select(m.CourseProblem.problem_id).where(m.CourseProblem.course_id == course.id))
    )
    problems = list(await session.scalars(select(m.Problem).where(m.Problem.slug.in_(slugs))))
    order = {slug: i for i, slug in enumerate(slugs)}
    for problem in sorted(problems, key=lambda p: order[p.slug]):
        if problem.id not in attached:
            session.add(m.CourseProblem(course_id=course.id, problem_id=problem.id, position=order[problem.slug]))
            created.append(f"course problem {problem.slug}")
    await session.flush()
    return created
