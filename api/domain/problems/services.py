"""The rules about problems: who sees which, who changes them, what a problem looks like on the wire."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final
from uuid import UUID

import msgspec
from advanced_alchemy import repository, service
from advanced_alchemy.exceptions import NotFoundError
from redis.asyncio import Redis
from sqlalchemy import String, cast, func, or_, select

from api.db import models as m
from api.domain.accounts.guards import is_staff
from api.domain.courses.access import may_see_private_problem, visible_problem_clause
from api.domain.problems import schemas
from api.domain.problems.files import statement_in, statement_versions
from api.domain.problems.languages import VERDICT_LANGUAGES, fleet_languages, in_platform_order
from api.domain.problems.markdown import render_markdown
from api.domain.problems.testsets import manifest_of
from api.lib.exceptions import ApplicationClientError, ConflictError, PermissionDeniedError
from judge_worker.contracts import TestSetData

__all__ = [
    "ProblemService",
    "can_see_problem",
    "check_languages",
    "check_slug",
    "ensure_can_edit",
    "known_languages",
    "testset_manifest",
]

_SLUG: Final = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?")
_SLUG_HELP: Final = "lower-case letters, digits and dashes, at most 64 characters, not starting or ending with a dash"


def can_see_problem(user: m.User, problem: m.Problem) -> bool:
    """Staff see every problem; others see published ones (and archived ones, which are no longer listed)."""
    return is_staff(user) or problem.visibility is not m.ProblemVisibility.DRAFT


async def known_languages(redis: Redis) -> frozenset[str]:
    """Verdict's languages, plus any other a live judge worker advertises."""
    return frozenset(VERDICT_LANGUAGES) | (await fleet_languages(redis) or frozenset())


def testset_manifest(testset: m.TestSet | None) -> dict[str, Any]:
    """The test set's manifest; rebuilt from the packed data for test sets stored without a full one."""
    if testset is None:
        return {"tests": [], "groups": [], "samples": []}
    manifest = testset.manifest or {}
    if manifest.get("version") is None:
        manifest = manifest_of(msgspec.msgpack.decode(testset.data, type=TestSetData))
    return manifest


def total_points(manifest: dict[str, Any]) -> float:
    """The points available, as the judge counts them: a group with points is worth those (all or nothing),
    every other test its own points."""
    group_points = {g["name"]: float(g.get("points", 0)) for g in manifest.get("groups", [])}
    total = sum(p for p in group_points.values() if p > 0)
    for test in manifest.get("tests", []):
        if group_points.get(test.get("group") or "", 0) <= 0:
            total += float(test.get("points", 0))
    return total


def check_languages(languages: Sequence[str], multipliers: dict[str, float], known: frozenset[str]) -> None:
    unknown = sorted((set(languages) | set(multipliers)) - known)
    if unknown:
        raise ApplicationClientError(
            f"unknown language {', '.join(unknown)}; Verdict's languages are {', '.join(in_platform_order(known))}",
            errors=[{"key": "languages", "message": f"unknown: {', '.join(unknown)}"}],
        )


