"""What a viewer may see of a submission's results, per test (Gradescope's model).

A test's ``visibility`` (from its test set) decides: ``visible`` tests (and samples) show everything to the
submitter; ``hidden`` ones show the verdict, time, memory and points, never the test's data, the program's output
on it or the checker's message (which may quote the expected answer); ``after_due_date`` and ``after_published``
behave as ``hidden`` until the caller says the due date passed or grades are published (assessments decide that;
a problem on its own has neither). Instructors and admins see everything. A Run's single test is the student's
own input and always visible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from api.db import models as m
from api.domain.submissions import schemas
from judge_worker.contracts import CaseFinished, CaseResult, JudgeEvent

__all__ = ["Audience", "case_views", "filter_event", "submission_view", "summary_view", "websocket_path"]


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    """Who is looking, and what the context allows them to see."""

    staff: bool
    due_passed: bool = False
    grades_published: bool = False

    def may_see(self, entry: Mapping[str, Any] | None, *, run: bool = False) -> bool:
        if self.staff or run:
            return True
        if entry is None:
            return False
        visibility = entry.get("visibility", "hidden")
        return bool(
            entry.get("sample")
            or visibility == "visible"
            or (visibility == "after_due_date" and self.due_passed)
            or (visibility == "after_published" and self.grades_published)
        )


def websocket_path(submission_id: object) -> str:
    return f"/ws/submissions/{submission_id}"


def _entry(tests: Sequence[Mapping[str, Any]], index: int) -> Mapping[str, Any] | None:
    return tests[index] if 0 <= index < len(tests) else None


def case_views(
    results: Iterable[Mapping[str, Any]],
    tests: Sequence[Mapping[str, Any]],
    audience: Audience,
    *,
    run: bool = False,
) -> list[schemas.CaseView]:
    views: list[schemas.CaseView] = []
    for raw in results:
        case = msgspec.convert(raw, CaseResult)
        entry = _entry(tests, case.index)
        visible = audience.may_see(entry, run=run)
        views.append(
            schemas.CaseView(
                index=case.index,
                verdict=case.verdict.value,
                name=entry.get("name") if entry else None,
                group=case.group if case.group is not None else (entry.get("group") if entry else None),
                visibility="visible" if run else (entry.get("visibility", "hidden") if entry else "hidden"),
                sample=bool(entry.get("sample")) if entry else False,
                hidden=not visible,
                skipped=case.skipped,
                cpu_ms=case.cpu_ms,
                wall_ms=case.wall_ms,
                memory_kib=case.memory_kib,
                points=case.points,
                max_points=case.max_points,
                exit_code=case.exit_code,
                signal=case.signal,
                message=case.message if visible else None,
                stdout=case.stdout if visible else None,
                stderr=case.stderr if visible else None,
                stdout_truncated=case.stdout_truncated and visible,
                stderr_truncated=case.stderr_truncated and visible,
                input=entry.get("input_preview") if visible and entry else None,
                expected=entry.get("answer_preview") if visible and entry else None,
            )
        )
    return views


def _strip(case: CaseResult) -> CaseResult:
    return msgspec.structs.replace(
        case,
        message="",
        stdout=None,
        stderr=None,
        stdout_bytes=None,
        stderr_bytes=None,
        stdout_truncated=False,
        stderr_truncated=False,
    )


def filter_event(
    event: JudgeEvent, tests: Sequence[Mapping[str, Any]], audience: Audience, *, run: bool = False
) -> JudgeEvent:
    """The event as this viewer may see it: per-test output and messages of tests they may not see removed."""
    if not isinstance(event, CaseFinished) or audience.staff or run:
        return event

    def shown(case: CaseResult) -> CaseResult:
        return case if audience.may_see(_entry(tests, case.index)) else _strip(case)

    return msgspec.structs.replace(
        event,
        result=shown(event.result) if event.result is not None else None,
        batch=tuple(shown(case) for case in event.batch),
    )


def summary_view(submission: m.Submission) -> schemas.SubmissionSummary:
    run = submission.kind is m.SubmissionKind.RUN
    return schemas.SubmissionSummary(
        id=submission.id,
        user_id=submission.user_id,
        problem_id=submission.problem_id,
        kind=submission.kind,
        language=submission.language,
        status=submission.status,
        attempt=submission.attempt,
        verdict=submission.verdict,
        score=None if run else submission.score,
        cpu_ms=submission.cpu_ms,
        memory_kib=submission.memory_kib,
        created_at=submission.created_at,
        judged_at=submission.judged_at,
    )


def submission_view(
    submission: m.Submission,
    tests: Sequence[Mapping[str, Any]],
    audience: Audience,
    *,
    attempts: Sequence[m.SubmissionAttempt] = (),
    results: Iterable[Mapping[str, Any]] | None = None,
) -> schemas.Submission:
    run = submission.kind is m.SubmissionKind.RUN
    return schemas.Submission(
        id=submission.id,
        user_id=submission.user_id,
        problem_id=submission.problem_id,
        kind=submission.kind,
        language=submission.language,
        files=dict(submission.files),
        status=submission.status,
        attempt=submission.attempt,
        verdict=submission.verdict,
        score=None if run else submission.score,
        cpu_ms=submission.cpu_ms,
        memory_kib=submission.memory_kib,
        compile_output=submission.compile_output,
        message=submission.message,
        results=case_views(submission.results if results is None else results, tests, audience, run=run),
        testset_digest=submission.testset_digest,
        created_at=submission.created_at,
        judged_at=submission.judged_at,
        websocket=websocket_path(submission.id),
        stdin=(submission.stdin or b"").decode("utf-8", errors="backslashreplace") if run else None,
        attempts=[
            schemas.AttemptSummary(
                attempt=a.attempt,
                verdict=a.verdict,
                score=a.score,
                cpu_ms=a.cpu_ms,
                memory_kib=a.memory_kib,
                testset_digest=a.testset_digest,
                judged_at=a.judged_at,
                rejudged_at=a.created_at,
            )
            for a in attempts
        ],
    )
