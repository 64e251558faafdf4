"""The manuals at ``/help``: a table of contents per audience, each page, and search. Public: it is documentation.

Pages come from :class:`~api.domain.help.manual.Manual` (``docs/<audience>/NN-slug.md``); an unknown audience or
page, or a name that is not a plain slug (``..``, slashes, dots), is a 404. Images are served from ``docs/images``.
"""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from api.db import models as m
from api.domain.help.manual import AUDIENCES, DOCS_DIR, Manual
from api.domain.help.search import search
from api.pages._common import render_page

__all__ = ["MANUAL", "HelpPages", "help_images"]

MANUAL: Final = Manual()
_BY_KEY: Final = {audience.key: audience for audience in AUDIENCES}


def _contents() -> list[dict[str, object]]:
    return [{"audience": a, "pages": MANUAL.pages(a.key)} for a in AUDIENCES]


class HelpPages(Controller):
    path = "/help"
    include_in_schema = False

    @get("/", name="help:index")
    async def index(self, optional_user: NamedDependency[m.User | None]) -> Template:
        return render_page("help/index.html.j2", user=optional_user, nav="help", title="Help", contents=_contents())

    @get("/search", name="help:search")
    async def search(
        self,
        optional_user: NamedDependency[m.User | None],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
    ) -> Template:
        hits = search(MANUAL, q)
        return render_page(
            "help/search.html.j2", user=optional_user, nav="help", title="Search the help", q=q, hits=hits
        )

    @get("/{audience:str}", name="help:audience")
    async def audience(self, optional_user: NamedDependency[m.User | None], audience: FromPath[str]) -> Template:
        chosen = _BY_KEY.get(audience)
        if chosen is None:
            raise NotFoundException(f"no help for {audience!r}: see /help")
        pages = [MANUAL.render(page) for page in MANUAL.pages(audience)]
        return render_page(
            "help/audience.html.j2", user=optional_user, nav="help", title=chosen.title, audience=chosen, pages=pages
        )

    @get("/{audience:str}/{slug:str}", name="help:page")
    async def page(
        self, optional_user: NamedDependency[m.User | None], audience: FromPath[str], slug: FromPath[str]
    ) -> Template:
        found = MANUAL.find(audience, slug)
        if found is None:
            raise NotFoundException("no such help page: see /help")
        return render_page(
            "help/page.html.j2",
            user=optional_user,
            nav="help",
            title=found.title,
            audience=_BY_KEY[audience],
            siblings=MANUAL.pages(audience),
            rendered=MANUAL.render(found),
        )


help_images: Final[ControllerRouterHandler] = create_static_files_router(
    path="/help/images", directories=[DOCS_DIR / "images"], include_in_schema=False, name="help:images"
)
