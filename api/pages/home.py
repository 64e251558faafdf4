from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

__all__ = ["HomePage"]


class HomePage(Controller):
    include_in_schema = False

    @get("/", name="home")
    async def home(self) -> Template:
        return Template(template_name="home.html.j2", context={})
