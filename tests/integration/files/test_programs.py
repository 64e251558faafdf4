"""Multi-file programs uploaded as files and judged by a real worker in the sandbox: a Python program with its own
module beside ``main.py``, C++ with a header and a second translation unit, Java with several classes. Each is
compiled and run together, entered the language's way, and judged AC; a program missing its entry point is CE."""

from __future__ import annotations

from typing import Any

import pytest

from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.courses.conftest import build_cast
from tests.integration.files.support import remember_course, upload
from tests.integration.problems.support import app_client, make_people, push

pytestmark = pytest.mark.sandbox

PROGRAMS: dict[str, dict[str, bytes]] = {
    "python3": {
        "main.py": b"import sys\nfrom adder import total\n\nd = sys.stdin.read().split()\n"
        b"print(total(int(x) for x in d[1 : int(d[0]) + 1]))\n",
        "adder.py": b"def total(numbers):\n    return sum(numbers)\n",
    },
    "cpp17": {
        "main.cpp": b'#include <iostream>\n#include <vector>\n#include "adder.h"\n'
        b"int main() { int n; std::cin >> n; std::vector<long long> v(n);\n"
        b"  for (auto& x : v) std::cin >> x; std::cout << total(v) << std::endl; }\n",
        "adder.h": b"#pragma once\n#include <vector>\nlong long total(const std::vector<long long>& v);\n",
        "adder.cpp": b'#include "adder.h"\nlong long total(const std::vector<long long>& v) {\n'
        b"  long long s = 0; for (auto x : v) s += x; return s; }\n",
    },
    "java": {
        "Main.java": b"import java.util.Scanner;\npublic class Main {\n  public static void main(String[] a) {\n"
        b"    Scanner in = new Scanner(System.in); int n = in.nextInt(); long[] v = new long[n];\n"
        b"    for (int i = 0; i < n; i++) v[i] = in.nextLong();\n    System.out.println(Adder.total(v));\n  }\n}\n",
        "Adder.java": b"public class Adder {\n  static long total(long[] v) { long s = 0; for (long x : v) s += x; "
        b"return Summing.finish(s); }\n}\n",
        "Summing.java": b"class Summing {\n  static long finish(long s) { return s; }\n}\n",
    },
}


@pytest.fixture
def backend() -> str:
    return "local"  # the judging is the subject here; both back ends are covered by test_files_api.py


async def test_uploaded_multi_file_programs_are_compiled_and_judged_together(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings
) -> None:
    roomy = {"FILES_MAX_FILE_BYTES": "65536", "FILES_MAX_ANSWER_BYTES": "262144", "FILES_USER_QUOTA_BYTES": "1048576"}
    async with (
        fleet_factory(env={"SANDBOX_LANGUAGES": "python3,cpp17,java"}) as fleet,
        app_client(settings_env, REDIS_URL=fleet.redis_url, **roomy) as (client, _settings),
    ):
        people = await make_people(settings)
        assert (await push(client, people.instructor, "addup", "addup")).status_code == 201
        published = await client.patch(
            "/api/problems/addup", json={"visibility": "published"}, headers=people.instructor.headers
        )
        assert published.status_code == 200
        cast = await build_cast(client, settings)
        remember_course(cast)
        staff = cast.instructor.headers
        attached = await client.post(f"/api/courses/{cast.course_id}/problems", json={"slug": "addup"}, headers=staff)
        assert attached.status_code == 201, attached.text
        base = f"/api/courses/{cast.course_id}/assessments"
        created = await client.post(base, json={"title": "Lab", "kind": "assignment"}, headers=staff)
        aid = created.json()["assessment"]["id"]
        question: dict[str, Any] = {
            "type": "code",
            "problemId": attached.json()[0]["problemId"],
            "languages": list(PROGRAMS),
        }
        added = await client.post(f"{base}/{aid}/questions", json=question, headers=staff)
        assert added.status_code == 201, added.text
        qid = added.json()["questions"][0]["id"]
        assert (await client.post(f"{base}/{aid}/publish", json={"published": True}, headers=staff)).status_code == 200
        assert (await client.post(f"{base}/{aid}/attempt", headers=cast.student.headers)).status_code == 200

        async def submit(language: str, files: dict[str, bytes]) -> str:
            ids = []
            for name, data in files.items():
                made = await upload(
                    client, cast.student, name, data, purpose="submission_source", assessmentId=aid, questionId=qid
                )
                assert made.status_code == 201, made.text
                ids.append(made.json()["files"][0]["id"])
            resp = await client.post(
                f"/api/courses/{cast.course_id}/files/submissions",
                json={"language": language, "fileIds": ids, "assessmentId": aid, "questionId": qid},
                headers=cast.student.headers,
            )
            assert resp.status_code == 201, resp.text
            return str(resp.json()["submissionId"])

        submitted = {language: await submit(language, files) for language, files in PROGRAMS.items()}
        no_entry = await submit("cpp17", {"helper.cpp": b"int helper() { return 1; }\n", "x.h": b"#pragma once\n"})
        for language, submission_id in submitted.items():
            final = await fleet.wait_final(submission_id)
            assert final["verdict"] == "AC", (language, final)
        final = await fleet.wait_final(no_entry)
        assert final["verdict"] == "CE"
        stored = await client.get(f"/api/submissions/{submitted['cpp17']}", headers=cast.student.headers)
        assert set(stored.json()["files"]) == {"main.cpp", "adder.h", "adder.cpp"}

        someone_elses = await client.post(
            f"/api/courses/{cast.course_id}/files/submissions",
            json={
                "language": "python3",
                "fileIds": [str(_id) for _id in [aid]],
                "assessmentId": aid,
                "questionId": qid,
            },
            headers=cast.student.headers,
        )
        assert someone_elses.status_code == 400
        assert "not your uploaded sources" in someone_elses.json()["detail"]
