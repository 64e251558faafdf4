"""Every route of the app is public by this explicit list, or carries a guard (see api/domain/accounts/guards.py).

Adding a route? Guard it (``requires_active_user``, ``requires_instructor``, ``requires_admin``,
``requires_scope(...)``, ...). Only if it must be reachable without signing in, add it to ``PUBLIC`` below with the
reason. Entries are ``(methods, path pattern)``; patterns are ``fnmatch`` globs over Litestar's path templates.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Final

from litestar import Litestar, get, post
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import ASGIRoute, HTTPRoute, WebSocketRoute

ANY: Final = frozenset({"*"})
PUBLIC: Final[tuple[tuple[frozenset[str], str, str], ...]] = (
    (frozenset({"GET"}), "/health", "liveness probe for load balancers"),
    (frozenset({"GET"}), "/ready", "readiness probe for orchestrators"),
    (frozenset({"GET"}), "/ready/judges", "judge fleet probe for operators' alerts and the no-judge banner"),
    (frozenset({"GET"}), "/api/system/workers", "judge fleet status, shown on public pages"),
    (frozenset({"GET"}), "/", "the start page"),
    (frozenset({"GET"}), "/register", "the registration page"),
    (frozenset({"GET"}), "/verify-email", "the page the confirmation mail links to"),
    (frozenset({"GET"}), "/login", "the sign-in page"),
    (frozenset({"GET"}), "/forgot-password", "asking for a password reset"),
    (frozenset({"GET"}), "/reset-password", "the page the reset mail links to"),
    (frozenset({"GET", "HEAD"}), "/static/*", "CSS, JavaScript, fonts"),
    (frozenset({"GET"}), "/api/docs", "OpenAPI UI"),
    (frozenset({"GET", "HEAD"}), "/help*", "the manuals and their images: documentation, for anyone (docs/ only)"),
    (frozenset({"GET"}), "/api/docs/*", "OpenAPI schema and UI assets"),
    (frozenset({"POST"}), "/api/auth/register", "anyone may register"),
    (frozenset({"POST"}), "/api/auth/verify-email", "the mailed token is the credential"),
    (frozenset({"POST"}), "/api/auth/verify-email/resend", "the pending registration's password is the credential"),
    (frozenset({"POST"}), "/api/auth/login", "signing in"),
    (frozenset({"POST"}), "/api/auth/session", "signing in (browser cookies)"),
    (frozenset({"POST"}), "/api/auth/refresh", "the refresh token is the credential"),
    (frozenset({"POST"}), "/api/auth/password-reset", "forgotten passwords"),
    (frozenset({"POST"}), "/api/auth/password-reset/confirm", "the mailed token is the credential"),
    (frozenset({"GET", "POST"}), "/lti/login", "LTI OIDC login initiation: the LMS sends a signed-out browser here"),
    (frozenset({"POST"}), "/lti/launch", "LTI launch: the platform's signed id_token is the credential"),
    (frozenset({"GET"}), "/lti/jwks", "the tool's public keys, fetched by LMS platforms"),
)


def _methods(handler: BaseRouteHandler) -> frozenset[str]:
    methods = getattr(handler, "http_methods", None)
    return frozenset(methods) if methods else ANY


def _is_framework_options(handler: BaseRouteHandler, methods: frozenset[str]) -> bool:
    """Litestar's automatic OPTIONS answer (an Allow header, no data); an OPTIONS handler of ours is checked."""
    return methods == {"OPTIONS"} and handler.fn.__module__.startswith("litestar.")


def _routes(app: Litestar) -> Iterator[tuple[str, frozenset[str], BaseRouteHandler]]:
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                yield route.path, _methods(handler), handler
        elif isinstance(route, WebSocketRoute | ASGIRoute):
            kind = "WEBSOCKET" if isinstance(route, WebSocketRoute) else "ASGI"
            yield route.path, frozenset({kind}), route.route_handler


def _public_entry(path: str, methods: frozenset[str]) -> int | None:
    for index, (allowed, pattern, _why) in enumerate(PUBLIC):
        if fnmatchcase(path, pattern) and (allowed is ANY or methods <= allowed):
            return index
    return None


