from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from api.db import models as m
from api.pages._common import render_page

__all__ = ["HomePage"]


class HomePage(Controller):
    include_in_schema = False

    @get("/", name="home")
    async def home(self, optional_user: NamedDependency[m.User | None]) -> Template:
        return render_page("home.html.j2", user=optional_user, nav="home")
