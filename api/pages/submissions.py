"""Submission pages: your history (filter by problem and verdict) and one submission with its source, per-test
results and compiler output, live while it is judged. Data comes from :class:`SubmissionService` with the same
views as ``/api/submissions`` (a hidden test shows its verdict, never its data)."""

from __future__ import annotations

from typing import Annotated, Final
from uuid import UUID

from advanced_alchemy.exceptions import NotFoundError
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import is_staff
from api.domain.ai_grading.hints import hint_offer
from api.domain.assessments.visibility import audience_for, audiences_for
from api.domain.courses.access import ensure_can_view_user, shared_course_of
from api.domain.problems.controllers import provide_problems_service
from api.domain.problems.services import ProblemService, testset_manifest
from api.domain.qa.services import course_to_ask
from api.domain.scanning.services import scan_view
from api.domain.submissions.controllers import provide_submissions_service
from api.domain.submissions.services import SubmissionService
from api.domain.submissions.views import submission_view, summary_view
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page
from api.settings import Settings

__all__ = ["SubmissionPages"]

PAGE_SIZE: Final = 25
VERDICTS: Final = ("AC", "WA", "TLE", "MLE", "OLE", "RTE", "CE", "IE")


class SubmissionPages(Controller):
    include_in_schema = False
    guards = [requires_signed_in_page]
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = {
        "problems_service": Provide(provide_problems_service),
        "submissions_service": Provide(provide_submissions_service),
    }

    @get("/submissions", name="page:submissions")
    async def list_submissions(
        self,
        *,
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
        problems_service: NamedDependency[ProblemService],
        problem: Annotated[str | None, QueryParameter(max_length=64)] = None,
        verdict: Annotated[str | None, QueryParameter(max_length=8)] = None,
        user: Annotated[UUID | None, QueryParameter(description="staff: another person's submissions")] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        found = await submissions_service.find_problem(current_user, None, problem) if problem else None
        whose = current_user
        if user is not None and user != current_user.id and is_staff(current_user):
            other = await submissions_service.repository.session.get(m.User, user)
            if other is None:
                raise NotFoundError("no such person")
            await ensure_can_view_user(submissions_service.repository.session, current_user, other)
            whose = other
        chosen = verdict if verdict in VERDICTS else None
        items, total = await submissions_service.search(
            current_user,
            problem=found,
            user_id=whose.id,
            kind=None,
            status=None,
            verdict=chosen,
            language=None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        problem_ids = {s.problem_id for s in items if s.problem_id is not None}
        problems = await problems_service.list(m.Problem.id.in_(problem_ids)) if problem_ids else []
        audiences = await audiences_for(submissions_service.repository.session, current_user, items)
        return render_page(
            "submissions/list.html.j2",
            user=current_user,
            nav="submissions",
            submissions=[summary_view(s, audiences[s.id]) for s in items],
            problems={p.id: p for p in problems},
            problem=found,
            whose=whose if whose.id != current_user.id else None,
            verdict=chosen or "",
            verdicts=VERDICTS,
            total=total,
            page_number=page,
            pages=max(1, -(-total // PAGE_SIZE)),
        )

    @get("/submissions/{submission_id:uuid}", name="page:submission")
    async def show_submission(
        self,
        *,
        submission_id: FromPath[UUID],
        current_user: NamedDependency[m.User],
        submissions_service: NamedDependency[SubmissionService],
        problems_service: NamedDependency[ProblemService],
        settings: NamedDependency[Settings],
    ) -> Template:
        submission = await submissions_service.for_viewer(current_user, submission_id)
        problem = await submissions_service.problem_of(submission)
        testset = None
        if submission.testset_digest is not None:  # the tests it was judged on (a Run has none: its own input)
            testset = await problems_service.testset_of(problem) if problem is not None else None
            if testset is None or testset.digest != submission.testset_digest:
                testset = await submissions_service.repository.session.get(m.TestSet, submission.testset_digest)
        tests = testset_manifest(testset)["tests"]
        attempts = await submissions_service.attempts_of(submission)
        audience = await audience_for(submissions_service.repository.session, current_user, submission)
        view = submission_view(submission, tests, audience, attempts=attempts)
        test_count = max(len(tests), len(view.results))
        owner, owner_link = await _owner_of(submissions_service.repository.session, current_user, submission)
        return render_page(
            "submissions/show.html.j2",
            user=current_user,
            nav="submissions",
            submission=view,
            problem=problem,
            test_count=test_count,
            owner=owner,
            owner_link=owner_link,
            can_rejudge=is_staff(current_user) and submission.kind is m.SubmissionKind.SUBMISSION,
            scan=await scan_view(submissions_service.repository.session, submission.id),  # code scanning
            live={
                "id": str(view.id),
                "testCount": test_count,
                # hidden results: nothing to watch live (the page says when results come)
                "done": view.status is m.SubmissionStatus.DONE or view.results_hidden_until is not None,
            },
            ask_course=await course_to_ask(submissions_service.repository.session, current_user, submission),
            hint=await hint_offer(  # "explain my failing test" (AI, #14), where the assessment offers it
                submissions_service.repository.session, settings, current_user, submission, list(view.results)
            ),
        )


async def _owner_of(session: AsyncSession, viewer: m.User, submission: m.Submission) -> tuple[m.User | None, str]:
    """Whose submission a staff member is looking at, and where that person's other submissions are listed (their
    course's staff view when the viewer teaches them; the platform list for platform staff). None for one's own."""
    if submission.user_id is None or submission.user_id == viewer.id:
        return None, ""
    owner = await session.get(m.User, submission.user_id)
    if owner is None:
        return None, ""
    course_id = await shared_course_of(session, viewer, submission)
    if course_id is not None:
        return owner, f"/courses/{course_id}/submissions?student={owner.id}"
    return owner, f"/submissions?user={owner.id}" if is_staff(viewer) else ""