def unguarded_routes(app: Litestar) -> tuple[list[str], set[int]]:
    """Routes with no guard that the public list does not name, and the public entries that matched something."""
    offenders: list[str] = []
    used: set[int] = set()
    for path, methods, handler in _routes(app):
        if _is_framework_options(handler, methods):
            continue
        if handler.resolve_guards():
            continue
        entry = _public_entry(path, methods)
        if entry is None:
            name = getattr(handler.fn, "__qualname__", handler.handler_name)
            offenders.append(f"{' '.join(sorted(methods))} {path} ({handler.fn.__module__}.{name})")
        else:
            used.add(entry)
    return sorted(offenders), used


def test_every_route_is_public_by_the_list_or_guarded(app: Litestar) -> None:
    offenders, used = unguarded_routes(app)
    assert offenders == [], "routes with no guard and not in PUBLIC:\n" + "\n".join(offenders)
    stale = [PUBLIC[index][1] for index in range(len(PUBLIC)) if index not in used]
    assert stale == [], f"PUBLIC entries that match no unguarded route (remove them): {stale}"


def test_a_new_unguarded_route_is_reported_by_path(app: Litestar) -> None:
    @get("/api/forgotten-guard")
    async def forgotten() -> None:
        return None

    @post("/api/auth/login/extra")
    async def near_a_public_path() -> None:
        return None

    @get("/api/auth/register")  # a public path, but not for this method
    async def other_method() -> None:
        return None

    app.register(forgotten)
    app.register(near_a_public_path)
    app.register(other_method)
    offenders, _used = unguarded_routes(app)
    assert [o.split(" (")[0] for o in offenders] == [
        "GET /api/auth/register",
        "GET /api/forgotten-guard",
        "POST /api/auth/login/extra",
    ]
    assert all("test_route_guards" in offender for offender in offenders)


# --- the role matrix ----------------------------------------------------------------------------------------------
# Every route x (anonymous, signed-in outsider, enrolled student, TA, instructor, admin). The callers: an outsider is
# a platform student in no course; the student and the TA (a platform student too) are in the course; the instructor
# (platform instructor) teaches it; the admin is in no course. A route that no rule names fails the suite.
CALLERS: Final = ("anonymous", "outsider", "student", "ta", "instructor", "admin")
EVERYONE: Final = frozenset(CALLERS)
SIGNED_IN: Final = EVERYONE - {"anonymous"}
PLATFORM_STAFF: Final = frozenset({"instructor", "admin"})
ADMIN_ONLY: Final = frozenset({"admin"})
COURSE_MEMBERS: Final = frozenset({"student", "ta", "instructor", "admin"})
COURSE_STAFF: Final = frozenset({"ta", "instructor", "admin"})
COURSE_INSTRUCTORS: Final = frozenset({"instructor", "admin"})
NOBODY: Final = frozenset[str]()  # a credential none of the callers holds (the judge token)

