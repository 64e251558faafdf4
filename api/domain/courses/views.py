"""A course as the API and the pages show it (join code and invite link for its staff only)."""

from __future__ import annotations

from api.db import models as m
from api.domain.courses import schemas
from api.domain.problems.markdown import render_markdown

__all__ = ["view_of"]


def view_of(course: m.Course, role: m.CourseRole | None, *, staff: bool, members: int, problems: int) -> schemas.Course:
    return schemas.Course(
        id=course.id,
        title=course.title,
        code=course.code,
        term=course.term,
        description_md=course.description_md,
        description_html=render_markdown(course.description_md),
        archived=course.archived,
        my_role=role,
        member_count=members,
        problem_count=problems,
        created_at=course.created_at,
        join_code=course.join_code if staff else None,
        join_code_expires_at=course.join_code_expires_at if staff else None,
        invite_path=f"/courses/join?invite={course.invite_token}" if staff and course.invite_token else None,
    )
