"""Deep linking: only course staff may use it (a learner is refused and nothing is created); an instructor picks a
course assessment, the stand-in platform receives a signed LtiDeepLinkingResponse it verifies against the tool's
JWKS, and launching the item it got opens the assessment. The picker's token is bound to its person and used once."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.lti.lti_platform import CLAIM, INSTRUCTOR, LEARNER, StandInPlatform
from tests.integration.lti.support import launch

Client = AsyncTestClient[Litestar]


DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def _deep_link_claims(
    return_url: str = "https://lms.example.org/deep-link-return", accept: tuple[str, ...] = ("ltiResourceLink",)
) -> dict[str, Any]:
    return {
        CLAIM + "message_type": "LtiDeepLinkingRequest",
        DL_SETTINGS: {
            "deep_link_return_url": return_url,
            "data": "opaque-platform-data-42",
            "accept_types": list(accept),
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
        },
    }


async def test_learner_deep_link_is_refused(client: Client, registered: StandInPlatform) -> None:
    await launch(client, registered, sub="teacher-dl", roles=(INSTRUCTOR,))  # the course exists
    client.cookies.clear()
    resp, _token, _state = await launch(
        client, registered, sub="learner-dl", roles=(LEARNER,), extra=_deep_link_claims()
    )
    assert resp.status_code == 403, resp.text[-2000:]
    assert "Adding content is for course staff" in resp.text
    assert "verdict_access" not in resp.headers.get("set-cookie", "")


async def test_an_instructors_deep_link_signs_them_in_and_opens_the_picker_for_the_new_course(
    client: Client, registered: StandInPlatform
) -> None:
    resp, _token, _state = await launch(
        client, registered, sub="teacher-dl2", roles=(INSTRUCTOR,), extra=_deep_link_claims()
    )
    assert resp.status_code == 303, resp.text[-2000:]
    assert resp.headers["location"].startswith("/lti/deep-link/")
    assert "verdict_access=" in resp.headers.get("set-cookie", "")
    me = await client.get("/api/me")
    assert me.json()["email"] == "teacher-dl2@lms.example.org"
    picker = await client.get(resp.headers["location"])
    assert picker.status_code == 200
    assert "Intro to Programming" in picker.text  # the course the request came from, made on this first launch
    assert "has no assessments yet" in picker.text


def _csrf(client: Client) -> dict[str, str]:
    return {"x-csrf-token": client.cookies.get("verdict_csrf") or ""}


async def _course_with_assessment(client: Client, platform: StandInPlatform) -> tuple[str, str]:
    first, _t, _s = await launch(client, platform, sub="teacher-pick", roles=(INSTRUCTOR,), resource_link_id="setup")
    course_id = first.headers["location"].removeprefix("/courses/")
    created = await client.post(
        f"/api/courses/{course_id}/assessments",
        json={"title": "Loops lab", "kind": "assignment"},
        headers=_csrf(client),
    )
    assert created.status_code == 201, created.text
    client.cookies.clear()
    return course_id, created.json()["assessment"]["id"]


async def test_instructor_picks_an_assessment_and_the_platform_gets_a_signed_item(
    client: Client, registered: StandInPlatform
) -> None:
    course_id, assessment_id = await _course_with_assessment(client, registered)
    resp, _t, _s = await launch(
        client,
        registered,
        sub="teacher-pick",
        roles=(INSTRUCTOR,),
        extra=_deep_link_claims(return_url=f"{registered.url}/deep-link-return"),
    )
    assert resp.status_code == 303, resp.text[-2000:]
    picker = resp.headers["location"]
    assert picker.startswith("/lti/deep-link/")
    page = await client.get(picker)
    assert page.status_code == 200
    assert "Loops lab" in page.text
    assert f'data-deep-link-choose="{assessment_id}"' in page.text
    assert f"form-action 'self' {registered.url}" in page.headers["content-security-policy"]
    assert "x-verdict-form-action" not in page.headers

    token = picker.removeprefix("/lti/deep-link/")
    chosen = await client.post(
        f"/api/lti/deep-link/{token}", json={"assessmentId": assessment_id}, headers=_csrf(client)
    )
    assert chosen.status_code == 200, chosen.text
    answer = chosen.json()
    assert answer["returnUrl"] == f"{registered.url}/deep-link-return"
    async with httpx.AsyncClient() as browser:  # the browser posts the form to the LMS
        received = await browser.post(answer["returnUrl"], data={"JWT": answer["jwt"]})
    assert received.status_code == 200, received.text
    claims = registered.deep_links[-1]
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data-42"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Loops lab"
    assert item["url"].endswith("/lti/launch")
    assert item["custom"] == {"verdict_assessment_id": assessment_id}
    assert item["lineItem"]["scoreMaximum"] == 100

    again = await client.post(
        f"/api/lti/deep-link/{token}", json={"assessmentId": assessment_id}, headers=_csrf(client)
    )
    assert again.status_code == 404  # used once

    client.cookies.clear()  # a student opens the new activity: the LMS launches it with the item's custom parameter
    opened, _t, _s = await launch(
        client, registered, sub="learner-pick", roles=(LEARNER,), resource_link_id="picked-1", custom=item["custom"]
    )
    assert opened.status_code == 303, opened.text[-2000:]
    assert opened.headers["location"] == f"/courses/{course_id}/assessments/{assessment_id}"


async def test_the_picker_serves_only_its_person_and_only_the_requests_course(
    client: Client, registered: StandInPlatform
) -> None:
    _course_id, assessment_id = await _course_with_assessment(client, registered)
    resp, _t, _s = await launch(client, registered, sub="teacher-pick", roles=(INSTRUCTOR,), extra=_deep_link_claims())
    token = resp.headers["location"].removeprefix("/lti/deep-link/")
    client.cookies.clear()  # someone else, signed in through the LMS as staff of another course
    elsewhere, _t, _s = await launch(
        client, registered, sub="teacher-other", roles=(INSTRUCTOR,), context_id="course-other"
    )
    other_course = elsewhere.headers["location"].removeprefix("/courses/")
    assert (await client.get(f"/lti/deep-link/{token}")).status_code == 403
    stolen = await client.post(
        f"/api/lti/deep-link/{token}", json={"assessmentId": assessment_id}, headers=_csrf(client)
    )
    assert stolen.status_code == 403
    other = await client.post(
        f"/api/courses/{other_course}/assessments", json={"title": "Elsewhere", "kind": "quiz"}, headers=_csrf(client)
    )
    assert other.status_code == 201, other.text
    client.cookies.clear()
    await launch(client, registered, sub="teacher-pick", roles=(INSTRUCTOR,), resource_link_id="setup")
    foreign = await client.post(
        f"/api/lti/deep-link/{token}", json={"assessmentId": other.json()["assessment"]["id"]}, headers=_csrf(client)
    )
    assert foreign.status_code == 400  # not an assessment of the request's course
    assert (await client.get("/lti/deep-link/not-a-token")).status_code == 404
    assert registered.deep_links == []


async def test_a_placement_that_accepts_no_resource_link_is_refused(
    client: Client, registered: StandInPlatform
) -> None:
    resp, _t, _s = await launch(
        client, registered, sub="teacher-dl3", roles=(INSTRUCTOR,), extra=_deep_link_claims(accept=("file",))
    )
    assert resp.status_code == 400, resp.text[-2000:]
    assert "resource link" in resp.text  # pylti1p3 refuses it first; our own check says the same
    assert "verdict_access" not in resp.headers.get("set-cookie", "")
