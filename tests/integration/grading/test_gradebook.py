"""The gradebook: students by assessments with totals, filtered by group, expanded to questions; the CSV export
neutralises formulas; the CSV import of manual scores previews row by row and commits all rows or none."""

from __future__ import annotations

import csv
import io

from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client
from tests.integration.grading.test_grading_api import sit


async def test_the_gradebook_filters_expands_and_exports_safely(client: Client, cast: Cast, settings: Settings) -> None:
    s = await sit(client, cast, settings)
    course = f"/api/courses/{cast.course_id}"
    staff, ta = cast.instructor.headers, cast.ta.headers
    group = await client.post(f"{course}/groups", json={"name": '=HYPERLINK("http://x")'}, headers=staff)
    assert group.status_code == 201, group.text
    gid = group.json()["id"]
    empty = await client.post(f"{course}/groups", json={"name": "Tuesday"}, headers=staff)
    moved = await client.patch(f"{course}/members/{cast.student.user_id}", json={"groupId": gid}, headers=staff)
    assert moved.status_code == 200, moved.text
    override = f"{course}/grading/answers/{s.attempt}/{s.essay}/override"
    assert (await client.put(override, json={"percent": 90, "reason": "good"}, headers=ta)).status_code == 200

    book = (await client.get(f"{course}/gradebook", headers=ta)).json()
    assert [a["title"] for a in book["assessments"]] == ["Lab 1"]
    (row,) = book["rows"]
    assert (row["displayName"], row["scores"], row["total"], row["questions"]) == ("Student", {s.aid: 75.0}, 75.0, {})
    expanded = (await client.get(f"{course}/gradebook", params={"expand": s.aid}, headers=ta)).json()
    assert expanded["assessments"][0]["questions"] == [s.essay, s.code]
    assert expanded["rows"][0]["questions"] == {s.essay: 90.0, s.code: 60.0}
    filtered = await client.get(f"{course}/gradebook", params={"groupId": empty.json()["id"]}, headers=ta)
    assert filtered.json()["rows"] == []
    assert len((await client.get(f"{course}/gradebook", params={"groupId": gid}, headers=ta)).json()["rows"]) == 1

    exported = await client.get(f"{course}/gradebook.csv", params={"expand": s.aid}, headers=ta)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0] == ["email", "name", "group", "level", "Lab 1", "Lab 1 Q1", "Lab 1 Q2", "total"]
    assert lines[1][1:] == ["Student", '\'=HYPERLINK("http://x")', "", "75", "90", "60", "75"]


async def test_a_score_import_previews_then_commits_all_rows_or_none(
    client: Client, cast: Cast, settings: Settings
) -> None:
    s = await sit(client, cast, settings)
    course = f"/api/courses/{cast.course_id}"
    ta = cast.ta.headers
    url = f"{course}/gradebook/assessments/{s.aid}/import"
    csv_headers = {**ta, "Content-Type": "text/csv"}
    bad = (
        "email;Q1;Q2;reason\n"
        f"{cast.student.email};85;;essay read again\n"
        f"{cast.outsider.email};50;;\n"
        f"{cast.student.email};abc;120;\n"
    )
    preview = await client.post(f"{url}/preview", content=bad.encode(), headers=csv_headers)
    assert preview.status_code == 200, preview.text
    rows = preview.json()["rows"]
    assert rows[0]["changes"] == [{"question": "Q1", "from": None, "to": 85.0}]
    assert rows[0]["problems"] == []
    assert rows[1]["problems"] == ["not a student of this course"]
    assert rows[2]["problems"] == [
        "the same e-mail as line 2",
        "Q1: 'abc' is not a number",
        "Q2: 120 is outside 0..100",
    ]
    refused = await client.post(url, content=bad.encode(), headers=csv_headers)
    assert refused.status_code == 422
    assert "nothing was imported" in refused.json()["detail"]
    book = (await client.get(f"{course}/gradebook", params={"expand": s.aid}, headers=ta)).json()
    assert book["rows"][0]["questions"][s.essay] is None  # nothing written

    good = f"email,Q1,Q2,reason\n{cast.student.email},85,60,essay read again\n"
    done = await client.post(url, content=good.encode(), headers=csv_headers)
    assert done.status_code == 200, done.text
    assert (done.json()["committed"], done.json()["changes"]) == (True, 1)  # Q2 already 60: unchanged
    book = (await client.get(f"{course}/gradebook", params={"expand": s.aid}, headers=ta)).json()
    assert book["rows"][0]["questions"] == {s.essay: 85.0, s.code: 60.0}
    for nonsense in (b"{}", b"name,score\nx,1\n", b"email,Q7\nx@example.com,1\n"):
        assert (await client.post(url, content=nonsense, headers=csv_headers)).status_code == 422
    trail = (await client.get(f"{course}/audit", headers=cast.instructor.headers)).json()
    entries = trail["items"] if isinstance(trail, dict) else trail
    imported = [e["details"] for e in entries if e["action"] == "scores_imported"]
    assert [(d["old"], d["new"], d["why"]) for d in imported] == [(None, 85.0, "essay read again")]
