"""Files through the API on both storage back ends: attachments staff hand out and who may download them, file
answers, the staff's overview, and how downloads are served (an attachment, never rendered; a signed URL on S3)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
from litestar import Litestar

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client, sign_in
from tests.integration.files.support import assessment_with, download, remember_course, stored_nothing, upload


async def test_attachments_reach_exactly_those_who_may_see_them(
    client: Client, cast: Cast, app: Litestar, settings: Settings
) -> None:
    remember_course(cast)
    staff = cast.instructor.headers
    base = f"/api/courses/{cast.course_id}"
    aid, _qid = await assessment_with(client, cast, {"type": "essay", "promptMd": "Explain."}, publish=False)
    starter = await upload(
        client, cast.instructor, "starter.py", b"print('hello')\n", purpose="attachment", assessmentId=aid
    )
    assert starter.status_code == 201, starter.text
    [view] = starter.json()["files"]
    assert (view["name"], view["size"], view["purpose"]) == ("starter.py", 15, "attachment")
    assert view["sha256"] == hashlib.sha256(b"print('hello')\n").hexdigest()
    material = await upload(client, cast.ta, "data.csv", b"a,b\n1,2\n", purpose="attachment")
    assert material.status_code == 201, material.text
    fid, mid = view["id"], material.json()["files"][0]["id"]

    # Draft assessment: its attachment is hidden from students (404), course material is not.
    assert (await download(client, cast.student, cast.course_id, fid)).status_code == 404
    got = await download(client, cast.student, cast.course_id, mid)
    assert got.status_code == 200
    assert got.content == b"a,b\n1,2\n"
    assert (
        await client.post(f"{base}/assessments/{aid}/publish", json={"published": True}, headers=staff)
    ).status_code == 200
    got = await download(client, cast.student, cast.course_id, fid)
    assert got.status_code == 200
    assert got.content == b"print('hello')\n"
    assert got.headers["content-disposition"].startswith('attachment; filename="starter.py"')

    for caller in (cast.outsider, cast.anonymous):
        denied = await client.get(f"{base}/files/{fid}", headers=caller.headers, follow_redirects=False)
        assert denied.status_code in (401, 403)
    other_course = await client.post(
        "/api/courses", json={"title": "Other", "code": "OTHER-1", "term": "t"}, headers=staff
    )
    other = other_course.json()["id"]
    assert (await client.get(f"/api/courses/{other}/files/{fid}", headers=staff)).status_code == 404

    student_attach = await upload(client, cast.student, "x.txt", b"x", purpose="attachment")
    assert student_attach.status_code == 403
    listed = (await client.get(f"{base}/files?purpose=attachment", headers=cast.student.headers)).json()["files"]
    assert {f["name"] for f in listed} == {"starter.py", "data.csv"}
    await stored_nothing_extra(client, app, settings, cast, expected=2)


async def stored_nothing_extra(client: Client, app: Litestar, settings: Settings, cast: Cast, *, expected: int) -> None:
    overview = (await client.get(f"/api/courses/{cast.course_id}/files/overview", headers=cast.ta.headers)).json()
    assert overview["totals"]["count"] == expected
    assert overview["totals"]["bytes"] == sum(f["size"] for f in overview["files"])
    assert await stored_nothing(app, settings, allow=expected)


async def test_an_uploaded_html_page_downloads_as_a_file_and_never_renders(
    client: Client, cast: Cast, backend: str
) -> None:
    remember_course(cast)
    page = b"<html><script>alert(document.cookie)</script></html>"
    made = await upload(client, cast.instructor, "page.html", page, purpose="attachment")
    assert made.status_code == 201, made.text
    fid = made.json()["files"][0]["id"]
    resp = await client.get(
        f"/api/courses/{cast.course_id}/files/{fid}", headers=cast.student.headers, follow_redirects=False
    )
    if backend == "s3":
        assert resp.status_code == 302
        assert resp.headers["cache-control"] == "private, no-store"
        signed = resp.headers["location"]
        assert "X-Amz-Expires=60" in signed
        async with httpx.AsyncClient() as direct:
            resp = await direct.get(signed)
    assert resp.status_code == 200
    assert resp.content == page
    assert resp.headers["content-type"].startswith("application/octet-stream")
    assert resp.headers["content-disposition"].startswith('attachment; filename="page.html"')
    if backend == "local":
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in resp.headers["content-security-policy"]


async def test_a_file_answer_takes_allowed_files_until_the_attempt_is_handed_in(
    client: Client, cast: Cast, app: Litestar, settings: Settings
) -> None:
    remember_course(cast)
    question: dict[str, Any] = {
        "type": "file_answer",
        "promptMd": "Upload your report.",
        "allowedExtensions": ["txt", ".PDF"],
    }
    aid, qid = await assessment_with(client, cast, question, kind="assignment")
    base = f"/api/courses/{cast.course_id}/assessments/{aid}"
    target = {"assessmentId": aid, "questionId": qid}
    not_started = await upload(client, cast.student, "report.txt", b"x", purpose="answer", **target)
    assert not_started.status_code == 404
    assert (await client.post(f"{base}/attempt", headers=cast.student.headers)).status_code == 200
    wrong_kind = await upload(client, cast.student, "report.exe", b"MZ", purpose="answer", **target)
    assert wrong_kind.status_code == 400
    assert ".pdf, .txt" in wrong_kind.json()["detail"]
    first = await upload(client, cast.student, "report.txt", b"r" * 3500, purpose="answer", **target)
    assert first.status_code == 201, first.text
    second = await upload(client, cast.student, "figures.pdf", b"%PDF" + b"f" * 3000, purpose="answer", **target)
    assert second.status_code == 413  # 3500 + 3004 > the 6144-byte cap for one answer
    assert "all files of one answer" in second.json()["detail"]
    saved = await client.put(f"{base}/attempt/answers/{qid}", json={"text": "report.txt"}, headers=cast.student.headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["answers"][0]["waitingForGrader"] is True
    # Another student of the course cannot fetch it (not found); the TA can.
    fid = first.json()["files"][0]["id"]
    other = await sign_in(client, settings, "classmate", m.Role.STUDENT)
    joined = await client.post("/api/courses/join", json={"code": cast.join_code}, headers=other.headers)
    assert joined.status_code == 200, joined.text
    assert (await download(client, other, cast.course_id, fid)).status_code == 404
    assert (await download(client, cast.ta, cast.course_id, fid)).content == b"r" * 3500
    mine = (await client.get(f"/api/courses/{cast.course_id}/files?mine=true", headers=cast.student.headers)).json()
    assert [f["name"] for f in mine["files"]] == ["report.txt"]

    assert (await client.post(f"{base}/attempt/submit", headers=cast.student.headers)).status_code == 200
    late = await upload(client, cast.student, "late.txt", b"late", purpose="answer", **target)
    assert late.status_code == 409
    gone = await client.delete(f"/api/courses/{cast.course_id}/files/{fid}", headers=cast.student.headers)
    assert gone.status_code == 409
    graded = await client.put(
        f"{base}/results/{cast.student.user_id}/answers/{qid}", json={"percent": 80}, headers=cast.instructor.headers
    )
    assert graded.status_code == 200, graded.text
    assert await stored_nothing(app, settings, allow=1)


async def test_staff_see_every_file_of_the_course_with_sizes_and_totals(client: Client, cast: Cast) -> None:
    remember_course(cast)
    assert (await upload(client, cast.instructor, "a.txt", b"a" * 100, purpose="attachment")).status_code == 201
    assert (
        await upload(client, cast.student, "main.py", b"print(1)\n", purpose="submission_source")
    ).status_code == 201
    overview = await client.get(f"/api/courses/{cast.course_id}/files/overview", headers=cast.ta.headers)
    assert overview.status_code == 200
    body = overview.json()
    assert sorted((f["name"], f["size"], f["ownerName"]) for f in body["files"]) == [
        ("a.txt", 100, "Instructor"),
        ("main.py", 9, "Student"),
    ]
    totals = body["totals"]
    assert (totals["count"], totals["bytes"], totals["attachmentBytes"], totals["submissionSourceBytes"]) == (
        2,
        109,
        100,
        9,
    )
    assert (
        await client.get(f"/api/courses/{cast.course_id}/files/overview", headers=cast.student.headers)
    ).status_code == 403
    # A student's own upload is theirs; another student's is not found, and staff may delete it.
    sid = next(f["id"] for f in body["files"] if f["name"] == "main.py")
    assert (await download(client, cast.student, cast.course_id, sid)).status_code == 200
    deleted = await client.delete(f"/api/courses/{cast.course_id}/files/{sid}", headers=cast.instructor.headers)
    assert deleted.status_code == 204
    assert (await download(client, cast.student, cast.course_id, sid)).status_code == 404


async def _problem(settings: Settings, *, published: bool) -> str:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            problem = m.Problem(
                slug=f"files-{uuid.uuid4().hex[:8]}",
                title="With starter code",
                languages=["python3"],
                visibility=m.ProblemVisibility.PUBLISHED if published else m.ProblemVisibility.DRAFT,
            )
            session.add(problem)
            await session.commit()
            return problem.slug
    finally:
        await engine.dispose()


async def test_problem_attachments_follow_the_problem_into_the_course(
    client: Client, cast: Cast, settings: Settings
) -> None:
    remember_course(cast)
    staff = cast.instructor.headers
    ids = {}
    for published in (True, False):
        slug = await _problem(settings, published=published)
        attached = await client.post(f"/api/courses/{cast.course_id}/problems", json={"slug": slug}, headers=staff)
        assert attached.status_code == 201, attached.text
        problem_id = next(p["problemId"] for p in attached.json() if p["slug"] == slug)
        made = await upload(
            client, cast.ta, "starter.py", b"# start here\n", purpose="attachment", problemId=problem_id
        )
        assert made.status_code == 201, made.text
        ids[published] = made.json()["files"][0]["id"]
    assert (await download(client, cast.student, cast.course_id, ids[True])).content == b"# start here\n"
    assert (await download(client, cast.student, cast.course_id, ids[False])).status_code == 404  # a draft's
    assert (await download(client, cast.ta, cast.course_id, ids[False])).status_code == 200
    foreign = await upload(client, cast.ta, "x.py", b"x", purpose="attachment", problemId=str(uuid.uuid4()))
    assert foreign.status_code == 404  # not a problem of this course
