"""Submissions through the API, judged by the real fleet: results per test as each viewer may see them, uploads,
listing, rejudging with history, and Run on custom input."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tests.integration.submissions.conftest import Live

SUM_PY = "import sys\nd = sys.stdin.read().split()\nprint(sum(int(x) for x in d[1 : int(d[0]) + 1]))\n"
SUM_INT32_PY = (  # right on small numbers, wrong once the sum leaves 32 bits
    "import sys\nd = sys.stdin.read().split()\nt = sum(int(x) for x in d[1 : int(d[0]) + 1])\n"
    "print((t + 2**31) % 2**32 - 2**31)\n"
)


async def _submit(live: Live, source: str, *, who: Any = None, language: str = "python3", **extra: Any) -> Any:
    person = who or live.people.student
    return await live.client.post(
        "/api/submissions",
        json={"problemSlug": "addup", "language": language, "source": source, **extra},
        headers=person.headers,
    )


async def _detail(live: Live, submission_id: str, who: Any = None) -> dict[str, Any]:
    person = who or live.people.student
    resp = await live.client.get(f"/api/submissions/{submission_id}", headers=person.headers)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_an_accepted_submission_shows_every_test_as_the_student_may_see_it(live: Live) -> None:
    resp = await _submit(live, SUM_PY)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["status"] == "queued"
    assert created["websocket"] == f"/ws/submissions/{created['id']}"
    assert resp.headers["location"] == f"/api/submissions/{created['id']}"
    final = await live.fleet.wait_final(created["id"])
    assert final["verdict"] == "AC"
    assert final["score"] == 100

    body = await _detail(live, created["id"])
    cases = {c["name"]: c for c in body["results"]}
    assert list(cases) == [
        "sample/1",
        "sample/2",
        "secret/group1/01",
        "secret/group1/02",
        "secret/group2/01",
        "secret/group2/02",
    ]
    assert all(c["verdict"] == "AC" for c in cases.values())
    sample = cases["sample/1"]
    assert sample["hidden"] is False
    assert sample["input"] == "3\n1 2 3\n"
    assert sample["expected"] == "6\n"
    assert sample["stdout"] == "6\n"
    visible = cases["secret/group1/01"]  # verdict.visibility makes group 1 visible
    assert visible["hidden"] is False
    assert visible["input"] == "4\n10 20 30 40\n"
    for name in ("secret/group2/01", "secret/group2/02"):  # hidden, and after_due_date with no due date passed
        hidden = cases[name]
        assert hidden["hidden"] is True
        assert hidden["verdict"] == "AC"
        assert hidden["input"] is None
        assert hidden["expected"] is None
        assert hidden["stdout"] is None
        assert hidden["message"] is None
    assert cases["secret/group2/02"]["visibility"] == "after_due_date"

    # The instructor sees every test as such (no test is hidden from them).
    staff = await _detail(live, created["id"], live.people.instructor)
    assert not any(c["hidden"] for c in staff["results"])


async def test_a_partly_wrong_submission_scores_its_groups_and_hides_hidden_data(live: Live) -> None:
    created = (await _submit(live, SUM_INT32_PY)).json()
    final = await live.fleet.wait_final(created["id"])
    assert final["verdict"] == "WA"
    assert final["score"] == 40  # group 1 (40 points) passes; group 2 (60) fails on its first test
    body = await _detail(live, created["id"])
    cases = {c["name"]: c for c in body["results"]}
    failed = cases["secret/group2/01"]
    assert failed["verdict"] == "WA"
    assert failed["hidden"] is True
    assert failed["stdout"] is None
    assert failed["message"] is None
    assert failed["input"] is None
    assert cases["secret/group2/02"]["skipped"] is True


async def test_uploads_single_file_and_zipped_multi_file_programs(live: Live) -> None:
    student = live.people.student
    single = await live.client.post(
        "/api/submissions/upload",
        data={"problemSlug": "addup", "language": "python3"},
        files={"file": ("solution.py", SUM_PY.encode(), "text/x-python")},
        headers=student.headers,
    )
    assert single.status_code == 201, single.text
    assert single.json()["files"] == {"solution.py": SUM_PY}

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("prog/main.cpp", '#include "sum.h"\nint main() { return run(); }\n')
        zf.writestr(
            "prog/sum.h",
            '#include <cstdio>\ninline int run() { int n; long long t = 0, x; std::scanf("%d", &n);\n'
            'for (int i = 0; i < n; ++i) { std::scanf("%lld", &x); t += x; } std::printf("%lld\\n", t);'
            " return 0; }\n",
        )
    multi = await live.client.post(
        "/api/submissions/upload",
        data={"problemSlug": "addup", "language": "cpp17"},
        files={"file": ("program.zip", zipped.getvalue(), "application/zip")},
        headers=student.headers,
    )
    assert multi.status_code == 201, multi.text
    assert set(multi.json()["files"]) == {"main.cpp", "sum.h"}
    finals = await live.fleet.wait_all_final([single.json()["id"], multi.json()["id"]])
    assert [f["verdict"] for f in finals] == ["AC", "AC"]

    garbage = await live.client.post(
        "/api/submissions/upload",
        data={"problemSlug": "addup", "language": "python3"},
        files={"file": ("a.py", b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01binary", "application/octet-stream")},
        headers=student.headers,
    )
    assert garbage.status_code == 400
    assert "not UTF-8 text" in garbage.json()["detail"]


async def test_bad_submissions_get_clear_answers_and_store_nothing(live: Live) -> None:
    student = live.people.student
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"language": "cobol"}, 400, "unknown language"),
        ({"language": "c"}, 400, "not enabled on the judge"),  # allowed by the problem, not offered by the fleet
        ({"source": "x" * (64 * 1024 + 1)}, 413, "over the limit"),
        ({"source": "print(1)\x00\x01\x02"}, 400, "binary"),
        ({"source": "   \n"}, 400, "empty"),
        ({"files": {"../evil.py": "print(1)"}, "source": None}, 400, "not a usable file name"),
        ({"files": {"a.py": "print(1)"}}, 400, "not both"),
        ({"problemSlug": "no-such-problem"}, 404, "no such item"),
    ]
    for change, status, message in cases:
        body = {"problemSlug": "addup", "language": "python3", "source": SUM_PY, **change}
        body = {k: v for k, v in body.items() if v is not None}
        resp = await live.client.post("/api/submissions", json=body, headers=student.headers)
        assert resp.status_code == status, (change, resp.text)
        assert message in resp.json()["detail"], (change, resp.text)
    restricted = await live.client.patch(
        "/api/problems/addup", json={"languages": ["cpp17"]}, headers=live.people.instructor.headers
    )
    assert restricted.status_code == 200
    not_allowed = await _submit(live, SUM_PY)
    assert not_allowed.status_code == 400
    assert "not allowed for this problem" in not_allowed.json()["detail"]
    listed = await live.client.get("/api/submissions", headers=student.headers)
    assert listed.json()["total"] == 0


async def test_students_see_their_own_submissions_and_instructors_filter_everyone_s(live: Live) -> None:
    mine = (await _submit(live, SUM_PY)).json()
    theirs = (await _submit(live, SUM_INT32_PY, who=live.people.other)).json()
    await live.fleet.wait_all_final([mine["id"], theirs["id"]])
    student = live.people.student
    own = (await live.client.get("/api/submissions", headers=student.headers)).json()
    assert [s["id"] for s in own["items"]] == [mine["id"]]
    assert (await live.client.get(f"/api/submissions/{theirs['id']}", headers=student.headers)).status_code == 404
    snooping = await live.client.get(f"/api/submissions?userId={live.people.other.user_id}", headers=student.headers)
    assert snooping.status_code == 404

    staff = live.people.instructor.headers
    everyone = (await live.client.get("/api/submissions?problem=addup", headers=staff)).json()
    assert {s["id"] for s in everyone["items"]} == {mine["id"], theirs["id"]}
    wrong = (await live.client.get("/api/submissions?verdict=WA", headers=staff)).json()
    assert [s["id"] for s in wrong["items"]] == [theirs["id"]]
    by_user = (await live.client.get(f"/api/submissions?userId={student.user_id}", headers=staff)).json()
    assert [s["id"] for s in by_user["items"]] == [mine["id"]]
    assert (await live.client.get("/api/submissions?limit=1", headers=staff)).json()["total"] == 2


async def test_rejudging_makes_a_new_attempt_and_keeps_the_old_result(live: Live) -> None:
    first = (await _submit(live, SUM_PY)).json()
    second = (await _submit(live, SUM_INT32_PY, who=live.people.other)).json()
    await live.fleet.wait_all_final([first["id"], second["id"]])
    staff = live.people.instructor.headers

    denied = await live.client.post(f"/api/submissions/{first['id']}/rejudge", headers=live.people.student.headers)
    assert denied.status_code == 403
    one = await live.client.post(f"/api/submissions/{first['id']}/rejudge", headers=staff)
    assert one.status_code == 200, one.text
    assert one.json()["attempt"] == 2
    assert one.json()["status"] == "queued"
    again = await live.client.post(f"/api/submissions/{first['id']}/rejudge", headers=staff)
    assert again.status_code == 409  # still being judged
    await live.fleet.wait_final(first["id"])

    everything = await live.client.post("/api/problems/addup/rejudge", headers=staff)
    assert everything.status_code == 200, everything.text
    assert everything.json()["rejudged"] == 2
    assert everything.json()["skipped"] == 0
    finals = await live.fleet.wait_all_final([first["id"], second["id"]])
    assert [(f["attempt"], f["verdict"]) for f in finals] == [(3, "AC"), (2, "WA")]
    history = await _detail(live, first["id"])
    assert [(a["attempt"], a["verdict"], a["score"]) for a in history["attempts"]] == [(1, "AC", 100), (2, "AC", 100)]
    assert history["attempt"] == 3
    assert history["verdict"] == "AC"


async def test_run_on_custom_input_shows_the_output_unscored(live: Live) -> None:
    student = live.people.student
    resp = await live.client.post(
        "/api/runs",
        json={"problemSlug": "addup", "language": "python3", "source": SUM_PY, "stdin": "3\n10 20 12\n"},
        headers=student.headers,
    )
    assert resp.status_code == 201, resp.text
    run = resp.json()
    assert run["kind"] == "run"
    assert run["stdin"] == "3\n10 20 12\n"
    await live.fleet.wait_final(run["id"])
    body = await _detail(live, run["id"])
    assert body["verdict"] == "AC"
    assert body["score"] is None
    assert body["results"][0]["stdout"] == "42\n"
    assert body["results"][0]["hidden"] is False

    too_big = await live.client.post(
        "/api/runs",
        json={"language": "python3", "source": SUM_PY, "stdin": "1" * (64 * 1024 + 1)},
        headers=student.headers,
    )
    assert too_big.status_code == 413
    runs = (await live.client.get("/api/submissions?kind=run", headers=student.headers)).json()
    assert runs["total"] == 1


async def test_non_utf8_program_output_is_escaped_not_dropped(live: Live) -> None:
    raw = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')\n"
    resp = await live.client.post(
        "/api/runs", json={"language": "python3", "source": raw, "stdin": ""}, headers=live.people.student.headers
    )
    assert resp.status_code == 201, resp.text
    final = await live.fleet.wait_final(resp.json()["id"])
    assert final["verdict"] == "AC"
    shown = (await _detail(live, resp.json()["id"]))["results"][0]["stdout"]
    assert shown == "ok \\xff\\xfe end\n"
