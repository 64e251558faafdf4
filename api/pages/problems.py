"""Problem pages: the list (search, tag, difficulty), a problem with its editor, and the instructors' create/edit
page. Reading goes through :class:`ProblemService` (the same rules as ``/api/problems``); the editor's Run and
Submit, and the instructors' forms, are sent by the page's JavaScript to the JSON API."""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from redis.asyncio import Redis

from api.db import models as m
from api.domain.accounts.guards import is_staff
from api.domain.assessments.visibility import audiences_for
from api.domain.problems.controllers import provide_problems_service
from api.domain.problems.languages import VERDICT_LANGUAGES, fleet_languages, in_platform_order
from api.domain.problems.services import ProblemService, ensure_can_edit
from api.domain.submissions.controllers import provide_submissions_service
from api.domain.submissions.services import SubmissionService
from api.domain.submissions.views import summary_view
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["ProblemPages"]

PAGE_SIZE: Final = 25
RECENT_SUBMISSIONS: Final = 5
DIFFICULTIES: Final = ("easy", "medium", "hard")


async def _language_choices(problem_languages: list[str], redis: Redis) -> list[dict[str, Any]]:
    """The problem's languages (all of Verdict's when it names none), each marked enabled when a live judge offers
    it (all are, while no judge has reported: the submission is then queued until one does), in the platform's
    order: the first enabled one is the editor's default."""
    offered = await fleet_languages(redis)
    ids = in_platform_order(problem_languages or offered or VERDICT_LANGUAGES)
    return [{"id": lang, "enabled": offered is None or lang in offered} for lang in ids]


class ProblemPages(Controller):
    include_in_schema = False
    guards = [requires_signed_in_page]
    exception_handlers = SIGN_IN_REDIRECT
    dependencies = {
        "problems_service": Provide(provide_problems_service),
        "submissions_service": Provide(provide_submissions_service),
    }

    @get("/problems", name="page:problems")
    async def list_problems(
        self,
        *,
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        tag: Annotated[str | None, QueryParameter(max_length=40)] = None,
        difficulty: Annotated[str | None, QueryParameter(max_length=10)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        query, tag_name = (q or "").strip(), (tag or "").strip()
        level = difficulty if difficulty in DIFFICULTIES else None
        items, total = await problems_service.search(
            current_user,
            query=query or None,
            tag=tag_name or None,
            difficulty=level,
            visibility=None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        pages = max(1, -(-total // PAGE_SIZE))
        return render_page(
            "problems/list.html.j2",
            user=current_user,
            nav="problems",
            problems=[problems_service.to_summary(p) for p in items],
            total=total,
            page_number=page,
            pages=pages,
            q=query,
            tag=tag_name,
            difficulty=level or "",
            difficulties=DIFFICULTIES,
            tags_seen=sorted({t for p in items for t in p.tags}),
            filtered=bool(query or tag_name or level),
        )

    @get("/problems/new", name="page:problem-new")
    async def new_problem(self, current_user: NamedDependency[m.User]) -> Template:
        ensure_can_edit(current_user)
        return render_page(
            "problems/edit.html.j2", user=current_user, nav="new-problem", problem=None, languages=VERDICT_LANGUAGES
        )

    @get("/problems/{slug:str}/edit", name="page:problem-edit")
    async def edit_problem(
        self,
        *,
        slug: FromPath[str],
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
    ) -> Template:
        problem = await problems_service.for_editor(current_user, slug)
        view = await problems_service.to_view(problem, current_user)
        return render_page("problems/edit.html.j2", user=current_user, problem=view, languages=VERDICT_LANGUAGES)

    @get("/problems/{slug:str}", name="page:problem")
    async def show_problem(
        self,
        *,
        slug: FromPath[str],
        current_user: NamedDependency[m.User],
        problems_service: NamedDependency[ProblemService],
        submissions_service: NamedDependency[SubmissionService],
        redis: NamedDependency[Redis],
        lang: Annotated[str | None, QueryParameter(max_length=16)] = None,
    ) -> Template:
        problem = await problems_service.for_viewer(current_user, slug)
        view = await problems_service.to_view(problem, current_user, lang)
        recent, _total = await submissions_service.search(
            current_user,
            problem=problem,
            user_id=current_user.id,
            kind=m.SubmissionKind.SUBMISSION,
            status=None,
            verdict=None,
            language=None,
            limit=RECENT_SUBMISSIONS,
            offset=0,
        )
        audiences = await audiences_for(submissions_service.repository.session, current_user, recent)
        languages = await _language_choices(view.languages, redis)
        editor = {
            "problemId": str(view.id),
            "slug": view.slug,
            "testCount": view.test_count,
            "languages": languages,
            "sampleInput": view.samples[0].input if view.samples else "",
            "judgeable": view.testset_digest is not None,
        }
        return render_page(
            "problems/show.html.j2",
            user=current_user,
            nav="problems",
            title=view.title,
            problem=view,
            can_edit=is_staff(current_user),
            recent=[summary_view(s, audiences[s.id]) for s in recent],
            editor=editor,  # rendered with |tojson, which escapes <, > and & for a <script> data block
        )
