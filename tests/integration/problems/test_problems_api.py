"""Problems over HTTP: instructors create and edit, students see published problems, statements render safely."""

from __future__ import annotations

from api.db.seed import seed
from api.settings import Settings
from tests.integration.problems.support import Client, People

STATEMENT = (
    "# Sum\n\nPrint $a + b$.\n\n$$\na^2\n$$\n\n```python\nprint(1)\n```\n\n<script>alert(1)</script>\n"
    "[x](javascript:alert(1))"
)


async def _create(client: Client, people: People, slug: str, **fields: object) -> dict[str, object]:
    body = {"slug": slug, "title": "Sum", "statementMd": STATEMENT, "tags": ["math"], **fields}
    resp = await client.post("/api/problems", json=body, headers=people.instructor.headers)
    assert resp.status_code == 201, resp.text
    result: dict[str, object] = resp.json()
    return result


async def test_instructors_create_and_edit_students_see_published_only(
    api: tuple[Client, Settings], people: People
) -> None:
    client, _ = api
    created = await _create(client, people, "sum", languages=["python3", "cpp17"], languageMultipliers={"python3": 2})
    assert created["visibility"] == "draft"
    assert created["languages"] == ["python3", "cpp17"]
    assert created["languageMultipliers"] == {"python3": 2.0}
    assert created["tests"] == []  # instructors see the (empty) test list

    # A draft is invisible to students: not listed, and 404 rather than 403.
    assert (await client.get("/api/problems/sum", headers=people.student.headers)).status_code == 404
    listed = (await client.get("/api/problems", headers=people.student.headers)).json()
    assert listed["total"] == 0

    resp = await client.patch(
        "/api/problems/sum",
        json={"visibility": "published", "timeLimitMs": 2000, "title": "Sum of two"},
        headers=people.instructor.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["timeLimitMs"] == 2000

    seen = await client.get("/api/problems/sum", headers=people.student.headers)
    assert seen.status_code == 200
    body = seen.json()
    assert body["title"] == "Sum of two"
    assert body["tests"] is None  # students do not get the test list
    assert body["groups"] is None
    listed = (await client.get("/api/problems?tag=math&q=two", headers=people.student.headers)).json()
    assert [p["slug"] for p in listed["items"]] == ["sum"]
    assert (await client.get("/api/problems?tag=graphs", headers=people.student.headers)).json()["total"] == 0

    # Archived: no longer listed for students, still readable by slug.
    await client.patch("/api/problems/sum", json={"visibility": "archived"}, headers=people.instructor.headers)
    assert (await client.get("/api/problems", headers=people.student.headers)).json()["total"] == 0
    assert (await client.get("/api/problems/sum", headers=people.student.headers)).status_code == 200
    staff_list = (await client.get("/api/problems?visibility=archived", headers=people.instructor.headers)).json()
    assert staff_list["total"] == 1


async def test_the_statement_is_rendered_and_sanitised(api: tuple[Client, Settings], people: People) -> None:
    client, _ = api
    html = str((await _create(client, people, "safe"))["statementHtml"])
    assert '<span class="math-inline">a + b</span>' in html
    assert '<div class="math-display">a^2</div>' in html
    assert '<code class="language-python">' in html
    assert "<script" not in html
    assert 'href="javascript' not in html


async def test_students_and_read_only_tokens_cannot_write(api: tuple[Client, Settings], people: People) -> None:
    client, _ = api
    body = {"slug": "nope", "title": "Nope"}
    student = await client.post("/api/problems", json=body, headers=people.student.headers)
    assert student.status_code == 403
    reader = await client.post("/api/problems", json=body, headers=people.reader.headers)
    assert reader.status_code == 403
    assert "problems:write" in reader.json()["detail"]
    anonymous = await client.post("/api/problems", json=body)
    assert anonymous.status_code == 401
    await _create(client, people, "mine")
    patched = await client.patch("/api/problems/mine", json={"title": "x"}, headers=people.student.headers)
    assert patched.status_code == 403


async def test_bad_problem_input_is_refused_plainly(api: tuple[Client, Settings], people: People) -> None:
    client, _ = api
    headers = people.instructor.headers
    bad_slug = await client.post("/api/problems", json={"slug": "Not A Slug", "title": "x"}, headers=headers)
    assert bad_slug.status_code == 400
    unknown = await client.post(
        "/api/problems", json={"slug": "u", "title": "x", "languages": ["cobol"]}, headers=headers
    )
    assert unknown.status_code == 400
    assert "cobol" in unknown.json()["detail"]
    too_slow = await client.post(
        "/api/problems", json={"slug": "t", "title": "x", "timeLimitMs": 10**7}, headers=headers
    )
    assert too_slow.status_code == 400
    await _create(client, people, "dup")
    duplicate = await client.post("/api/problems", json={"slug": "dup", "title": "x"}, headers=headers)
    assert duplicate.status_code == 409
    missing = await client.patch("/api/problems/absent", json={"title": "x"}, headers=headers)
    assert missing.status_code == 404


async def test_the_seeded_practice_problems_show_their_samples(api: tuple[Client, Settings], people: People) -> None:
    client, settings = api
    await seed(settings, demo=False)
    listed = (await client.get("/api/problems", headers=people.student.headers)).json()
    assert {p["slug"] for p in listed["items"]} == {"aplusb", "reverse-words", "sum-of-n"}
    problem = (await client.get("/api/problems/aplusb", headers=people.student.headers)).json()
    assert problem["samples"] == [{"name": "01", "input": "1 2\n", "output": "3\n"}]
    assert problem["testCount"] == 4
    assert problem["totalPoints"] == 4
