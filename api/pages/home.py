"""The start page; for a signed-in student it suggests problems that fit the experience set on the profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template

from api.db import models as m
from api.domain.accounts.guards import is_staff
from api.domain.problems.controllers import provide_problems_service
from api.domain.problems.schemas import ProblemSummary
from api.domain.problems.services import ProblemService
from api.pages._common import render_page

__all__ = ["LEVEL_DIFFICULTY", "HomePage"]

# The profile's "Experience" picks which problems the start page suggests.
LEVEL_DIFFICULTY: Final = {m.Level.BEGINNER: "easy", m.Level.INTERMEDIATE: "medium", m.Level.ADVANCED: "hard"}
SUGGESTIONS: Final = 4


async def suggestions_for(user: m.User, problems_service: ProblemService) -> Sequence[ProblemSummary]:
    """Published problems of the difficulty that fits ``user``'s experience (none for staff)."""
    if is_staff(user):
        return []
    items, _total = await problems_service.search(
        user,
        query=None,
        tag=None,
        difficulty=LEVEL_DIFFICULTY.get(user.level, "easy"),
        visibility=None,
        limit=SUGGESTIONS,
        offset=0,
    )
    return [problems_service.to_summary(p) for p in items]


class HomePage(Controller):
    include_in_schema = False
    dependencies = {"problems_service": Provide(provide_problems_service)}

    @get("/", name="home")
    async def home(
        self, optional_user: NamedDependency[m.User | None], problems_service: NamedDependency[ProblemService]
    ) -> Template:
        suggested = await suggestions_for(optional_user, problems_service) if optional_user is not None else []
        return render_page("home.html.j2", user=optional_user, nav="home", suggested=suggested)
