"""Problem packages pushed from CI: receive, validate, store, optionally verify, and export.

An upload goes through these steps, and stores nothing unless it gets to the last one:

1. the body is streamed into a fresh private directory, refused with 413 the moment it passes the cap;
2. the archive is checked member by member before anything is extracted, then extracted with measured caps
   (:mod:`api.domain.problems.archive`), parsed (:mod:`api.domain.problems.package`) and turned into a test set;
   the directory is removed whatever happens;
3. the same package as the problem's current one is a no-op that answers the same digests;
4. with ``check_inputs`` (by default when ``validate`` is on), the package's input validators run on every test
   input through the fleet (:mod:`api.domain.problems._input_checks`); an input one rejects rejects the upload,
   naming the test file and the validator's message;
5. with ``validate``, every reference solution is judged through the real fleet against the new tests (kind
   ``validation``, the background lane); one that does not get its folder's verdict rejects the upload, naming
   the solution and the test, and what validation stored is removed again;
6. the test set and the package's other files are stored content-addressed and the problem switches to them in
   one transaction: a submission already made keeps the digest it recorded, so what it is judged against never
   changes.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import msgspec
from redis.asyncio import Redis
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.problems import schemas
from api.domain.problems._input_checks import raise_for, run_input_validators
from api.domain.problems._outcomes import failure_message, outcome_of, skip_of
from api.domain.problems._timing import MEASURING_LIMIT_MS, measured_limit_ms
from api.domain.problems.archive import ArchiveError, ArchiveLimits, extract_archive
from api.domain.problems.errors import PackageError, PackageIssue
from api.domain.problems.export import DEFAULT_STATEMENT_PATH, ExportSource, export_package
from api.domain.problems.languages import fleet_languages, source_name
from api.domain.problems.package import ParsedPackage, ReferenceSolution, parse_package
from api.domain.problems.services import (
    ProblemService,
    check_languages,
    check_slug,
    ensure_can_edit,
    known_languages,
)
from api.domain.problems.testsets import build_testset, manifest_of
from api.domain.submissions.judging import build_judge_request
from api.lib.exceptions import ApplicationError, ServiceUnavailableError
from api.queue import JudgeQueue, Lane
from api.settings import Settings
from judge_worker.contracts import GradingPolicy, JudgeRequest, TestSetData, pack_testset

__all__ = ["PackageService", "PayloadTooLargeError", "PreparedPackage"]

logger = logging.getLogger("verdict.packages")
_POLL_S: Final = 0.25


class PayloadTooLargeError(ApplicationError):
    status_code = 413


class ValidationTimeoutError(ApplicationError):
    status_code = 504


class PreparedPackage(msgspec.Struct, frozen=True, kw_only=True):
    parsed: ParsedPackage
    testset: TestSetData
    testset_digest: str
    packed: bytes


def archive_limits(settings: Settings) -> ArchiveLimits:
    return ArchiveLimits(
        max_members=settings.package_max_files,
        max_file_bytes=settings.package_max_file_bytes,
        max_total_bytes=settings.package_max_total_bytes,
        max_ratio=float(settings.package_max_ratio),
    )


def _prepare(archive: Path, tree: Path, limits: ArchiveLimits) -> PreparedPackage:
    try:
        extracted = extract_archive(archive, tree, limits)
    except ArchiveError as exc:
        raise PackageError.of([PackageIssue(exc.member or "(archive)", exc.reason)]) from None
    parsed = parse_package(extracted.root, extracted.files)
    testset = build_testset(parsed)
    digest, packed = pack_testset(testset)
    return PreparedPackage(parsed=parsed, testset=testset, testset_digest=digest, packed=packed)


def problem_checker(parsed: ParsedPackage) -> dict[str, Any]:
    checker: dict[str, Any] = msgspec.to_builtins(parsed.checker)
    return {k: v for k, v in checker.items() if v not in (None, ())}


def _tags(parsed: ParsedPackage) -> list[str]:
    return list(dict.fromkeys(parsed.config.keywords + parsed.config.verdict.tags))


class PackageService:
    def __init__(self, *, session: AsyncSession, settings: Settings, problems: ProblemService) -> None:
        self.session = session
        self.settings = settings
        self.problems = problems

    # --- receiving ------------------------------------------------------------------------------------------
    def _work_root(self) -> Path:
        root = self.settings.data_dir / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        return root

    async def receive(
        self, user: m.User, slug: str, body: AsyncIterator[bytes], content_length: int | None
    ) -> PreparedPackage:
        """Stream the upload to disk under the size cap, then check, extract and parse it (in a thread).
        Who uploads and where is checked first, so a refused upload is not read at all."""
        ensure_can_edit(user)
        check_slug(slug)
        cap = self.settings.package_max_bytes
        if content_length is not None and content_length > cap:
            raise PayloadTooLargeError(f"the package is {content_length} bytes, over the limit of {cap} bytes")
        work = Path(tempfile.mkdtemp(prefix="package-", dir=self._work_root()))
        try:
            archive = work / "upload"
            received = 0
            with archive.open("wb") as out:
                async for chunk in body:
                    received += len(chunk)
                    if received > cap:
                        raise PayloadTooLargeError(f"the package is over the limit of {cap} bytes")
                    out.write(chunk)
            if received == 0:
                raise PackageError.of([PackageIssue("(archive)", "the request body is empty: send a zip or tar.gz")])
            return await asyncio.to_thread(_prepare, archive, work / "tree", archive_limits(self.settings))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # --- uploading ------------------------------------------------------------------------------------------
    async def upload(
        self,
        *,
        user: m.User,
        slug: str,
        prepared: PreparedPackage,
        validate: bool,
        queue: JudgeQueue,
        redis: Redis,
        check_inputs: bool | None = None,
    ) -> schemas.PackageResult:
        """``check_inputs`` (default: as ``validate``) runs the package's input validators on every test input."""
        ensure_can_edit(user)
        check_slug(slug)
        parsed = prepared.parsed
        settings = parsed.config.verdict
        check_languages(settings.languages, settings.language_multipliers, await known_languages(redis))
        problem = await self.problems.get_one_or_none(m.Problem.slug == slug)
        if problem is not None:
            problem = await self.problems.for_editor(user, slug)  # another course's private problem: 404
        if (
            problem is not None
            and problem.package_digest == parsed.digest
            and problem.testset_digest == prepared.testset_digest
        ):
            return self._result(problem, prepared, created=False, changed=False, validated=False)
        outcomes: list[schemas.ValidationOutcome] = []
        skipped: list[schemas.SkippedReference] = []
        inputs_checked = False
        testset_was_stored: bool | None = None  # before this upload (None: not looked at yet)
        if parsed.input_validators and (validate if check_inputs is None else check_inputs):
            testset_was_stored = await self._check_inputs(prepared, queue=queue, redis=redis)
            inputs_checked = True
        if validate:
            prepared, outcomes, skipped = await self._validate(
                user, prepared, queue=queue, redis=redis, testset_was_stored=testset_was_stored
            )
        created = problem is None
        await self._store(prepared)
        if problem is None:
            problem = m.Problem(slug=slug, author_id=user.id, visibility=m.ProblemVisibility.DRAFT)
            self.session.add(problem)
        self._apply(problem, prepared)
        await self.session.commit()
        await self.session.refresh(problem)
        result = self._result(problem, prepared, created=created, changed=True, validated=validate)
        result.inputs_checked = inputs_checked
        result.validation.extend(outcomes)
        if prepared.parsed is not parsed:  # validation measured the time limit
            result.measured_time_limit_ms = prepared.parsed.time_limit_ms
        result.skipped.extend(skipped)
        return result

    def _result(
        self, problem: m.Problem, prepared: PreparedPackage, *, created: bool, changed: bool, validated: bool
    ) -> schemas.PackageResult:
        return schemas.PackageResult(
            problem=schemas.ProblemSummary(  # replaced by the controller with the full view
                id=problem.id,
                slug=problem.slug,
                title=problem.title,
                difficulty=problem.difficulty,
                tags=list(problem.tags),
                visibility=problem.visibility,
                languages=list(problem.languages),
                updated_at=problem.updated_at,
            ),
            created=created,
            changed=changed,
            testset_digest=prepared.testset_digest,
            package_digest=prepared.parsed.digest,
            test_count=len(prepared.testset.tests),
            validated=validated,
            validation=[],
            skipped=[],
            input_validators=[v.path for v in prepared.parsed.input_validators],
        )

    async def _store(self, prepared: PreparedPackage) -> None:
        """Add the content-addressed rows if they are new (the same content is stored once)."""
        if await self.session.get(m.TestSet, prepared.testset_digest) is None:
            self.session.add(
                m.TestSet(
                    digest=prepared.testset_digest,
                    data=prepared.packed,
                    size_bytes=len(prepared.packed),
                    test_count=len(prepared.testset.tests),
                    manifest=manifest_of(prepared.testset),
                )
            )
        parsed = prepared.parsed
        if await self.session.get(m.ProblemPackage, parsed.digest) is None:
            files = msgspec.msgpack.encode(parsed.extras)
            self.session.add(
                m.ProblemPackage(
                    digest=parsed.digest, files=files, statement_path=parsed.statement_path, size_bytes=len(files)
                )
            )
        await self.session.flush()

    @staticmethod
    def _apply(problem: m.Problem, prepared: PreparedPackage) -> None:
        parsed = prepared.parsed
        settings = parsed.config.verdict
        problem.title = parsed.title
        problem.statement_md = parsed.statement_md
        problem.time_limit_ms = parsed.time_limit_ms
        problem.memory_limit_mb = parsed.memory_mb
        problem.checker = problem_checker(parsed)
        problem.authors = list(parsed.config.authors)
        problem.tags = _tags(parsed)
        # A new row's column defaults apply only at INSERT: give the fields their values now.
        problem.languages = list(settings.languages) or list(getattr(problem, "languages", None) or [])
        problem.language_multipliers = dict(settings.language_multipliers)
        problem.difficulty = settings.difficulty or getattr(problem, "difficulty", None) or "easy"
        problem.testset_digest = prepared.testset_digest
        problem.package_digest = parsed.digest

    # --- validating -----------------------------------------------------------------------------------------
    async def _check_inputs(self, prepared: PreparedPackage, *, queue: JudgeQueue, redis: Redis) -> bool:
        """Run the input validators on every test input through the fleet; 422 naming the inputs they reject.
        Returns whether the test set was stored before (the new one stays stored for the reference solutions)."""
        if await fleet_languages(redis) is None:
            raise ServiceUnavailableError(
                "no judge worker is running, so the package's input validators cannot be run: start one, or push "
                "with ?check_inputs=false"
            )
        stored_testset = await self.session.get(m.TestSet, prepared.testset_digest) is not None
        await self._store_testset_only(prepared)
        await self.session.commit()  # a judge worker downloads it by its digest
        try:
            report = await run_input_validators(
                queue.pool, prepared.parsed, prepared.testset_digest,
                timeout_s=self.settings.package_validation_timeout_s,
            )  # fmt: skip
            raise_for(prepared.parsed, report)
        except BaseException:
            await self._discard([], prepared.testset_digest, keep_testset=stored_testset)
            raise
        return stored_testset

    async def _validate(
        self, user: m.User, prepared: PreparedPackage, *, queue: JudgeQueue, redis: Redis,
        testset_was_stored: bool | None = None,
    ) -> tuple[PreparedPackage, list[schemas.ValidationOutcome], list[schemas.SkippedReference]]:  # fmt: skip
        """Judge the references; returns the package with its time limit measured when it gave none."""
        offered = await fleet_languages(redis)
        if offered is None:
            raise ServiceUnavailableError(
                "no judge worker is running, so the reference solutions cannot be judged: start one, or upload "
                "without ?validate=true"
            )
        parsed = prepared.parsed
        skipped: list[schemas.SkippedReference] = []
        runnable: list[ReferenceSolution] = []
        for reference in parsed.references:
            if reference.problem is not None:
                skipped.append(skip_of(reference, reference.problem))
            elif reference.language not in offered:
                skipped.append(skip_of(reference, f"Verdict does not offer {reference.language}"))
            else:
                runnable.append(reference)
        if not runnable:
            return prepared, [], skipped
        stored_testset = testset_was_stored
        if stored_testset is None:
            stored_testset = await self.session.get(m.TestSet, prepared.testset_digest) is not None
        await self._store_testset_only(prepared)
        ids: list[UUID] = []
        outcomes: list[schemas.ValidationOutcome] = []
        try:
            rounds = [runnable]
            accepted = [r for r in runnable if r.folder == "accepted"]
            if not parsed.time_limit_given and accepted:
                # No time limit given: the accepted references are judged first with a generous one, and the
                # limit is their slowest test times ac_to_time_limit, as problemtools' verifyproblem sets it.
                measuring = replace_time_limit(prepared, MEASURING_LIMIT_MS)
                first = await self._judge_round(user, measuring, accepted, queue, ids)
                outcomes.extend(first)
                if all(o.ok for o in first):
                    slowest = max(o.cpu_ms for o in first)
                    prepared = replace_time_limit(prepared, measured_limit_ms(slowest, parsed.config.time_multiplier))
                rounds = [[r for r in runnable if r.folder != "accepted"]] if all(o.ok for o in first) else []
            for references in rounds:
                outcomes.extend(await self._judge_round(user, prepared, references, queue, ids))
        except BaseException:
            await self._discard(ids, prepared.testset_digest, keep_testset=stored_testset)
            raise
        failures = [o for o in outcomes if not o.ok]
        if failures:
            await self._discard(ids, prepared.testset_digest, keep_testset=stored_testset)
            issues = [PackageIssue(o.path, failure_message(o)) for o in failures]
            more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
            raise PackageError(
                f"package rejected: {issues[0]['path']}: {issues[0]['message']}{more}",
                errors=[
                    *[dict(i) for i in issues],
                    *[{"path": s.path, "skipped": True, "message": s.reason} for s in skipped],
                ],
            )
        return prepared, outcomes, skipped

    async def _judge_round(
        self,
        user: m.User,
        prepared: PreparedPackage,
        references: list[ReferenceSolution],
        queue: JudgeQueue,
        ids: list[UUID],
    ) -> list[schemas.ValidationOutcome]:
        """Judge ``references`` with the package's settings; their submission ids are added to ``ids``."""
        if not references:
            return []
        submissions: list[tuple[ReferenceSolution, m.Submission]] = []
        for reference in references:
            files = reference.files
            language = reference.language or ""
            if len(files) == 1 and language not in ("java", "kotlin"):  # those run the class their file names
                files = {source_name(language): next(iter(files.values()))}
            submission = m.Submission(
                user_id=user.id,
                problem_id=None,
                kind=m.SubmissionKind.VALIDATION,
                language=language,
                files=files,
                testset_digest=prepared.testset_digest,
                status=m.SubmissionStatus.QUEUED,
            )
            self.session.add(submission)
            submissions.append((reference, submission))
        await self.session.commit()
        ids.extend(s.id for _r, s in submissions)
        for reference, submission in submissions:
            await queue.enqueue_judge(self._request(prepared, reference, submission), lane=Lane.BACKGROUND)
        finals = await self._wait([s.id for _r, s in submissions])
        names = [t.name for t in prepared.testset.tests]
        return [outcome_of(reference, finals[s.id], names) for reference, s in submissions]

    def _request(
        self, prepared: PreparedPackage, reference: ReferenceSolution, submission: m.Submission
    ) -> JudgeRequest:
        parsed = prepared.parsed
        # A solution that should time out must do so even with the safety margin (as verifyproblem checks).
        margin = parsed.config.time_safety_margin if reference.expected == "TLE" else 1.0
        if reference.folder in ("slow_accepted", "brute_force"):  # correct, allowed to need the safety margin
            margin = parsed.config.time_safety_margin
        settings_problem = m.Problem(
            time_limit_ms=max(1, round(parsed.time_limit_ms * margin)),
            memory_limit_mb=parsed.memory_mb,
            checker=problem_checker(parsed),
            language_multipliers=dict(parsed.config.verdict.language_multipliers),
        )
        request = build_judge_request(submission, settings_problem)
        # Stop at the first failing test: the verdict a folder declares is the first failure's.
        return msgspec.structs.replace(request, policy=GradingPolicy(short_circuit=True))

    async def _store_testset_only(self, prepared: PreparedPackage) -> None:
        if await self.session.get(m.TestSet, prepared.testset_digest) is None:
            self.session.add(
                m.TestSet(
                    digest=prepared.testset_digest,
                    data=prepared.packed,
                    size_bytes=len(prepared.packed),
                    test_count=len(prepared.testset.tests),
                    manifest=manifest_of(prepared.testset),
                )
            )
            await self.session.flush()  # before the submissions that refer to it

    async def _wait(self, ids: list[UUID]) -> dict[UUID, m.Submission]:
        deadline = asyncio.get_running_loop().time() + self.settings.package_validation_timeout_s
        while True:
            statement = select(m.Submission).where(m.Submission.id.in_(ids)).execution_options(populate_existing=True)
            rows = list(await self.session.scalars(statement))
            await self.session.commit()  # end the read transaction, so the next poll sees new commits
            if all(row.status is m.SubmissionStatus.DONE for row in rows):
                return {row.id: row for row in rows}
            if asyncio.get_running_loop().time() > deadline:
                pending = sum(row.status is not m.SubmissionStatus.DONE for row in rows)
                raise ValidationTimeoutError(
                    f"{pending} reference solution(s) were not judged within "
                    f"{self.settings.package_validation_timeout_s} s; nothing was changed"
                )
            await asyncio.sleep(_POLL_S)

    async def _discard(self, ids: list[UUID], digest: str, *, keep_testset: bool) -> None:
        """Remove what validation stored: its submissions, and the new test set unless something else uses it."""
        await self.session.rollback()
        await self.session.execute(delete(m.Submission).where(m.Submission.id.in_(ids)))
        if not keep_testset:
            used = await self.session.scalar(
                select(func.count()).select_from(m.Submission).where(m.Submission.testset_digest == digest)
            )
            used_by_problem = await self.session.scalar(
                select(func.count()).select_from(m.Problem).where(m.Problem.testset_digest == digest)
            )
            if not used and not used_by_problem:
                await self.session.execute(delete(m.TestSet).where(m.TestSet.digest == digest))
        await self.session.commit()

    # --- exporting ------------------------------------------------------------------------------------------
    async def export(self, user: m.User, slug: str) -> tuple[str, bytes]:
        problem = await self.problems.for_editor(user, slug)
        testset_row = await self.problems.testset_of(problem)
        testset = msgspec.msgpack.decode(testset_row.data, type=TestSetData) if testset_row is not None else None
        extras: dict[str, bytes] = {}
        statement_path = DEFAULT_STATEMENT_PATH
        if problem.package_digest is not None:
            package = await self.session.get(m.ProblemPackage, problem.package_digest)
            if package is not None:
                extras = msgspec.msgpack.decode(package.files, type=dict[str, bytes])
                statement_path = package.statement_path or DEFAULT_STATEMENT_PATH
        source = ExportSource(
            title=problem.title,
            statement_md=problem.statement_md,
            time_limit_ms=problem.time_limit_ms,
            memory_limit_mb=problem.memory_limit_mb,
            languages=tuple(problem.languages),
            language_multipliers=dict(problem.language_multipliers),
            difficulty=problem.difficulty,
            tags=tuple(problem.tags),
            authors=tuple(problem.authors),
            testset=testset,
            extras=extras,
            statement_path=statement_path,
        )
        return f"{problem.slug}.zip", await asyncio.to_thread(export_package, source)


def replace_time_limit(prepared: PreparedPackage, time_limit_ms: int) -> PreparedPackage:
    parsed = msgspec.structs.replace(prepared.parsed, time_limit_ms=time_limit_ms)
    return msgspec.structs.replace(prepared, parsed=parsed)