MATRIX: Final[tuple[tuple[frozenset[str], str, frozenset[str]], ...]] = (
    # LTI 1.3 (#21): platform registrations and the tool's keys are for admins
    (ANY, "/api/admin/lti*", ADMIN_ONLY),
    (ANY, "/api/courses/{course_id:uuid}/lti*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/lti", COURSE_STAFF),
    # the deep-linking picker: any signed-in person reaches the handler, which then serves only the one the LMS
    # request signed in (the token is bound to that person; others get 403, unknown tokens 404)
    (ANY, "/lti/deep-link/{token:str}", SIGNED_IN),
    (ANY, "/api/lti/deep-link/{token:str}", SIGNED_IN),
    # dashboards and analytics (api/domain/dashboards/, api/pages/dashboards.py)
    (ANY, "/api/dashboard", SIGNED_IN),
    (ANY, "/dashboard", SIGNED_IN),
    (ANY, "/api/courses/{course_id:uuid}/dashboard*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/dashboard", COURSE_STAFF),
    (ANY, "/api/analytics*", ADMIN_ONLY),
    (ANY, "/admin/analytics", ADMIN_ONLY),
    # courses (course roles, resolved by api/domain/courses/access.py)
    # coursefix (#11): the course audit trail, its CSV export and its page are for the course's staff
    (ANY, "/api/courses/{course_id:uuid}/audit*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/audit", COURSE_STAFF),
    (frozenset({"GET"}), "/api/courses", SIGNED_IN),
    (frozenset({"POST"}), "/api/courses", PLATFORM_STAFF),
    (frozenset({"POST"}), "/api/courses/join", SIGNED_IN),
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}", COURSE_MEMBERS),
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/problems", COURSE_MEMBERS),
    (frozenset({"POST", "DELETE"}), "/api/courses/{course_id:uuid}/problems*", COURSE_INSTRUCTORS),
    (frozenset({"PATCH", "DELETE"}), "/api/courses/{course_id:uuid}", COURSE_INSTRUCTORS),
    (ANY, "/api/courses/{course_id:uuid}/archive", COURSE_INSTRUCTORS),
    (ANY, "/api/courses/{course_id:uuid}/join-code", COURSE_INSTRUCTORS),
    (ANY, "/api/courses/{course_id:uuid}/invite-link", COURSE_INSTRUCTORS),
    (ANY, "/api/courses/{course_id:uuid}/members*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/groups*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/levels*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/roster*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/submissions", COURSE_STAFF),
    # similarity reports and code scanning (api/domain/similarity/, api/domain/scanning/, api/pages/similarity.py):
    # staff run and read similarity reports and read a question's checks, instructors set them; a submission's scan
    # follows the submission
    (ANY, "/api/courses/{course_id:uuid}/assessments/*/questions/*/similarity", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/similarity/*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/assessments/*/questions/*/similarity", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/similarity/*", COURSE_STAFF),
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/assessments/*/questions/*/scan", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/assessments/*/questions/*/scan", COURSE_INSTRUCTORS),
    (frozenset({"GET"}), "/api/submissions/{submission_id:uuid}/scan", SIGNED_IN),  # whoever may see the submission
    (ANY, "/courses/{course_id:uuid}/assessments/*/questions/*/scan", COURSE_INSTRUCTORS),
    # assessments (api/domain/assessments/): members take them, staff see results, instructors build them
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/assessments", COURSE_MEMBERS),
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/assessments/{assessment_id:uuid}", COURSE_MEMBERS),
    (ANY, "/api/courses/{course_id:uuid}/assessments/{assessment_id:uuid}/attempt*", COURSE_MEMBERS),
    (ANY, "/api/courses/{course_id:uuid}/assessments/{assessment_id:uuid}/results*", COURSE_STAFF),
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/assessments/{assessment_id:uuid}/accommodations", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/assessments*", COURSE_INSTRUCTORS),
    # AI grading (api/domain/ai_grading/, #14): staff run it and decide on proposals; instructors read the course's
    # usage and set hints; admins set the course's endpoint and budget; members ask for hints where they are on
    (ANY, "/api/courses/{course_id:uuid}/ai/config", ADMIN_ONLY),
    (ANY, "/api/courses/{course_id:uuid}/ai/usage", COURSE_INSTRUCTORS),
    (frozenset({"PUT"}), "/api/courses/{course_id:uuid}/ai/assessments/*/hints", COURSE_INSTRUCTORS),
    (ANY, "/api/courses/{course_id:uuid}/ai/*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/hints/*", COURSE_MEMBERS),
    (ANY, "/courses/{course_id:uuid}/grading/assessments/*/ai", COURSE_STAFF),
    # grading (api/domain/grading/): staff grade, keep the gradebook, release and resolve; students read their own
    (ANY, "/api/courses/{course_id:uuid}/gradebook*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/grading/*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/grades/*", COURSE_MEMBERS),
    (ANY, "/courses/{course_id:uuid}/gradebook*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/grading*", COURSE_STAFF),
    # files (api/domain/files/): members upload and download what they may (checked per file), staff see them all
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/files/overview", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/files*", COURSE_MEMBERS),
    (ANY, "/courses/{course_id:uuid}/files", COURSE_STAFF),
    # community (api/domain/notifications, live, announcements, qa, chat; pages under web/templates/community)
    (ANY, "/api/notifications*", SIGNED_IN),
    (frozenset({"WEBSOCKET"}), "/api/live", SIGNED_IN),  # each channel then checks membership
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/announcements", COURSE_MEMBERS),
    (ANY, "/api/courses/{course_id:uuid}/announcements*", COURSE_STAFF),
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/questions/by-test", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/questions/answers/*/endorse", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/questions*", COURSE_MEMBERS),
    (frozenset({"GET"}), "/api/courses/{course_id:uuid}/chat/rooms*", COURSE_MEMBERS),
    (frozenset({"POST"}), "/api/courses/{course_id:uuid}/chat/rooms/*/messages", COURSE_MEMBERS),
    (frozenset({"POST"}), "/api/courses/{course_id:uuid}/chat/rooms/*/read", COURSE_MEMBERS),
    (ANY, "/api/courses/{course_id:uuid}/chat/rooms*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/chat/reports", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/chat/mutes*", COURSE_STAFF),
    (ANY, "/api/courses/{course_id:uuid}/chat/*", COURSE_MEMBERS),
    (ANY, "/courses/{course_id:uuid}/questions/by-test", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/chat*", COURSE_MEMBERS),
    (ANY, "/courses/{course_id:uuid}/questions*", COURSE_MEMBERS),
    (ANY, "/courses/{course_id:uuid}/announcements*", COURSE_MEMBERS),
    (ANY, "/notifications", SIGNED_IN),
    # accounts
    (ANY, "/api/auth/logout*", SIGNED_IN),
    (ANY, "/api/auth/password", SIGNED_IN),
    (ANY, "/api/me", SIGNED_IN),
    (ANY, "/api/tokens*", SIGNED_IN),
    (frozenset({"GET"}), "/api/users*", PLATFORM_STAFF),
    (ANY, "/api/users*", ADMIN_ONLY),
    # problems and submissions
    (frozenset({"GET"}), "/api/problems", SIGNED_IN),
    (frozenset({"GET"}), "/api/problems/{slug:str}", SIGNED_IN),
    (frozenset({"GET"}), "/api/problems/{slug:str}/files/*", SIGNED_IN),  # statement images and attachments
    (ANY, "/api/problems*", PLATFORM_STAFF),
    (frozenset({"POST"}), "/api/submissions/{submission_id:uuid}/rejudge", PLATFORM_STAFF),
    (ANY, "/api/submissions*", SIGNED_IN),
    (ANY, "/api/runs", SIGNED_IN),
    (frozenset({"WEBSOCKET"}), "/ws/submissions/*", SIGNED_IN),
    # feedback, judge0, internal
    (frozenset({"POST"}), "/api/feedback", SIGNED_IN),
    (ANY, "/api/feedback*", ADMIN_ONLY),
    (ANY, "/judge0*", SIGNED_IN),
    (ANY, "/internal/*", NOBODY),
    (ANY, "/metrics", ADMIN_ONLY),  # or METRICS_TOKEN, which none of the callers holds
    (ANY, "/api/fleet*", ADMIN_ONLY),
    # pages (signed out: sent to the sign-in page)
    (ANY, "/admin", ADMIN_ONLY),
    (ANY, "/admin/*", ADMIN_ONLY),
    (ANY, "/problems/new", PLATFORM_STAFF),
    (ANY, "/problems/{slug:str}/edit", PLATFORM_STAFF),
    (ANY, "/courses/{course_id:uuid}/people*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/roster*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/submissions*", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/assessments/new", COURSE_INSTRUCTORS),
    (ANY, "/courses/{course_id:uuid}/assessments/{assessment_id:uuid}/edit", COURSE_INSTRUCTORS),
    (ANY, "/courses/{course_id:uuid}/assessments/{assessment_id:uuid}/results", COURSE_STAFF),
    (ANY, "/courses/{course_id:uuid}/assessments/{assessment_id:uuid}", COURSE_MEMBERS),
    (ANY, "/courses/{course_id:uuid}", COURSE_MEMBERS),
    (ANY, "/courses/new", PLATFORM_STAFF),
    (ANY, "/courses*", SIGNED_IN),
    (ANY, "/problems*", SIGNED_IN),
    (ANY, "/profile", SIGNED_IN),
    (ANY, "/submissions*", SIGNED_IN),
)


def matrix_rule(path: str, methods: frozenset[str]) -> frozenset[str] | None:
    """Who may use the route (its first matching MATRIX entry; PUBLIC routes: everyone)."""
    for allowed, pattern, callers in MATRIX:
        if fnmatchcase(path, pattern) and (allowed is ANY or methods <= allowed):
            return callers
    if _public_entry(path, methods) is not None:
        return EVERYONE
    return None


def test_every_route_has_a_rule_in_the_role_matrix(app: Litestar) -> None:
    missing = [
        f"{' '.join(sorted(methods))} {path}"
        for path, methods, handler in _routes(app)
        if not _is_framework_options(handler, methods) and matrix_rule(path, methods) is None
    ]
    assert missing == [], "routes with no rule in MATRIX (say who may use them):\n" + "\n".join(missing)
