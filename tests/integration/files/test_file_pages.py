"""The files pages: the staff's list with sizes and totals, and the take page's upload zones and attachments."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.courses.conftest import Cast, Client
from tests.integration.files.support import assessment_with, remember_course, upload

HTML = {"Accept": "text/html"}


@pytest.fixture
def backend() -> str:
    return "local"  # pages do not depend on the storage back end


async def test_the_staff_files_page_lists_files_with_sizes_and_totals(client: Client, cast: Cast) -> None:
    remember_course(cast)
    assert (await upload(client, cast.instructor, "data.csv", b"x" * 2048, purpose="attachment")).status_code == 201
    assert (
        await upload(client, cast.student, "main.py", b"print(1)\n", purpose="submission_source")
    ).status_code == 201
    page = await client.get(f"/courses/{cast.course_id}/files", headers={**cast.ta.headers, **HTML})
    assert page.status_code == 200, page.text
    assert "data.csv" in page.text
    assert "2.0 KiB" in page.text
    assert "main.py" in page.text
    assert "2 files, 2.0 KiB of the course" in page.text
    assert 'src="/static/js/upload.js"' in page.text
    denied = await client.get(
        f"/courses/{cast.course_id}/files", headers={**cast.student.headers, **HTML}, follow_redirects=False
    )
    assert denied.status_code in (403, 303, 302)
    course_page = await client.get(f"/courses/{cast.course_id}", headers={**cast.instructor.headers, **HTML})
    assert f'href="/courses/{cast.course_id}/files"' in course_page.text


async def test_the_take_page_offers_upload_zones_per_question(client: Client, cast: Cast) -> None:
    remember_course(cast)
    question: dict[str, Any] = {"type": "file_answer", "promptMd": "Your report.", "allowedExtensions": ["pdf"]}
    aid, qid = await assessment_with(client, cast, question, kind="assignment")
    base = f"/api/courses/{cast.course_id}/assessments/{aid}"
    assert (await client.post(f"{base}/attempt", headers=cast.student.headers)).status_code == 200
    page = await client.get(f"/courses/{cast.course_id}/assessments/{aid}", headers={**cast.student.headers, **HTML})
    assert page.status_code == 200, page.text
    assert f'data-question="{qid}"' in page.text
    assert 'data-purpose="answer"' in page.text
    assert 'accept=".pdf"' in page.text
    assert "Drop files here" in page.text
    assert 'data-purpose="attachment"' in page.text  # the assessment's attachments, listed by upload.js
    assert "data-submit-code" not in page.text  # a file answer is not a code question
