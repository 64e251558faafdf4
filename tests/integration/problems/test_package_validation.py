"""?validate=true: the package's own reference solutions are judged by the real fleet (real workers, the real
sandbox) against the new tests before the package goes live, as problemtools' verifyproblem does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.problems.support import Client, People, app_client, counts, leftovers, make_people, push
from tests.packages import package_files
from tests.support.fleet import JudgeFleet
from tests.unit.problems.test_dmoj import FOLDER as DMOJ_FOLDER
from tests.unit.problems.test_formats import LEGACY

LANGUAGES = "python3,cpp17,c"  # Kotlin is not among them: its reference solution is skipped, not failed


@pytest.fixture
async def validating(
    fleet_factory: FleetFactory, settings_env: dict[str, str], settings: Settings
) -> AsyncIterator[tuple[Client, Settings, People, JudgeFleet]]:
    async with (
        fleet_factory(env={"SANDBOX_LANGUAGES": LANGUAGES}) as fleet,
        app_client(settings_env, REDIS_URL=fleet.redis_url) as (client, app_settings),
    ):
        yield client, app_settings, await make_people(settings), fleet


async def test_every_reference_solution_gets_its_folder_s_verdict(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, settings, people, _fleet = validating
    resp = await push(client, people.instructor, "addup", "addup", validate=True)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["validated"] is True
    outcomes = {o["path"]: o for o in body["validation"]}
    assert {path: o["verdict"] for path, o in outcomes.items()} == {
        "submissions/accepted/sum.py": "AC",
        "submissions/accepted/sum.cpp": "AC",
        "submissions/wrong_answer/int32.c": "WA",
        "submissions/time_limit_exceeded/spin.py": "TLE",
        "submissions/run_time_error/crash.py": "RTE",
    }
    assert all(o["ok"] for o in outcomes.values())
    assert body["inputValidators"] == ["input_validators/validate.py"]
    assert body["inputsChecked"] is True  # with validation, the input validators run first, on every input
    assert outcomes["submissions/wrong_answer/int32.c"]["test"] == "secret/group2/01"
    assert body["skipped"] == [
        {"path": "submissions/accepted/Sum.kt", "language": "kotlin", "reason": "Verdict does not offer kotlin"}
    ]
    # Validation judgings are kept as the record, out of students' and the default listing's way.
    listed = await client.get("/api/submissions?kind=validation", headers=people.instructor.headers)
    assert listed.json()["total"] == 5
    assert (await client.get("/api/submissions", headers=people.instructor.headers)).json()["total"] == 0
    assert leftovers(settings) == []


async def test_a_solution_that_misses_its_verdict_rejects_the_upload_naming_it_and_the_test(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, settings, people, _fleet = validating
    files = package_files("addup")
    files["submissions/accepted/int32.c"] = files.pop("submissions/wrong_answer/int32.c")
    before = await counts(settings)
    resp = await push(client, people.instructor, "addup", files, validate=True)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["detail"].startswith(
        "package rejected: submissions/accepted/int32.c: expected AC, got WA on test secret/group2/01"
    )
    assert {"path": "submissions/accepted/Sum.kt", "skipped": True, "message": "Verdict does not offer kotlin"} in (
        body["errors"]
    )
    assert await counts(settings) == before  # no problem, no test set, no validation submissions left behind
    assert (await client.get("/api/problems/addup", headers=people.instructor.headers)).status_code == 404


async def test_a_custom_output_validator_and_an_interactor_validate_end_to_end(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, _settings, people, _fleet = validating
    twosum = await push(client, people.instructor, "twosum", "twosum", validate=True)
    assert twosum.status_code == 201, twosum.text
    assert {o["path"]: o["verdict"] for o in twosum.json()["validation"]} == {
        "submissions/accepted/half.py": "AC",
        "submissions/accepted/one.cpp": "AC",
        "submissions/wrong_answer/zero.py": "WA",
    }
    guess = await push(client, people.instructor, "guess", "guess", validate=True)
    assert guess.status_code == 201, guess.text
    assert {o["path"]: o["verdict"] for o in guess.json()["validation"]} == {
        "submissions/accepted/bisect.py": "AC",
        "submissions/time_limit_exceeded/think.py": "TLE",
        "submissions/wrong_answer/linear.py": "WA",
    }
    problem = (await client.get("/api/problems/guess", headers=people.instructor.headers)).json()
    assert problem["checker"] == "icpc_interactor"


async def test_validation_needs_a_live_judge(settings_env: dict[str, str], settings: Settings) -> None:
    people = await make_people(settings)
    async with app_client(settings_env) as (client, app_settings):  # no judge worker heartbeats in this Redis
        resp = await push(client, people.instructor, "addup", "addup", validate=True)
        assert resp.status_code == 503
        assert "no judge worker" in resp.json()["detail"]
        assert await counts(app_settings) == {"problems": 0, "testsets": 0, "packages": 0, "submissions": 0}


async def test_a_legacy_latex_package_with_a_validator_directory_validates_and_serves_its_images(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, _settings, people, _fleet = validating
    files = {
        **LEGACY,
        "problem_statement/solution.en.tex": b"The trick: add them.\n",  # a sketch, never served
        "attachments/template.py": b"a, b = map(int, input().split())\n",
    }
    resp = await push(client, people.instructor, "addtwo", files, validate=True)
    assert resp.status_code == 201, resp.text
    assert {o["path"]: (o["verdict"], o["ok"]) for o in resp.json()["validation"]} == {
        "submissions/accepted/add.py": ("AC", True),
        "submissions/slow_accepted/add_slowly.py": ("AC", True),
        "submissions/wrong_answer/off.py": ("WA", True),
    }
    # No time limit given: measured from accepted/ (slowest test x time_multiplier 3, at least 200 ms).
    measured = resp.json()["measuredTimeLimitMs"]
    accepted_ms = resp.json()["validation"][0]["cpuMs"]
    assert measured == max(200, -(-accepted_ms * 3 // 100) * 100)
    headers = people.instructor.headers
    problem = (await client.get("/api/problems/addtwo", headers=headers)).json()
    assert problem["title"] == "Add Two"
    assert problem["timeLimitMs"] == measured
    assert problem["statementLanguages"] == ["en", "sv"]
    assert problem["statementLanguage"] == "en"
    swedish = (await client.get("/api/problems/addtwo?lang=sv", headers=headers)).json()
    assert swedish["statementLanguage"] == "sv"
    assert "Skriv" in swedish["statementHtml"]
    assert "math-inline" in swedish["statementHtml"]
    page = await client.get("/problems/addtwo?lang=sv", headers={**headers, "Accept": "text/html"})
    assert page.status_code == 200, page.text[:300]
    assert 'aria-label="Statement language"' in page.text
    assert 'aria-current="true" href="?lang=sv"' in page.text
    assert "Skriv" in page.text
    unknown = (await client.get("/api/problems/addtwo?lang=xx", headers=headers)).json()
    assert unknown["statementLanguage"] == "en"
    assert problem["checker"] == "icpc_validator"
    assert 'src="/api/problems/addtwo/files/sum.png"' in problem["statementHtml"]
    assert "math-inline" in problem["statementHtml"]
    image = await client.get("/api/problems/addtwo/files/sum.png", headers=headers)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content == LEGACY["problem_statement/sum.png"]
    attachment = await client.get("/api/problems/addtwo/files/attachments/template.py", headers=headers)
    assert attachment.status_code == 200
    assert attachment.headers["content-disposition"].startswith("attachment")
    for hidden in ("solution.en.tex", "problem.en.tex", "../problem.yaml", "attachments/../problem.yaml"):
        assert (await client.get(f"/api/problems/addtwo/files/{hidden}", headers=headers)).status_code == 404
    outsider = await client.get("/api/problems/addtwo/files/sum.png")
    assert outsider.status_code == 401


async def test_a_validator_that_does_not_compile_rejects_the_upload_with_its_compiler_output(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, _settings, people, _fleet = validating
    files = {
        **LEGACY,
        "output_validators/add_check/same.cpp": b"bool same(long long a, long long b) { return a = ; }\n",
    }
    resp = await push(client, people.instructor, "addtwo", files, validate=True)
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert "same.cpp" in detail
    assert "expected primary-expression" in detail  # g++'s own words, not a generic failure


async def test_a_dmoj_folder_pushed_through_the_api_validates_and_scores_by_batch(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, _settings, people, _fleet = validating
    files = {**DMOJ_FOLDER, "addition/submissions/wrong_answer/first_only.py": b"print(3)\n"}
    resp = await push(client, people.instructor, "addition", files, validate=True)
    assert resp.status_code == 201, resp.text
    assert {o["path"]: o["verdict"] for o in resp.json()["validation"]} == {
        "submissions/accepted/add.py": "AC",
        "submissions/wrong_answer/first_only.py": "WA",
    }
    problem = (await client.get("/api/problems/addition", headers=people.instructor.headers)).json()
    assert problem["title"] == "Addition"
    assert problem["timeLimitMs"] == 2000


async def test_a_2023_07_package_with_an_output_validator_directory_validates(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, _settings, people, _fleet = validating
    files = {
        "problem.yaml": b"problem_format_version: 2023-07\nname: {en: Add Two, nl: Tel op}\ntype: pass-fail\n"
        b"credits: {authors: Ada Lovelace}\nlimits:\n  time_limit: 1.5\n  time_multipliers: {time_limit_to_tle: 1.5}\n",
        "statement/problem.en.md": b"Print $a+b$.\n",
        **{
            name.replace("output_validators/add_check/", "output_validator/"): data
            for name, data in LEGACY.items()
            if name.startswith(("output_validators/", "data/", "submissions/"))
        },
    }
    resp = await push(client, people.instructor, "addtwo-modern", files, validate=True)
    assert resp.status_code == 201, resp.text
    assert resp.json()["measuredTimeLimitMs"] is None
    assert {o["path"]: o["verdict"] for o in resp.json()["validation"]} == {
        "submissions/accepted/add.py": "AC",
        "submissions/slow_accepted/add_slowly.py": "AC",
        "submissions/wrong_answer/off.py": "WA",
    }
    problem = (await client.get("/api/problems/addtwo-modern", headers=people.instructor.headers)).json()
    assert problem["title"] == "Add Two"
    assert problem["timeLimitMs"] == 1500
    assert problem["checker"] == "icpc_validator"
    assert problem["authors"] == ["Ada Lovelace"]


RANGE_VALIDATOR = b"""#include <cstdio>
#include "limits.hpp"
// Every value within the flags' bound (the first flag), or BOUND: prints why and exits 43 on a bad input.
int main(int argc, char** argv) {
    long long bound = argc > 1 ? std::atoll(argv[1]) : BOUND;
    int n;
    if (std::scanf("%d", &n) != 1) { std::puts("no count"); return 43; }
    for (int i = 0; i < n; i++) {
        long long v;
        if (std::scanf("%lld", &v) != 1) { std::printf("only %d of %d values\\n", i, n); return 43; }
        if (v > bound || v < -bound) { std::printf("value %lld is out of range\\n", v); return 43; }
    }
    return 42;
}
"""


async def test_input_validators_run_on_upload_and_name_every_input_they_reject(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, settings, people, _fleet = validating
    files = package_files("addup")
    files["data/secret/group1/02.in"] = b"3\n1 2\n"  # two values where it says three
    files["data/secret/group2/02.in"] = b"2\n5000000000000 1\n"  # over the range
    # A second validator, in C++ with a header beside it, as a directory (the legacy directory name this time).
    files["input_format_validators/range/validate.cpp"] = RANGE_VALIDATOR
    files["input_format_validators/range/limits.hpp"] = b"#include <cstdlib>\n#define BOUND 2000000000000LL\n"
    before = await counts(settings)
    resp = await push(client, people.instructor, "addup", files, check_inputs=True)  # without ?validate
    assert resp.status_code == 422, resp.text
    body = resp.json()
    errors = {(e["path"], e["message"]) for e in body["errors"]}
    assert ("data/secret/group1/02.in", "rejected by input_validators/validate.py: rejected") in errors
    assert ("data/secret/group1/02.in", "rejected by input_format_validators/range: only 2 of 3 values") in errors
    assert (
        "data/secret/group2/02.in",
        "rejected by input_format_validators/range: value 5000000000000 is out of range",
    ) in errors
    assert ("data/secret/group2/02.in", "rejected by input_validators/validate.py: rejected") in errors
    assert len(body["errors"]) == 4, body["errors"]  # every other input is valid for both
    assert body["detail"].startswith("invalid problem package: data/secret/group1/02.in: rejected by ")
    assert await counts(settings) == before  # nothing stored: no problem, no test set
    # The same package with valid inputs goes through, and says its inputs were checked.
    good = package_files("addup")
    good["input_format_validators/range/validate.cpp"] = files["input_format_validators/range/validate.cpp"]
    good["input_format_validators/range/limits.hpp"] = files["input_format_validators/range/limits.hpp"]
    resp = await push(client, people.instructor, "addup", good, check_inputs=True)
    assert resp.status_code == 201, resp.text
    assert resp.json()["inputsChecked"] is True
    assert resp.json()["inputValidators"] == ["input_format_validators/range", "input_validators/validate.py"]
    assert leftovers(settings) == []


async def test_input_validator_flags_come_from_testdata_yaml(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, _settings, people, _fleet = validating
    files = package_files("addup")
    files["input_validators/range/validate.cpp"] = RANGE_VALIDATOR
    files["input_validators/range/limits.hpp"] = b"#include <cstdlib>\n#define BOUND 2000000000000LL\n"
    group1 = files["data/secret/group1/testdata.yaml"].decode()
    files["data/secret/group1/testdata.yaml"] = (group1 + "\ninput_validator_args: [35]\n").encode()
    resp = await push(client, people.instructor, "addup", files, check_inputs=True)
    assert resp.status_code == 422, resp.text
    paths = {e["path"] for e in resp.json()["errors"]}
    assert paths == {"data/secret/group1/01.in"}  # 40 > 35 there; group 2 uses the validator's own bound
    assert "value 40 is out of range" in resp.json()["errors"][0]["message"]


async def test_an_input_validator_that_does_not_compile_rejects_the_upload_with_its_compiler_output(
    validating: tuple[Client, Settings, People, JudgeFleet],
) -> None:
    client, settings, people, _fleet = validating
    files = package_files("addup")
    files["input_validators/broken.cpp"] = b"int main() { return undefined_thing; }\n"
    before = await counts(settings)
    resp = await push(client, people.instructor, "addup", files, validate=True)
    assert resp.status_code == 422, resp.text
    (error,) = resp.json()["errors"]
    assert error["path"] == "input_validators/broken.cpp"
    assert "does not compile" in error["message"]
    assert "undefined_thing" in error["message"]
    assert await counts(settings) == before
    # Opted out: the validators are not run, and the answer says so.
    resp = await push(client, people.instructor, "addup", files, validate=True, check_inputs=False)
    assert resp.status_code == 201, resp.text
    assert resp.json()["inputsChecked"] is False
    assert "input_validators/broken.cpp" in resp.json()["inputValidators"]
