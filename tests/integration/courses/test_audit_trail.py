"""The course audit trail for its staff (#11): who, when, what; filtered by kind and by person; a page at a time;
and a CSV export whose cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client

HTML = {"Accept": "text/html"}
HOSTILE = "=cmd|' /C calc'!A0"


async def _add_entries(settings: Settings, cast: Cast, count: int, action: str = "bulk_test") -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            for i in range(count):
                session.add(
                    m.CourseAuditEntry(
                        course_id=cast.course_id, actor_id=cast.ta.user_id, action=action, details={"i": i}
                    )
                )
            await session.commit()
    finally:
        await engine.dispose()


async def test_the_api_filters_by_kind_and_person(client: Client, cast: Cast) -> None:
    base = f"/api/courses/{cast.course_id}/audit"
    everything = (await client.get(base, headers=cast.ta.headers)).json()
    assert {e["action"] for e in everything} >= {"course_created", "member_joined", "member_added"}
    joined = (await client.get(f"{base}?action=member_joined", headers=cast.instructor.headers)).json()
    assert [(e["action"], e["actor"]) for e in joined] == [("member_joined", cast.student.email)]
    by_instructor = (await client.get(f"{base}?actorId={cast.instructor.user_id}", headers=cast.ta.headers)).json()
    assert by_instructor
    assert {e["actor"] for e in by_instructor} == {cast.instructor.email}
    assert "member_joined" not in {e["action"] for e in by_instructor}
    assert (await client.get(base, headers=cast.student.headers)).status_code == 403
    assert (await client.get(f"{base}.csv", headers=cast.outsider.headers)).status_code == 403


async def test_the_csv_export_neutralises_formulas(client: Client, cast: Cast, settings: Settings) -> None:
    await _add_entries(settings, cast, 1, action=HOSTILE)
    resp = await client.get(f"/api/courses/{cast.course_id}/audit.csv", headers=cast.instructor.headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0] == ["when", "who", "kind", "what"]
    kinds = [r[2] for r in rows[1:]]
    assert "'" + HOSTILE in kinds  # a leading apostrophe: shown as text, never run
    assert HOSTILE not in kinds
    assert "course_created" in kinds
    only = await client.get(
        f"/api/courses/{cast.course_id}/audit.csv?action=member_joined", headers=cast.instructor.headers
    )
    body = list(csv.reader(io.StringIO(only.text)))[1:]
    assert [(r[1], r[2]) for r in body] == [(cast.student.email, "member_joined")]


async def test_the_audit_page_filters_and_pages(client: Client, cast: Cast, settings: Settings) -> None:
    await _add_entries(settings, cast, 55)
    page = f"/courses/{cast.course_id}/audit"
    first = await client.get(page, headers={**HTML, **cast.ta.headers})
    assert first.status_code == 200
    assert first.text.count("data-audit-entry") == 50
    assert 'rel="next"' in first.text
    assert "Download as CSV" in first.text
    second = await client.get(f"{page}?page=2", headers={**HTML, **cast.ta.headers})
    assert second.text.count("data-audit-entry") >= 5  # 55 added, and the course's own changes
    assert 'rel="prev"' in second.text
    joined = await client.get(f"{page}?kind=member_joined&person=", headers={**HTML, **cast.instructor.headers})
    assert joined.status_code == 200
    assert joined.text.count("data-audit-entry") == 1
    assert cast.student.email is not None
    assert cast.student.email in joined.text
    mine = await client.get(f"{page}?kind=&person={cast.instructor.user_id}", headers={**HTML, **cast.admin.headers})
    assert mine.status_code == 200
    assert "<td>bulk test</td>" not in mine.text  # the TA's changes are filtered out
    assert "<td>course created</td>" in mine.text
    assert (await client.get(page, headers={**HTML, **cast.student.headers})).status_code == 403
    course_page = await client.get(f"/courses/{cast.course_id}", headers={**HTML, **cast.ta.headers})
    assert f"/courses/{cast.course_id}/audit" in course_page.text