class ProblemService(service.SQLAlchemyAsyncRepositoryService[m.Problem]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.Problem]):
        model_type = m.Problem

    repository_type = Repo

    async def by_slug(self, slug: str) -> m.Problem:
        problem = await self.get_one_or_none(m.Problem.slug == slug)
        if problem is None:
            raise NotFoundError(f"no problem {slug!r}")
        return problem

    async def for_viewer(self, user: m.User, slug: str) -> m.Problem:
        """The problem if ``user`` may see it; 404 otherwise (a draft's existence is not revealed)."""
        problem = await self.by_slug(slug)
        if not can_see_problem(user, problem) or not await may_see_private_problem(
            self.repository.session, user, problem
        ):
            raise NotFoundError(f"no problem {slug!r}")
        return problem

    async def for_editor(self, user: m.User, slug: str) -> m.Problem:
        """The problem if ``user`` may change it (a course-private one: its course's members only; 404 for others)."""
        problem = await self.by_slug(slug)
        ensure_can_edit(user)
        if not await may_see_private_problem(self.repository.session, user, problem):
            raise NotFoundError(f"no problem {slug!r}")
        return problem

    async def search(
        self,
        user: m.User,
        *,
        query: str | None,
        tag: str | None,
        difficulty: str | None,
        visibility: m.ProblemVisibility | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[m.Problem], int]:
        filters: list[Any] = [visible_problem_clause(user)]
        if is_staff(user):
            if visibility is not None:
                filters.append(m.Problem.visibility == visibility)
        else:
            if visibility not in (None, m.ProblemVisibility.PUBLISHED):
                raise PermissionDeniedError("only instructors may list draft or archived problems")
            filters.append(m.Problem.visibility == m.ProblemVisibility.PUBLISHED)
        if query:
            pattern = f"%{query.lower()}%"
            filters.append(or_(func.lower(m.Problem.title).like(pattern), func.lower(m.Problem.slug).like(pattern)))
        if difficulty:
            filters.append(m.Problem.difficulty == difficulty)
        if tag:
            filters.append(func.lower(cast(m.Problem.tags, String)).like(f'%"{tag.lower()}"%'))
        statement = select(m.Problem).order_by(m.Problem.created_at.desc(), m.Problem.slug).limit(limit).offset(offset)
        items = list(await self.repository.session.scalars(statement.where(*filters)))
        total = await self.repository.session.scalar(select(func.count()).select_from(m.Problem).where(*filters))
        return items, int(total or 0)

    async def create_problem(
        self, user: m.User, data: schemas.ProblemCreate, *, redis: Redis, course_id: UUID | None = None
    ) -> m.Problem:
        """A new library problem, or (``course_id``) one private to that course (its route checked the course role)."""
        if course_id is None:
            ensure_can_edit(user)
        check_languages(data.languages, data.language_multipliers, await known_languages(redis))
        if await self.get_one_or_none(m.Problem.slug == data.slug) is not None:
            raise ConflictError(f"a problem with the slug {data.slug!r} already exists")
        problem = m.Problem(
            slug=data.slug,
            title=data.title.strip(),
            statement_md=data.statement_md,
            time_limit_ms=data.time_limit_ms,
            memory_limit_mb=data.memory_limit_mb,
            languages=_unique(data.languages),
            language_multipliers=dict(data.language_multipliers),
            checker=msgspec.to_builtins(data.checker or schemas.CheckerConfig()),
            visibility=data.visibility,
            difficulty=data.difficulty,
            tags=_unique(data.tags),
            authors=_unique(data.authors),
            author_id=user.id,
            course_id=course_id,
        )
        return await self.create(problem, auto_commit=course_id is None)

    async def update_problem(self, user: m.User, slug: str, data: schemas.ProblemUpdate, *, redis: Redis) -> m.Problem:
        problem = await self.for_editor(user, slug)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "languages" in changes or "language_multipliers" in changes:
            check_languages(
                changes.get("languages", problem.languages),
                changes.get("language_multipliers", problem.language_multipliers),
                await known_languages(redis),
            )
        for key, value in changes.items():
            if key == "checker":
                if problem.checker.get("kind", "default") not in ("default", "exact", "lines", "unordered"):
                    raise ApplicationClientError("this problem's checker comes from its package: upload a new one")
                problem.checker = msgspec.to_builtins(value)
            elif key in ("languages", "tags", "authors"):
                setattr(problem, key, _unique(value))
            elif key == "title":
                problem.title = value.strip()
            else:
                setattr(problem, key, value)
        return await self.update(problem, auto_commit=True)

    async def testset_of(self, problem: m.Problem) -> m.TestSet | None:
        if problem.testset_digest is None:
            return None
        testset: m.TestSet | None = await self.repository.session.get(m.TestSet, problem.testset_digest)
        return testset

    async def to_view(self, problem: m.Problem, viewer: m.User, language: str | None = None) -> schemas.Problem:
        """The problem as ``viewer`` may see it; ``language`` picks another of the package's statements."""
        manifest = testset_manifest(await self.testset_of(problem))
        own, others = await statement_versions(self.repository.session, problem)
        statement = problem.statement_md
        chosen = own
        if language is not None and language in others:
            translated = await statement_in(self.repository.session, problem, others[language])
            if translated is not None:
                statement, chosen = translated, language
        staff = is_staff(viewer)
        tests = manifest.get("tests", [])
        return schemas.Problem(
            id=problem.id,
            slug=problem.slug,
            title=problem.title,
            statement_md=problem.statement_md,
            statement_html=render_markdown(
                statement, f"/api/problems/{problem.slug}/files/" if problem.package_digest else ""
            ),
            statement_language=chosen,
            statement_languages=sorted({*([own] if own is not None else []), *others}),
            time_limit_ms=problem.time_limit_ms,
            memory_limit_mb=problem.memory_limit_mb,
            languages=in_platform_order(problem.languages),
            language_multipliers=dict(problem.language_multipliers),
            checker=str(problem.checker.get("kind", "default")),
            visibility=problem.visibility,
            difficulty=problem.difficulty,
            tags=list(problem.tags),
            authors=list(problem.authors),
            author_id=problem.author_id,
            samples=[schemas.Sample(name=s["name"], input=s["input"], output=s["output"]) for s in manifest["samples"]],
            test_count=len(tests),
            total_points=total_points(manifest),
            testset_digest=problem.testset_digest,
            package_digest=problem.package_digest,
            created_at=problem.created_at,
            updated_at=problem.updated_at,
            tests=[
                schemas.TestInfo(
                    index=i,
                    name=t["name"],
                    points=float(t.get("points", 0)),
                    group=t.get("group"),
                    visibility=t.get("visibility", "hidden"),
                    sample=bool(t.get("sample", False)),
                )
                for i, t in enumerate(tests)
            ]
            if staff
            else None,
            groups=[
                schemas.TestGroupInfo(
                    name=g["name"],
                    points=float(g.get("points", 0)),
                    depends_on=list(g.get("depends_on", [])),
                    short_circuit=bool(g.get("short_circuit", True)),
                )
                for g in manifest.get("groups", [])
            ]
            if staff
            else None,
        )

    @staticmethod
    def to_summary(problem: m.Problem) -> schemas.ProblemSummary:
        return schemas.ProblemSummary(
            id=problem.id,
            slug=problem.slug,
            title=problem.title,
            difficulty=problem.difficulty,
            tags=list(problem.tags),
            visibility=problem.visibility,
            languages=in_platform_order(problem.languages),
            updated_at=problem.updated_at,
        )


def ensure_can_edit(user: m.User) -> None:
    if not is_staff(user):
        raise PermissionDeniedError("only instructors and admins may change problems")


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def check_slug(slug: str) -> str:
    if not _SLUG.fullmatch(slug):
        raise ApplicationClientError(f"{slug!r} is not a valid problem slug: {_SLUG_HELP}")
    return slug
