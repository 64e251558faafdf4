"""HTTP endpoints for a course's people, groups and levels (``/api/courses/{course_id}/...``)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from api.db import models as m
from api.domain.courses import schemas
from api.domain.courses.access import STAFF, CourseAccess, requires_course_role
from api.domain.courses.deps import COURSES_DEPENDENCIES
from api.domain.courses.services import CourseService
from api.domain.courses.structure import CourseStructure

__all__ = ["CoursePeopleController"]

_STAFF = requires_course_role(*STAFF)


class CoursePeopleController(Controller):
    """The course's staff (instructors and TAs) manage people; only instructors grant or change staff roles."""

    path = "/api/courses/{course_id:uuid}"
    tags = ["courses"]
    guards = [_STAFF]
    dependencies = COURSES_DEPENDENCIES

    @get("/members", operation_id="ListCourseMembers")
    async def list_members(
        self,
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
        role: Annotated[m.CourseRole | None, QueryParameter()] = None,
        group_id: Annotated[UUID | None, QueryParameter(name="groupId")] = None,
    ) -> list[schemas.Member]:
        return await courses_service.members(course_access.course.id, role=role, group_id=group_id)

    @post("/members", operation_id="AddCourseMember", status_code=HTTP_201_CREATED)
    async def add_member(
        self,
        data: JSONBody[schemas.MemberAdd],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
    ) -> schemas.Member:
        """Add an existing account by e-mail (TAs may add students only). New people: import a roster."""
        membership = await courses_service.add_member(course_access, data)
        return await _member(courses_service, course_access, membership.user_id)

    @patch("/members/{user_id:uuid}", operation_id="UpdateCourseMember")
    async def update_member(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[schemas.MemberUpdate],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
    ) -> schemas.Member:
        """Re-role (instructors only), or set the member's group or level (null clears)."""
        await courses_service.update_member(course_access, user_id, data)
        return await _member(courses_service, course_access, user_id)

    @delete("/members/{user_id:uuid}", operation_id="RemoveCourseMember", status_code=HTTP_204_NO_CONTENT)
    async def remove_member(
        self,
        user_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
    ) -> None:
        await courses_service.remove_member(course_access, user_id)

    @post("/members/assign", operation_id="BulkAssignCourseMembers", status_code=HTTP_200_OK)
    async def bulk_assign(
        self,
        data: JSONBody[schemas.BulkAssign],
        course_access: NamedDependency[CourseAccess],
        courses_service: NamedDependency[CourseService],
    ) -> dict[str, int]:
        """Put many members into one group and/or level at once (all or nothing)."""
        return {"updated": await courses_service.bulk_assign(course_access, data)}

    @get("/groups", operation_id="ListCourseGroups")
    async def list_groups(
        self, course_access: NamedDependency[CourseAccess], course_structure: NamedDependency[CourseStructure]
    ) -> list[schemas.Group]:
        return await course_structure.groups(course_access.course.id)

    @post("/groups", operation_id="CreateCourseGroup", status_code=HTTP_201_CREATED)
    async def create_group(
        self,
        data: JSONBody[schemas.GroupCreate],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> schemas.Group:
        group = await course_structure.create_group(course_access, data.name)
        return schemas.Group(id=group.id, name=group.name, member_count=0)

    @patch("/groups/{group_id:uuid}", operation_id="RenameCourseGroup")
    async def rename_group(
        self,
        group_id: FromPath[UUID],
        data: JSONBody[schemas.GroupCreate],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> schemas.Group:
        group = await course_structure.rename_group(course_access, group_id, data.name)
        counts = {g.id: g.member_count for g in await course_structure.groups(course_access.course.id)}
        return schemas.Group(id=group.id, name=group.name, member_count=counts.get(group.id, 0))

    @delete("/groups/{group_id:uuid}", operation_id="DeleteCourseGroup", status_code=HTTP_204_NO_CONTENT)
    async def delete_group(
        self,
        group_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> None:
        """Delete the group; its members stay in the course, without a group."""
        await course_structure.delete_group(course_access, group_id)

    @get("/levels", operation_id="ListCourseLevels")
    async def list_levels(
        self, course_access: NamedDependency[CourseAccess], course_structure: NamedDependency[CourseStructure]
    ) -> list[schemas.Level]:
        return await course_structure.levels(course_access.course.id)

    @post("/levels", operation_id="CreateCourseLevel", status_code=HTTP_201_CREATED)
    async def create_level(
        self,
        data: JSONBody[schemas.LevelCreate],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> schemas.Level:
        """A level (ordered by ``position``; left out: after the last one)."""
        level = await course_structure.create_level(course_access, data)
        return schemas.Level(id=level.id, name=level.name, position=level.position, member_count=0)

    @patch("/levels/{level_id:uuid}", operation_id="UpdateCourseLevel")
    async def update_level(
        self,
        level_id: FromPath[UUID],
        data: JSONBody[schemas.LevelCreate],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> schemas.Level:
        level = await course_structure.update_level(course_access, level_id, data)
        counts = {lv.id: lv.member_count for lv in await course_structure.levels(course_access.course.id)}
        return schemas.Level(
            id=level.id, name=level.name, position=level.position, member_count=counts.get(level.id, 0)
        )

    @delete("/levels/{level_id:uuid}", operation_id="DeleteCourseLevel", status_code=HTTP_204_NO_CONTENT)
    async def delete_level(
        self,
        level_id: FromPath[UUID],
        course_access: NamedDependency[CourseAccess],
        course_structure: NamedDependency[CourseStructure],
    ) -> None:
        await course_structure.delete_level(course_access, level_id)


async def _member(service: CourseService, access: CourseAccess, user_id: UUID) -> schemas.Member:
    for member in await service.members(access.course.id):
        if member.user_id == user_id:
            return member
    raise LookupError(user_id)  # pragma: no cover - the membership was just written
