"""The community pages render for members (with the bell on every page) and send others away; "Ask about this"
names a visible test of one's own submission and never a hidden one."""

from __future__ import annotations

from tests.integration.community.support import Cast, Client


async def test_community_pages_render_for_members(client: Client, cast: Cast) -> None:
    await client.post(
        f"/api/courses/{cast.course_id}/announcements",
        json={"title": "Welcome", "body": "<b onclick='x()'>hi</b> **there**"},
        headers=cast.instructor.headers,
    )
    for path in ("announcements", "chat", "questions"):
        page = await client.get(f"/courses/{cast.course_id}/{path}", headers=cast.student.headers)
        assert page.status_code == 200, (path, page.text[:300])
        assert "data-bell" in page.text
    announcements = (await client.get(f"/courses/{cast.course_id}/announcements", headers=cast.student.headers)).text
    assert "<strong>there</strong>" in announcements
    assert "<b onclick" not in announcements  # shown as text, inert
    assert "data-announce " not in announcements  # the posting form is for staff
    staff_view = await client.get(f"/courses/{cast.course_id}/announcements", headers=cast.ta.headers)
    assert "data-announce " in staff_view.text
    assert (await client.get("/notifications", headers=cast.student.headers)).status_code == 200
    assert (await client.get(f"/courses/{cast.course_id}/chat", headers=cast.outsider.headers)).status_code == 403
    by_test = await client.get(f"/courses/{cast.course_id}/questions/by-test", headers=cast.student.headers)
    assert by_test.status_code == 403
    assert (
        await client.get(f"/courses/{cast.course_id}/questions/by-test", headers=cast.ta.headers)
    ).status_code == 200
    course = await client.get(f"/courses/{cast.course_id}", headers=cast.student.headers)
    assert f"/courses/{cast.course_id}/chat" in course.text
    profile = await client.get("/profile", headers=cast.student.headers)
    assert "data-notification-prefs" in profile.text
