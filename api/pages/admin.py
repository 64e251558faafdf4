"""The admins' pages: an index and the accounts (search, change a role, deactivate).

Changes go to the accounts API (``PATCH /api/users/{id}``) through ``web/static/js/forms.js``; these controllers only
read and render. The judge fleet (``api/pages/fleet.py``) and feedback (``api/pages/feedback.py``) pages complete
the admin menu.
"""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from api.db import models as m
from api.domain.accounts.services import UserService
from api.lib.exceptions import PermissionDeniedError
from api.pages._common import SIGN_IN_REDIRECT, render_page, requires_signed_in_page

__all__ = ["AdminPages"]

PAGE_SIZE: Final = 50
ROLES: Final = tuple(role.value for role in m.Role)
ACTIVE_FILTERS: Final = {"active": True, "inactive": False}


def _ensure_admin(user: m.User) -> None:
    if user.role is not m.Role.ADMIN:
        raise PermissionDeniedError("only admins may open the admin pages")


class AdminPages(Controller):
    include_in_schema = False
    guards = [requires_signed_in_page]
    exception_handlers = SIGN_IN_REDIRECT

    @get("/admin", name="page:admin")
    async def index(self, current_user: NamedDependency[m.User]) -> Template:
        _ensure_admin(current_user)
        return render_page("admin/index.html.j2", user=current_user, nav="admin", title="Admin", tab="")

    @get("/admin/users", name="page:admin-users")
    async def users(
        self,
        *,
        current_user: NamedDependency[m.User],
        users_service: NamedDependency[UserService],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        role: Annotated[str, QueryParameter(max_length=20)] = "",
        status: Annotated[str, QueryParameter(max_length=20)] = "",
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        _ensure_admin(current_user)
        chosen_role = m.Role(role) if role in ROLES else None
        users, total = await users_service.search(
            query=q.strip() or None,
            roles=[chosen_role] if chosen_role else None,
            active=ACTIVE_FILTERS.get(status),
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        return render_page(
            "admin/users.html.j2",
            user=current_user,
            nav="admin",
            title="Users",
            tab="users",
            users=users,
            total=total,
            q=q.strip(),
            role=chosen_role.value if chosen_role else "",
            status=status if status in ACTIVE_FILTERS else "",
            roles=ROLES,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
        )
