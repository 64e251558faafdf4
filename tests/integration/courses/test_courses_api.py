"""Courses over the API: creating, joining (good, wrong, expired and replaced codes; invite links), people and
roles, groups and levels, problem sets with private problems, the staff submissions view and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client, sign_in


async def test_only_instructors_and_admins_create_courses(client: Client, cast: Cast) -> None:
    body = {"title": "T", "code": "X-1"}
    assert (await client.post("/api/courses", json=body, headers=cast.student.headers)).status_code == 403
    assert (await client.post("/api/courses", json=body)).status_code == 401
    resp = await client.post("/api/courses", json=body, headers=cast.admin.headers)
    assert resp.status_code == 201
    assert resp.json()["myRole"] == "instructor"
    again = await client.post("/api/courses", json={"title": "T2", "code": "x-1"}, headers=cast.instructor.headers)
    assert again.status_code == 409
    assert "exists already" in again.json()["detail"]


async def test_my_courses_lists_each_callers_role(client: Client, cast: Cast) -> None:
    for caller, role in ((cast.student, "student"), (cast.ta, "ta"), (cast.instructor, "instructor")):
        items = (await client.get("/api/courses", headers=caller.headers)).json()["items"]
        assert [(i["id"], i["myRole"]) for i in items] == [(str(cast.course_id), role)]
        assert (items[0]["joinCode"] is None) == (role == "student")
    assert (await client.get("/api/courses", headers=cast.outsider.headers)).json()["items"] == []
    admin_items = (await client.get("/api/courses", headers=cast.admin.headers)).json()["items"]
    assert [i["myRole"] for i in admin_items] == [None]


async def test_wrong_expired_and_replaced_join_codes_say_which(client: Client, cast: Cast, settings: Settings) -> None:
    wrong = await client.post("/api/courses/join", json={"code": "NOPE1234"}, headers=cast.outsider.headers)
    assert wrong.status_code == 400
    assert "no course has this join code" in wrong.json()["detail"]
    rotated = await client.post(
        f"/api/courses/{cast.course_id}/join-code", json={"expiresInHours": 2}, headers=cast.instructor.headers
    )
    assert rotated.status_code == 200
    new_code = rotated.json()["joinCode"]
    assert new_code != cast.join_code
    old = await client.post("/api/courses/join", json={"code": cast.join_code}, headers=cast.outsider.headers)
    assert old.status_code == 400
    assert "replaced by a new one" in old.json()["detail"]
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        await session.execute(
            update(m.Course)
            .where(m.Course.id == cast.course_id)
            .values(join_code_expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await session.commit()
    await engine.dispose()
    expired = await client.post("/api/courses/join", json={"code": new_code}, headers=cast.outsider.headers)
    assert expired.status_code == 400
    assert "expired" in expired.json()["detail"]
    assert (await client.get(f"/api/courses/{cast.course_id}", headers=cast.outsider.headers)).status_code == 403


async def test_join_code_is_forgiving_about_case_and_spaces_and_joining_twice(client: Client, cast: Cast) -> None:
    messy = " " + cast.join_code[:4].lower() + "-" + cast.join_code[4:] + " "
    first = await client.post("/api/courses/join", json={"code": messy}, headers=cast.outsider.headers)
    assert first.status_code == 200
    assert first.json()["myRole"] == "student"
    again = await client.post("/api/courses/join", json={"code": cast.join_code}, headers=cast.outsider.headers)
    assert again.status_code == 200
    members = (await client.get(f"/api/courses/{cast.course_id}/members", headers=cast.ta.headers)).json()
    assert sum(1 for p in members if p["userId"] == str(cast.outsider.user_id)) == 1
    # a TA who joins "again" by code keeps the TA role
    ta = await client.post("/api/courses/join", json={"code": cast.join_code}, headers=cast.ta.headers)
    assert ta.json()["myRole"] == "ta"


async def test_invite_link_joins_and_rotating_it_kills_the_old_one(client: Client, cast: Cast) -> None:
    course = (await client.get(f"/api/courses/{cast.course_id}", headers=cast.instructor.headers)).json()
    secret = course["invitePath"].split("invite=", 1)[1]
    rotated = await client.post(f"/api/courses/{cast.course_id}/invite-link", headers=cast.instructor.headers)
    assert rotated.json()["invitePath"] != course["invitePath"]
    old = await client.post("/api/courses/join", json={"invite": secret}, headers=cast.outsider.headers)
    assert old.status_code == 400
    assert "invite link is not valid" in old.json()["detail"]
    fresh = rotated.json()["invitePath"].split("invite=", 1)[1]
    assert (
        await client.post("/api/courses/join", json={"invite": fresh}, headers=cast.outsider.headers)
    ).status_code == 200


async def test_archived_course_takes_nobody_new(client: Client, cast: Cast) -> None:
    assert (await client.post(f"/api/courses/{cast.course_id}/archive", headers=cast.instructor.headers)).json()[
        "archived"
    ]
    resp = await client.post("/api/courses/join", json={"code": cast.join_code}, headers=cast.outsider.headers)
    assert resp.status_code == 400
    assert "archived" in resp.json()["detail"]


async def test_roles_are_per_course_and_only_instructors_grant_staff_roles(
    client: Client, cast: Cast, settings: Settings
) -> None:
    url = f"/api/courses/{cast.course_id}/members/{cast.student.user_id}"
    ta_tries = await client.patch(url, json={"role": "ta"}, headers=cast.ta.headers)
    assert ta_tries.status_code == 403
    ok = await client.patch(url, json={"role": "ta"}, headers=cast.instructor.headers)
    assert ok.status_code == 200
    assert ok.json()["role"] == "ta"
    # the TA of this course is a student in another one
    other = await client.post(
        "/api/courses", json={"title": "Other", "code": "OTHER-1"}, headers=cast.instructor.headers
    )
    await client.post("/api/courses/join", json={"code": other.json()["joinCode"]}, headers=cast.ta.headers)
    mine = {i["code"]: i["myRole"] for i in (await client.get("/api/courses", headers=cast.ta.headers)).json()["items"]}
    assert mine["OTHER-1"] == "student"
    assert "ta" in mine.values()
    last = await client.patch(
        f"/api/courses/{cast.course_id}/members/{cast.instructor.user_id}",
        json={"role": "student"},
        headers=cast.instructor.headers,
    )
    assert last.status_code == 409
    assert "at least one instructor" in last.json()["detail"]
    removed = await client.delete(
        f"/api/courses/{cast.course_id}/members/{cast.outsider.user_id}", headers=cast.ta.headers
    )
    assert removed.status_code == 404
    gone = await client.delete(url, headers=cast.instructor.headers)
    assert gone.status_code == 204
    assert (await client.get(f"/api/courses/{cast.course_id}", headers=cast.student.headers)).status_code == 403


async def test_groups_levels_and_bulk_assignment(client: Client, cast: Cast) -> None:
    base = f"/api/courses/{cast.course_id}"
    group = (await client.post(f"{base}/groups", json={"name": "Lab A"}, headers=cast.ta.headers)).json()
    dup = await client.post(f"{base}/groups", json={"name": "lab a"}, headers=cast.ta.headers)
    assert dup.status_code == 409
    beginner = (await client.post(f"{base}/levels", json={"name": "Beginner"}, headers=cast.instructor.headers)).json()
    advanced = (await client.post(f"{base}/levels", json={"name": "Advanced"}, headers=cast.instructor.headers)).json()
    assert (beginner["position"], advanced["position"]) == (0, 1)
    resp = await client.post(
        f"{base}/members/assign",
        json={
            "userIds": [str(cast.student.user_id), str(cast.ta.user_id)],
            "groupId": group["id"],
            "levelId": beginner["id"],
        },
        headers=cast.ta.headers,
    )
    assert resp.status_code == 200
    assert resp.json() == {"updated": 2}
    members = {p["userId"]: p for p in (await client.get(f"{base}/members", headers=cast.ta.headers)).json()}
    assert members[str(cast.student.user_id)]["group"] == "Lab A"
    assert members[str(cast.student.user_id)]["level"] == "Beginner"
    stranger = await client.post(
        f"{base}/members/assign",
        json={"userIds": [str(cast.outsider.user_id)], "groupId": None},
        headers=cast.ta.headers,
    )
    assert stranger.status_code == 400
    assert "nothing was changed" in stranger.json()["detail"]
    groups = (await client.get(f"{base}/groups", headers=cast.ta.headers)).json()
    assert groups == [{"id": group["id"], "name": "Lab A", "memberCount": 2}]
    assert (await client.get(f"{base}/groups", headers=cast.student.headers)).status_code == 403


async def test_course_problems_and_private_problems_are_for_members_only(client: Client, cast: Cast) -> None:
    base = f"/api/courses/{cast.course_id}"
    library = await client.post(
        "/api/problems",
        json={"slug": "lib-sum", "title": "Sum", "visibility": "published"},
        headers=cast.instructor.headers,
    )
    assert library.status_code == 201, library.text
    attach = await client.post(f"{base}/problems", json={"slug": "lib-sum"}, headers=cast.instructor.headers)
    assert attach.status_code == 201
    private = await client.post(
        f"{base}/problems/private",
        json={"slug": "course-only", "title": "Course only", "visibility": "published"},
        headers=cast.instructor.headers,
    )
    assert private.status_code == 201, private.text
    listed = (await client.get(f"{base}/problems", headers=cast.student.headers)).json()
    assert [(p["slug"], p["private"]) for p in listed] == [("lib-sum", False), ("course-only", True)]
    assert (await client.get("/api/problems/course-only", headers=cast.student.headers)).status_code == 200
    assert (await client.get("/api/problems/course-only", headers=cast.outsider.headers)).status_code == 404
    outsider_list = (await client.get("/api/problems", headers=cast.outsider.headers)).json()["items"]
    assert "course-only" not in [p["slug"] for p in outsider_list]
    assert (await client.get(f"{base}/problems", headers=cast.outsider.headers)).status_code == 403
    problem_id = listed[0]["problemId"]
    assert (await client.delete(f"{base}/problems/{problem_id}", headers=cast.ta.headers)).status_code == 403
    assert (await client.delete(f"{base}/problems/{problem_id}", headers=cast.instructor.headers)).status_code == 204


async def test_staff_submissions_show_only_the_course(client: Client, cast: Cast, settings: Settings) -> None:
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        inside = m.Problem(slug="in-course", title="In", visibility=m.ProblemVisibility.PUBLISHED)
        outside = m.Problem(slug="elsewhere", title="Out", visibility=m.ProblemVisibility.PUBLISHED)
        session.add_all([inside, outside])
        await session.flush()
        session.add(m.CourseProblem(course_id=cast.course_id, problem_id=inside.id))
        for user, problem, verdict, lang in (
            (cast.student, inside, "AC", "python3"),
            (cast.student, inside, "WA", "cpp17"),
            (cast.student, outside, "AC", "python3"),
            (cast.outsider, inside, "AC", "python3"),
        ):
            session.add(
                m.Submission(
                    user_id=user.user_id,
                    problem_id=problem.id,
                    language=lang,
                    verdict=verdict,
                    status=m.SubmissionStatus.DONE,
                )
            )
        await session.commit()
    await engine.dispose()
    base = f"/api/courses/{cast.course_id}/submissions"
    page = (await client.get(base, headers=cast.ta.headers)).json()
    assert page["total"] == 2
    assert {s["verdict"] for s in page["items"]} == {"AC", "WA"}
    assert all(s["userEmail"] == cast.student.email for s in page["items"])
    wa = (await client.get(base, params={"verdict": "WA"}, headers=cast.ta.headers)).json()
    assert [s["language"] for s in wa["items"]] == ["cpp17"]
    per_student = await client.get(
        base, params={"userId": str(cast.student.user_id), "language": "python3"}, headers=cast.ta.headers
    )
    assert per_student.json()["total"] == 1
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (await client.get(base, params={"since": future}, headers=cast.ta.headers)).json()["total"] == 0
    assert (await client.get(base, headers=cast.student.headers)).status_code == 403
    # the TA (a platform student) may open the course's submissions, but not the outside one
    sub_id = page["items"][0]["id"]
    assert (await client.get(f"/api/submissions/{sub_id}", headers=cast.ta.headers)).status_code == 200


async def test_every_membership_change_is_audited(client: Client, cast: Cast, settings: Settings) -> None:
    base = f"/api/courses/{cast.course_id}"
    await client.patch(f"{base}/members/{cast.student.user_id}", json={"role": "ta"}, headers=cast.instructor.headers)
    await client.delete(f"{base}/members/{cast.student.user_id}", headers=cast.instructor.headers)
    log = (await client.get(f"{base}/audit", headers=cast.instructor.headers)).json()
    actions = [e["action"] for e in log]
    assert actions[:3] == ["member_removed", "member_updated", "member_added"]
    assert "member_joined" in actions
    assert "course_created" in actions
    assert log[1]["details"]["changes"] == {"role": ["student", "ta"]}
    assert log[1]["actor"] == cast.instructor.email
    assert (await client.get(f"{base}/audit", headers=cast.ta.headers)).status_code == 200  # course staff read it
    assert (await client.get(f"{base}/audit", headers=cast.student.headers)).status_code == 403
    _ = await sign_in(client, settings, "late", m.Role.STUDENT)


async def test_join_codes_cannot_be_guessed_quickly(client: Client, cast: Cast) -> None:
    statuses = [
        (
            await client.post("/api/courses/join", json={"code": f"GUESS{i:03d}"}, headers=cast.outsider.headers)
        ).status_code
        for i in range(21)
    ]
    assert statuses == [400] * 20 + [429]


async def test_the_openapi_schema_documents_the_course_routes(client: Client) -> None:
    schema = (await client.get("/api/docs/openapi.json")).json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op}
    assert {
        "CreateCourse",
        "JoinCourse",
        "ImportCourseRoster",
        "PreviewCourseRoster",
        "ListCourseSubmissions",
    } <= operations
    assert "/api/courses/{course_id}/members/{user_id}" in schema["paths"]


async def test_another_courses_instructor_cannot_change_a_private_problem(
    client: Client, cast: Cast, settings: Settings
) -> None:
    created = await client.post(
        f"/api/courses/{cast.course_id}/problems/private",
        json={"slug": "secret-one", "title": "Secret", "visibility": "published"},
        headers=cast.instructor.headers,
    )
    assert created.status_code == 201
    other = await sign_in(client, settings, "other-teacher", m.Role.INSTRUCTOR)
    for method, tail, body in (
        ("GET", "", None),
        ("PATCH", "", {"title": "Mine now"}),
        ("POST", "/rejudge", None),
    ):
        resp = await client.request(method, f"/api/problems/secret-one{tail}", json=body, headers=other.headers)
        assert resp.status_code == 404, (method, tail, resp.text)
    mine = await client.patch(
        "/api/problems/secret-one", json={"title": "Still secret"}, headers=cast.instructor.headers
    )
    assert mine.status_code == 200
    assert (
        await client.patch("/api/problems/secret-one", json={"title": "x"}, headers=cast.admin.headers)
    ).status_code == 200
