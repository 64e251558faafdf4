"""The dashboards stay fast on a generated course: 300 students, 5,000 submissions with 10 tests each and four
quizzes; every endpoint answers, and the time of each is printed (run with ``-s`` to see it). The budget asserted
here is loose (a shared test machine); ``make bench-web`` measures 1,000 students and 100,000 submissions."""

from __future__ import annotations

import time

from api.db.engine import create_engine, session_factory
from api.domain.dashboards.generator import generate_course
from api.settings import Settings
from tests.integration.courses.conftest import Cast, Client

BUDGET_S = 3.0


async def test_every_dashboard_answers_quickly_on_a_generated_course(
    client: Client, cast: Cast, settings: Settings
) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as s:
            generated = await generate_course(s, students=300, submissions=5000, course_id=cast.course_id)
            await s.commit()
    finally:
        await engine.dispose()
    base = f"/api/courses/{cast.course_id}/dashboard"
    calls = [
        ("course dashboard", f"{base}?days=90", cast.instructor),
        ("course tests CSV", f"{base}/tests.csv?days=90", cast.instructor),
        ("student dashboard", "/api/dashboard", cast.student),
        ("admin analytics", "/api/analytics?days=90", cast.admin),
    ]
    timings = {}
    for name, url, caller in calls:
        await client.get(url, headers=caller.headers)  # warm-up
        started = time.perf_counter()
        resp = await client.get(url, headers=caller.headers)
        timings[name] = time.perf_counter() - started
        assert resp.status_code == 200, (name, resp.text[:300])
    print("\n" + "\n".join(f"{name}: {seconds * 1000:.0f} ms" for name, seconds in timings.items()))
    course = (await client.get(f"{base}?days=90", headers=cast.instructor.headers)).json()
    assert sum(day["submissions"] for day in course["activity"]) == generated.submissions
    assert len(course["assessments"]) == 4
    assert course["assessments"][0]["audience"] == 301  # the generated students and the cast's own
    assert all(seconds < BUDGET_S for seconds in timings.values()), timings
