"""The operator page for admins: judge workers with slots, versions and heartbeats, the queue per lane with the
estimated wait, and a drain button per worker (``POST /api/fleet/workers/{id}/drain`` through forms.js)."""

from __future__ import annotations

import time

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template
from redis.asyncio import Redis

from api.db import models as m
from api.domain.fleet.controllers import fleet_status
from api.lib.exceptions import PermissionDeniedError
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["FleetPages"]


class FleetPages(Controller):
    include_in_schema = False
    guards = [requires_signed_in_page]
    exception_handlers = SIGN_IN_REDIRECT

    @get("/admin/fleet", name="page:admin-fleet")
    async def fleet(self, current_user: NamedDependency[m.User], redis: NamedDependency[Redis]) -> Template:
        if current_user.role is not m.Role.ADMIN:
            raise PermissionDeniedError("only admins may see the judge fleet")
        status = await fleet_status(redis)
        return render_page(
            "admin/fleet.html.j2",
            user=current_user,
            nav="admin",
            tab="fleet",
            title="Judge fleet",
            status=status,
            now=time.time(),
            slots=sum(w.slots for w in status.workers),
            busy=sum(w.busy for w in status.workers),
        )
