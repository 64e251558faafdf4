"""The role matrix of tests/integration/test_route_guards.py, checked against the running app: every route is
called as each of the six callers. A caller the matrix denies must be refused (401/403, or a page's redirect to the
sign-in page) on every method — refusals happen in guards, before anything is changed. A caller the matrix allows
must get past the guards on every GET route and on every write to a course's routes (other writes, such as signing
out, are not replayed for the callers they allow; their refusals are checked).
A denied call to a path with a made-up problem or submission id may answer 404 (the route looks it up first)."""

from __future__ import annotations

import re
import uuid

from litestar import Litestar

from tests.integration.courses.conftest import Cast, Client
from tests.integration.test_route_guards import ANY, _is_framework_options, _routes, matrix_rule

_PARAM = re.compile(r"\{(\w+):(\w+)\}")


def _concrete(path: str, cast: Cast) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if name == "course_id":
            return str(cast.course_id)
        if kind == "uuid":
            return str(uuid.uuid4())
        if name == "audience":
            return "students"
        return "no-such-thing"

    return _PARAM.sub(value, path)


def _replayable(path: str, method: str) -> bool:
    """Writes to a course's own routes are replayed for the callers allowed too (with an empty body they change
    little: most answer 400), except deleting the course, which would end the test's course."""
    course_scoped = path.startswith(("/api/courses/{course_id:uuid}/", "/courses/{course_id:uuid}"))
    return course_scoped and not (method == "DELETE" and path == "/api/courses/{course_id:uuid}")


def _refused(status: int, location: str, *, made_up_ids: bool) -> bool:
    """Refused: 401/403, a page's redirect to sign in, or (for a path naming a made-up problem or submission, which
    a route may check before the caller's role) 404."""
    return (
        status in (401, 403) or (status in (302, 303, 307) and "/login" in location) or (made_up_ids and status == 404)
    )


async def test_the_role_matrix_holds_for_every_route(app: Litestar, client: Client, cast: Cast) -> None:
    callers = {c.name: c for c in cast.all}
    wrong: list[str] = []
    checked = 0
    for path, methods, handler in _routes(app):
        if _is_framework_options(handler, methods) or methods & {"WEBSOCKET", "ASGI"}:
            continue
        allowed = matrix_rule(path, methods)
        assert allowed is not None, path
        url = _concrete(path, cast)
        for method in sorted(methods if methods != ANY else {"GET", "POST"}):
            if method == "HEAD":
                continue
            for name, caller in callers.items():
                may = name in allowed
                if may and method != "GET" and not _replayable(path, method):
                    continue
                resp = await client.request(
                    method, url, headers=caller.headers, json={} if method != "GET" else None, follow_redirects=False
                )
                checked += 1
                made_up = bool(_PARAM.search(path.replace("{course_id:uuid}", "")))
                refused = _refused(resp.status_code, resp.headers.get("location", ""), made_up_ids=made_up and not may)
                if refused == may:
                    wrong.append(
                        f"{method} {path} as {name}: {resp.status_code} (expected {'allow' if may else 'deny'})"
                    )
    assert wrong == [], "\n".join(wrong)
    assert checked > 200
