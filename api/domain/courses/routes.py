"""The courses area's controllers, registered by ``create_app``."""

from __future__ import annotations

from typing import Final

from api.domain.courses.content import CourseContentController
from api.domain.courses.controllers import CourseController
from api.domain.courses.people import CoursePeopleController

__all__ = ["COURSE_CONTROLLERS"]

COURSE_CONTROLLERS: Final = (CourseController, CoursePeopleController, CourseContentController)
