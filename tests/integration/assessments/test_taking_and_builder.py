"""The take page's code questions (Monaco over a textarea holding the question's starter code, the language choice
limited to the question's languages, live results per submission), the builder's reorder and weight editing
through the question API, and "preview as a student"."""

from __future__ import annotations

from typing import Any

from tests.integration.assessments.test_assessments_api import make_quiz, publish
from tests.integration.courses.conftest import Cast, Client

STARTER = "import sys\n# read n, then n numbers <here>\n"


async def _code_question(client: Client, cast: Cast, aid: str, **fields: Any) -> dict[str, Any]:
    base = f"/api/courses/{cast.course_id}/assessments/{aid}"
    private = await client.post(
        f"/api/courses/{cast.course_id}/problems/private",
        json={"slug": "sum-them", "title": "Sum them", "visibility": "published", "languages": ["python3", "cpp17"]},
        headers=cast.instructor.headers,
    )
    assert private.status_code == 201, private.text
    problem_id = next(p["problemId"] for p in private.json() if p["slug"] == "sum-them")
    body = {"type": "code", "problemId": problem_id, "promptMd": "Sum them.", "starterCode": STARTER, **fields}
    added = await client.post(f"{base}/questions", json=body, headers=cast.instructor.headers)
    assert added.status_code == 201, added.text
    question: dict[str, Any] = added.json()["questions"][-1]
    return question


async def test_a_code_question_has_starter_code_and_only_its_languages(client: Client, cast: Cast) -> None:
    aid, _ids = await make_quiz(client, cast, scoreVisibility="immediate")
    question = await _code_question(client, cast, aid, languages=["python3"])
    assert question["starterCode"] == STARTER
    assert question["languages"] == ["python3"]
    inherited = await _code_question_again(client, cast, aid, question["problemId"])
    assert set(inherited["languages"]) == {"python3", "cpp17"}  # none given: the problem's
    await publish(client, cast, aid)
    await client.post(f"/api/courses/{cast.course_id}/assessments/{aid}/attempt", headers=cast.student.headers)
    page = await client.get(f"/courses/{cast.course_id}/assessments/{aid}", headers=cast.student.headers)
    assert page.status_code == 200
    text = page.text
    assert "data-editor" in text  # Monaco's frame; the textarea is the fallback and what is submitted
    assert "# read n, then n numbers &lt;here&gt;" in text  # the starter code, escaped
    section = text[text.index(f'data-question="{question["id"]}"') :]
    section = section[: section.index("</li>")]
    assert '<option value="python3">' in section
    assert 'value="cpp17"' not in section  # only the question's languages


async def _code_question_again(client: Client, cast: Cast, aid: str, problem_id: str) -> dict[str, Any]:
    base = f"/api/courses/{cast.course_id}/assessments/{aid}"
    body = {"type": "code", "problemId": problem_id, "promptMd": "Again, any language of the problem."}
    added = await client.post(f"{base}/questions", json=body, headers=cast.instructor.headers)
    assert added.status_code == 201, added.text
    question: dict[str, Any] = added.json()["questions"][-1]
    return question


async def test_the_builder_reorders_and_reweighs_questions(client: Client, cast: Cast) -> None:
    aid, (mc, sa) = await make_quiz(client, cast)
    base = f"/api/courses/{cast.course_id}/assessments/{aid}"
    editor = await client.get(f"/courses/{cast.course_id}/assessments/{aid}/edit", headers=cast.instructor.headers)
    assert editor.status_code == 200
    assert "data-move" in editor.text
    assert "data-weight" in editor.text
    assert "?preview=true" in editor.text
    assert 'id="questions-data"' in editor.text
    assert "Starter code" in editor.text
    detail = (await client.get(base, headers=cast.instructor.headers)).json()
    views = {q["id"]: q for q in detail["questions"]}
    # what the builder's script sends: the question as shown, with the new position or weight
    keep = ("type", "promptMd", "weight", "options", "correct", "multiple", "accepted", "match", "tolerance")
    for qid, position in ((sa, 0), (mc, 1)):
        body = {k: v for k, v in views[qid].items() if k in keep and v is not None} | {"position": position}
        moved = await client.put(f"{base}/questions/{qid}", json=body, headers=cast.instructor.headers)
        assert moved.status_code == 200, moved.text
    body = {k: v for k, v in views[mc].items() if k in keep and v is not None} | {"position": 1, "weight": 5}
    assert (await client.put(f"{base}/questions/{mc}", json=body, headers=cast.instructor.headers)).status_code == 200
    after = (await client.get(base, headers=cast.instructor.headers)).json()["questions"]
    assert [(q["id"], q["weight"]) for q in after] == [(sa, views[sa]["weight"]), (mc, 5.0)]


async def test_preview_as_a_student_shows_the_questions_without_answers_and_saves_nothing(
    client: Client, cast: Cast
) -> None:
    aid, _ids = await make_quiz(client, cast, timeLimitMinutes=30)
    page = f"/courses/{cast.course_id}/assessments/{aid}"
    preview = await client.get(f"{page}?preview=true", headers=cast.instructor.headers)
    assert preview.status_code == 200
    assert "data-preview-banner" in preview.text
    assert "data-preview" in preview.text
    assert "data-finish" not in preview.text  # nothing to hand in
    assert 'data-remaining="1800"' in preview.text  # the full time limit, as at Start
    assert "Pick the primes" in preview.text
    attempt = await client.get(f"/api/courses/{cast.course_id}/assessments/{aid}/attempt", headers=cast.ta.headers)
    assert attempt.status_code == 404  # previewing starts no attempt
    # a student asking for a preview gets their own page (here: a draft they may not see)
    assert (await client.get(f"{page}?preview=true", headers=cast.student.headers)).status_code == 404
    ta_preview = await client.get(f"{page}?preview=true", headers=cast.ta.headers)
    assert "data-preview-banner" in ta_preview.text
