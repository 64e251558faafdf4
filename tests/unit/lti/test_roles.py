from __future__ import annotations

import pytest

from api.db import models as m
from api.domain.lti.controllers import explain_refusal
from api.domain.lti.roles import course_role_for

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([LIS + "membership#Learner"], m.CourseRole.STUDENT),
        ([], m.CourseRole.STUDENT),
        ([LIS + "membership#Mentor"], m.CourseRole.STUDENT),
        ([LIS + "membership#Instructor"], m.CourseRole.INSTRUCTOR),
        ([LIS + "membership#ContentDeveloper"], m.CourseRole.INSTRUCTOR),
        ([LIS + "membership#Administrator"], m.CourseRole.INSTRUCTOR),
        ([LIS + "institution/person#Administrator"], m.CourseRole.INSTRUCTOR),
        ([LIS + "membership#TeachingAssistant"], m.CourseRole.TA),
        ([LIS + "membership#Instructor", LIS + "membership/Instructor#TeachingAssistant"], m.CourseRole.TA),
        ([LIS + "membership#Learner", LIS + "membership#Instructor"], m.CourseRole.INSTRUCTOR),
        (["Instructor"], m.CourseRole.INSTRUCTOR),  # LTI 1.1 short names, still sent by some platforms
    ],
)
def test_course_role_for(roles: list[str], expected: m.CourseRole) -> None:
    assert course_role_for(roles) is expected


def test_refusals_are_explained_in_words() -> None:
    assert "already used" in explain_refusal("Invalid Nonce")
    assert "expired" in explain_refusal("Can't decode id_token: Signature has expired")
    assert explain_refusal("something new").startswith("The launch could not be validated")
