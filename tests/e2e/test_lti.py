"""LTI 1.3 in the browser, against a stand-in LMS started by the test (its own keys, OIDC authorization page, deep-
linking return): an instructor opens Verdict from the LMS (login initiation, the LMS's auto-posted id_token) and lands
signed in on the new course; later, adding content from the LMS editor, they get Verdict's picker, press Choose, and
the page's script posts the signed LtiDeepLinkingResponse to the LMS, which verifies it against Verdict's JWKS."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.helpers import DEMO_PASSWORD
from tests.e2e.test_accessibility import violations
from tests.e2e.test_dashboards import IMAGES
from tests.e2e.test_grading import _token
from tests.integration.lti.lti_platform import CLAIM, INSTRUCTOR, StandInPlatform, serve_platform
from tests.support.fleet import JudgeFleet

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


async def _shot(page: Page, name: str) -> None:
    """With VERDICT_SCREENSHOTS=1 the run also takes the manual's picture (docs/images/<name>.png)."""
    if os.environ.get("VERDICT_SCREENSHOTS") == "1":
        await page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=False)


@pytest.fixture
async def lms(site: JudgeFleet) -> AsyncIterator[StandInPlatform]:
    """A stand-in LMS, registered on the site by its administrator and knowing the site's JWKS."""
    with serve_platform() as platform:
        async with httpx.AsyncClient(base_url=site.api_url, timeout=30) as http:
            admin = await _token(http, "admin@example.com", DEMO_PASSWORD)
            created = await http.post("/api/admin/lti/platforms", json=platform.registration(), headers=admin)
            assert created.status_code == 201, created.text
            platform.tool_jwks = (await http.get("/lti/jwks")).json()
        yield platform


async def _open_from_lms(page: Page, site: JudgeFleet, lms: StandInPlatform) -> None:
    """What the LMS makes the browser do: initiate login at the tool (the rest is redirects and form posts)."""
    query = {
        "iss": lms.issuer,
        "login_hint": "hint-e2e",
        "target_link_uri": f"{site.api_url}/lti/launch",
        "client_id": lms.client_id,
        "lti_deployment_id": lms.deployment_id,
    }
    await page.goto(f"{site.api_url}/lti/login?{urlencode(query)}")


async def test_an_instructor_opens_verdict_from_the_lms_and_adds_an_assessment_by_deep_linking(
    page: Page, context: BrowserContext, site: JudgeFleet, lms: StandInPlatform
) -> None:
    teacher = f"moodle-teacher-{uuid.uuid4().hex[:6]}"
    lms_course = f"moodle-course-{uuid.uuid4().hex[:6]}"
    target = {CLAIM + "target_link_uri": f"{site.api_url}/lti/launch", "name": "Grace Hopper"}
    launch: dict[str, Any] = {
        "sub": teacher,
        "roles": (INSTRUCTOR,),
        "context_id": lms_course,
        "resource_link_id": "week-1",
        "extra": target,
    }
    lms.next_launch = launch
    await _open_from_lms(page, site, lms)
    await expect(page).to_have_url(re.compile(r"/courses/[0-9a-f-]{36}$"))
    await expect(page.locator(".account-name")).to_have_text("Grace Hopper")
    course_id = page.url.rsplit("/", 1)[1]

    csrf = next(c["value"] for c in await context.cookies() if c["name"] == "verdict_csrf")
    created = await page.request.post(
        f"/api/courses/{course_id}/assessments",
        data={"title": "Loops lab", "kind": "assignment"},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status == 201, await created.text()
    assessment_id = (await created.json())["assessment"]["id"]

    # Later, in the LMS's activity editor: "Select content" sends a deep-linking request.
    return_url = f"{lms.url}/deep-link-return"
    lms.next_launch = {
        **launch,
        "extra": {
            **target,
            CLAIM + "message_type": "LtiDeepLinkingRequest",
            DL + "deep_linking_settings": {
                "deep_link_return_url": return_url,
                "data": "moodle-form-7",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window"],
            },
        },
    }
    await _open_from_lms(page, site, lms)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Add a Verdict assessment to the LMS")
    assert await violations(page) == []
    row = page.locator(f'[data-assessment-row="{assessment_id}"]')
    await expect(row).to_contain_text("Loops lab (draft)")
    await _shot(page, "lti-deep-link")
    await row.get_by_role("button", name="Choose").click()

    await expect(page).to_have_url(return_url)  # the browser carried the signed answer to the LMS
    assert len(lms.deep_links) == 1
    claims = lms.deep_links[0]
    assert claims[DL + "data"] == "moodle-form-7"
    (item,) = claims[DL + "content_items"]
    assert item["title"] == "Loops lab"
    assert item["custom"] == {"verdict_assessment_id": assessment_id}
    assert item["lineItem"]["scoreMaximum"] == 100
