"""The course pages render for the people who may see them, show what the course has, and refuse the others."""

from __future__ import annotations

from tests.integration.courses.conftest import Cast, Client


async def test_course_pages_for_staff_students_and_outsiders(client: Client, cast: Cast) -> None:
    base = f"/api/courses/{cast.course_id}"
    await client.post(
        "/api/problems",
        json={"slug": "pg-one", "title": "Page one", "visibility": "published"},
        headers=cast.instructor.headers,
    )
    await client.post(f"{base}/problems", json={"slug": "pg-one"}, headers=cast.instructor.headers)
    await client.post(f"{base}/groups", json={"name": "Lab Z"}, headers=cast.instructor.headers)

    mine = await client.get("/courses", headers=cast.student.headers)
    assert mine.status_code == 200
    assert "Programming 1" in mine.text
    assert 'href="/courses"' in mine.text  # the nav link

    home = await client.get(f"/courses/{cast.course_id}", headers=cast.student.headers)
    assert home.status_code == 200
    assert "Page one" in home.text
    assert cast.join_code not in home.text  # students do not see the join code
    assert "No assessments yet." in home.text  # the assessments section (tests/integration/assessments/)

    staff_home = await client.get(f"/courses/{cast.course_id}", headers=cast.ta.headers)
    assert cast.join_code in staff_home.text
    assert "1 student" in staff_home.text

    people = await client.get(f"/courses/{cast.course_id}/people", headers=cast.ta.headers)
    assert people.status_code == 200
    assert str(cast.student.email) in people.text
    assert "Lab Z" in people.text
    for tail in ("roster", "submissions", f"submissions?student={cast.student.user_id}"):
        resp = await client.get(f"/courses/{cast.course_id}/{tail}", headers=cast.instructor.headers)
        assert resp.status_code == 200, (tail, resp.text[:300])

    for tail in ("people", "roster", "submissions"):
        assert (await client.get(f"/courses/{cast.course_id}/{tail}", headers=cast.student.headers)).status_code == 403
    outsider = await client.get(f"/courses/{cast.course_id}", headers=cast.outsider.headers)
    assert outsider.status_code == 403
    assert "not a member" in outsider.text
    signed_out = await client.get(f"/courses/{cast.course_id}", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")
    assert (await client.get("/courses/new", headers=cast.student.headers)).status_code == 403
    assert (await client.get("/courses/new", headers=cast.instructor.headers)).status_code == 200
    join = await client.get("/courses/join?invite=abc", headers=cast.outsider.headers)
    assert join.status_code == 200
    assert 'value="abc"' in join.text
