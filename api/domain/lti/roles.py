"""Which Verdict course role an LTI launch's roles claim maps to (pure; table-tested)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from api.db import models as m

__all__ = ["STAFF_ROLE_NAMES", "course_role_for"]

_PREFIXES: Final = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership#",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#",
)
_INSTRUCTOR: Final = frozenset({"Instructor", "ContentDeveloper", "Administrator", "SysAdmin"})
_TA: Final = frozenset({"TeachingAssistant"})
STAFF_ROLE_NAMES: Final = _INSTRUCTOR | _TA


def _short(role: str) -> str:
    for prefix in _PREFIXES:
        if role.startswith(prefix):
            return role.removeprefix(prefix)
    return role.rsplit("#", 1)[-1]


def course_role_for(roles: Iterable[str]) -> m.CourseRole:
    """Instructor, content developer or administrator → instructor; teaching assistant (also the
    ``membership/Instructor#TeachingAssistant`` sub-role) → TA; anything else (Learner, Mentor, none) → student.
    The strongest role wins."""
    names = {_short(role) for role in roles}
    full = set(roles)
    if "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant" in full:
        return m.CourseRole.TA
    if names & _INSTRUCTOR:
        return m.CourseRole.INSTRUCTOR
    if names & _TA:
        return m.CourseRole.TA
    return m.CourseRole.STUDENT
