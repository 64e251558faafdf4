"""The admins' LTI page: registered platforms (create, edit, disable), the URLs to paste into the LMS, the tool's
keys and their rotation. Changes go to the admin API (``/api/admin/lti``) through ``web/static/js/forms.js``."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.accounts.guards import requires_admin
from api.domain.lti.controllers import tool_urls
from api.domain.lti.keys import active_key
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page
from api.settings import Settings

__all__ = ["LtiAdminPage"]


class LtiAdminPage(Controller):
    include_in_schema = False
    guards = [requires_signed_in_page, requires_admin]
    exception_handlers = SIGN_IN_REDIRECT

    @get("/admin/lti", name="page:admin-lti")
    async def page(
        self,
        current_user: NamedDependency[m.User],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Template:
        await active_key(db_session)
        platforms = list(await db_session.scalars(select(m.LtiPlatform).order_by(m.LtiPlatform.name)))
        keys = list(await db_session.scalars(select(m.LtiToolKey).order_by(m.LtiToolKey.created_at.desc())))
        return render_page(
            "admin/lti.html.j2",
            user=current_user,
            nav="admin",
            title="LTI platforms",
            tab="lti",
            platforms=platforms,
            keys=keys,
            urls=tool_urls(settings),
        )
