"""The rules about submissions and runs: what may be submitted, by whom, how often; rejudging; who sees what.

Flow of a submission (DESIGN flow 1): validate (problem visible and open, language allowed and offered, size caps,
text not binary, the user's queue cap, the rate limit), commit it as ``queued``, then enqueue its
``JudgeRequest`` in the student lane. A failed enqueue is logged, not fatal: the reaper finds the queued
submission and enqueues it again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Final
from uuid import UUID

from advanced_alchemy import repository, service
from advanced_alchemy.exceptions import NotFoundError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select

from api.db import models as m
from api.domain.accounts.guards import is_staff
from api.domain.assessments.visibility import hidden_submission_ids
from api.domain.courses.access import (
    course_staff_sees_submission,
    may_see_private_problem,
    visible_submission_clause,
)
from api.domain.problems.languages import VERDICT_LANGUAGES, fleet_languages, in_platform_order, source_name
from api.domain.problems.services import can_see_problem
from api.domain.submissions.judging import build_judge_request
from api.lib.exceptions import ApplicationClientError, ConflictError, TooManyRequestsError
from api.lib.ratelimit import RateLimiter, RateRule
from api.queue import JudgeQueue, Lane
from api.settings import Settings

__all__ = ["SourceTooLargeError", "SubmissionService", "decode_upload", "normalise_files"]

logger = logging.getLogger("verdict.submissions")
_FILE_NAME: Final = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$")
# Text a person can type: no C0 control characters except tab, newline, carriage return and form feed.
_BINARY: Final = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
_IN_FLIGHT: Final = (m.SubmissionStatus.QUEUED, m.SubmissionStatus.JUDGING)


class SourceTooLargeError(ApplicationClientError):
    status_code = 413


def normalise_files(
    language: str, *, source: str | None, files: dict[str, str] | None, settings: Settings
) -> dict[str, str]:
    """The program's files, checked: names, count, total size (413), and text that is not binary garbage."""
    if (source is None) == (files is None):
        raise ApplicationClientError("send the program as 'source' (one file) or as 'files' (name -> text), not both")
    program = {source_name(language): source} if source is not None else dict(files or {})
    if not program:
        raise ApplicationClientError("'files' is empty: send at least one source file")
    if len(program) > settings.submission_max_files:
        raise ApplicationClientError(f"at most {settings.submission_max_files} files per submission")
    for name, text in program.items():
        if not _FILE_NAME.match(name) or name in (".", ".."):
            raise ApplicationClientError(
                f"{name!r} is not a usable file name: letters, digits, '_', '.', '+' and '-' only, at most 64"
            )
        if _BINARY.search(text):
            raise ApplicationClientError(f"{name} looks like binary data, not program text: send the source code")
    size = sum(len(text.encode()) for text in program.values())
    if size > settings.submission_max_source_bytes:
        raise SourceTooLargeError(
            f"the source is {size} bytes, over the limit of {settings.submission_max_source_bytes} bytes"
        )
    if not any(text.strip() for text in program.values()):
        raise ApplicationClientError("the source is empty")
    return program


def decode_upload(name: str, data: bytes) -> str:
    """An uploaded file as program text: UTF-8 (a byte-order mark is dropped), or a 400 for binary garbage."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationClientError(f"{name} is not UTF-8 text: upload the source code, not a binary") from None
    return text


class SubmissionService(service.SQLAlchemyAsyncRepositoryService[m.Submission]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.Submission]):
        model_type = m.Submission

    repository_type = Repo

    # --- reading --------------------------------------------------------------------------------------------
    async def for_viewer(self, viewer: m.User, submission_id: UUID) -> m.Submission:
        """The submission if it is the viewer's own, the viewer is an admin, or staff (instructor or TA) of a course
        with the submitter and the problem; 404 otherwise (a platform instructor sees only their courses')."""
        submission = await self.get_one_or_none(m.Submission.id == submission_id)
        if submission is None:
            raise NotFoundError("no such submission")
        if viewer.role is m.Role.ADMIN or submission.user_id == viewer.id:
            return submission
        if not await course_staff_sees_submission(self.repository.session, viewer, submission):
            raise NotFoundError("no such submission")
        return submission

    async def attempts_of(self, submission: m.Submission) -> Sequence[m.SubmissionAttempt]:
        return list(
            await self.repository.session.scalars(
                select(m.SubmissionAttempt)
                .where(m.SubmissionAttempt.submission_id == submission.id)
                .order_by(m.SubmissionAttempt.attempt)
            )
        )

    async def problem_of(self, submission: m.Submission) -> m.Problem | None:
        if submission.problem_id is None:
            return None
        problem: m.Problem | None = await self.repository.session.get(m.Problem, submission.problem_id)
        return problem

    async def search(
        self,
        viewer: m.User,
        *,
        problem: m.Problem | None,
        user_id: UUID | None,
        kind: m.SubmissionKind | None,
        status: m.SubmissionStatus | None,
        verdict: str | None,
        language: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[m.Submission], int]:
        filters: list[Any] = []
        if is_staff(viewer):  # admins: everyone's; instructors: their own and their courses' (see access.py)
            filters.append(visible_submission_clause(viewer))
            if user_id is not None:
                filters.append(m.Submission.user_id == user_id)
        else:
            if user_id not in (None, viewer.id):
                raise NotFoundError("no such user, or you may not see their submissions")
            filters.append(m.Submission.user_id == viewer.id)
        if problem is not None:
            filters.append(m.Submission.problem_id == problem.id)
        if kind is not None:
            filters.append(m.Submission.kind == kind)
        else:
            filters.append(m.Submission.kind.in_([m.SubmissionKind.SUBMISSION, m.SubmissionKind.RUN]))
        if status is not None:
            filters.append(m.Submission.status == status)
        if verdict is not None:
            filters.append(m.Submission.verdict == verdict)
            # a hidden verdict is not revealed by filtering on it
            filters.append(m.Submission.id.not_in(await hidden_submission_ids(self.repository.session, viewer)))
        if language is not None:
            filters.append(m.Submission.language == language)
        session = self.repository.session
        statement = select(m.Submission).where(*filters).order_by(m.Submission.created_at.desc(), m.Submission.id)
        items = list(await session.scalars(statement.limit(limit).offset(offset)))
        total = await session.scalar(select(func.count()).select_from(m.Submission).where(*filters))
        return items, int(total or 0)

    # --- submitting -----------------------------------------------------------------------------------------
    async def find_problem(self, viewer: m.User, problem_id: UUID | None, slug: str | None) -> m.Problem | None:
        if problem_id is None and slug is None:
            return None
        session = self.repository.session
        if problem_id is not None:
            problem: m.Problem | None = await session.get(m.Problem, problem_id)
        else:
            problem = await session.scalar(select(m.Problem).where(m.Problem.slug == slug))
        if problem is None or not can_see_problem(viewer, problem):
            raise NotFoundError("no such problem")
        if not await may_see_private_problem(session, viewer, problem):
            raise NotFoundError("no such problem")
        return problem

    async def _check_language(self, language: str, problem: m.Problem | None, redis: Redis) -> None:
        offered = await fleet_languages(redis)
        known = set(VERDICT_LANGUAGES) | set(offered or ())
        if language not in known:
            raise ApplicationClientError(
                f"unknown language {language!r}; languages: {', '.join(in_platform_order(known))}",
                errors=[{"key": "language", "message": "unknown language"}],
            )
        if problem is not None and problem.languages and language not in problem.languages:
            raise ApplicationClientError(
                f"{language} is not allowed for this problem; "
                f"use one of {', '.join(in_platform_order(problem.languages))}",
                errors=[{"key": "language", "message": "not allowed for this problem"}],
            )
        if offered is not None and language not in offered:
            raise ApplicationClientError(
                f"{language} is not enabled on the judge right now; enabled: {', '.join(in_platform_order(offered))}",
                errors=[{"key": "language", "message": "disabled"}],
            )

    async def _check_fairness(
        self, user: m.User, kind: m.SubmissionKind, *, limiter: RateLimiter, settings: Settings
    ) -> None:
        waiting = await self.repository.session.scalar(
            select(func.count())
            .select_from(m.Submission)
            .where(m.Submission.user_id == user.id)
            .where(m.Submission.status.in_(_IN_FLIGHT))
            .where(m.Submission.kind.in_([m.SubmissionKind.SUBMISSION, m.SubmissionKind.RUN]))
        )
        if int(waiting or 0) >= settings.submission_max_queued:
            raise TooManyRequestsError(
                f"you already have {waiting} submissions waiting to be judged (at most "
                f"{settings.submission_max_queued}): wait for one to finish",
                retry_after_s=2,
            )
        if kind is m.SubmissionKind.RUN:
            rule = RateRule(name="run", limit=settings.run_rate_per_minute, window_s=60, message="too many runs")
        else:
            rule = RateRule(
                name="submit", limit=settings.submission_rate_per_minute, window_s=60, message="too many submissions"
            )
        await limiter.enforce(rule, str(user.id))

    async def submit(
        self,
        *,
        user: m.User,
        kind: m.SubmissionKind,
        problem: m.Problem | None,
        language: str,
        files: dict[str, str],
        stdin: bytes | None,
        queue: JudgeQueue,
        limiter: RateLimiter,
        redis: Redis,
        settings: Settings,
        lane: Lane | None = None,
    ) -> m.Submission:
        if kind is m.SubmissionKind.SUBMISSION:
            if problem is None:
                raise ApplicationClientError("name the problem: 'problemId' or 'problemSlug'")
            if problem.visibility is not m.ProblemVisibility.PUBLISHED and not is_staff(user):
                raise ConflictError("this problem is archived and takes no new submissions")
            if problem.testset_digest is None:
                raise ConflictError("this problem has no tests yet, so submissions cannot be judged")
        if stdin is not None and len(stdin) > settings.run_max_input_bytes:
            raise SourceTooLargeError(
                f"the input is {len(stdin)} bytes, over the limit of {settings.run_max_input_bytes} bytes"
            )
        await self._check_language(language, problem, redis)
        await self._check_fairness(user, kind, limiter=limiter, settings=settings)
        submission = await self.create(
            m.Submission(
                user_id=user.id,
                problem_id=problem.id if problem is not None else None,
                kind=kind,
                language=language,
                files=files,
                stdin=stdin if kind is m.SubmissionKind.RUN else None,
                testset_digest=problem.testset_digest if (problem and kind is m.SubmissionKind.SUBMISSION) else None,
                status=m.SubmissionStatus.QUEUED,
                attempt=1,
            ),
            auto_commit=True,
        )
        await self._enqueue(queue, submission, problem, lane=lane)
        return submission

    async def _enqueue(
        self, queue: JudgeQueue, submission: m.Submission, problem: m.Problem | None, *, lane: Lane | None
    ) -> None:
        try:
            await queue.enqueue_judge(build_judge_request(submission, problem), lane=lane)
        except (RedisError, OSError) as exc:  # committed already: the reaper enqueues it again
            logger.warning("enqueueing %s failed, the reaper will retry: %s", submission.id, exc)

    # --- rejudging ------------------------------------------------------------------------------------------
    def _new_attempt(self, submission: m.Submission, problem: m.Problem | None, by: m.User) -> None:
        self.repository.session.add(
            m.SubmissionAttempt(
                submission_id=submission.id,
                attempt=submission.attempt,
                testset_digest=submission.testset_digest,
                verdict=submission.verdict,
                score=submission.score,
                cpu_ms=submission.cpu_ms,
                memory_kib=submission.memory_kib,
                compile_output=submission.compile_output,
                message=submission.message,
                results=list(submission.results),
                judged_at=submission.judged_at,
                rejudged_by_id=by.id,
            )
        )
        submission.attempt += 1
        submission.status = m.SubmissionStatus.QUEUED
        submission.verdict = None
        submission.score = None
        submission.cpu_ms = None
        submission.memory_kib = None
        submission.compile_output = ""
        submission.message = ""
        submission.results = []
        submission.judged_at = None
        if problem is not None and problem.testset_digest is not None:
            submission.testset_digest = problem.testset_digest  # judged against the problem's current tests

    async def rejudge(self, submission: m.Submission, *, by: m.User, queue: JudgeQueue) -> m.Submission:
        if submission.kind is not m.SubmissionKind.SUBMISSION:
            raise ConflictError(f"a {submission.kind.value} cannot be rejudged")
        if submission.status is not m.SubmissionStatus.DONE:
            raise ConflictError("this submission is still queued or being judged: rejudge it once it is done")
        problem = await self.problem_of(submission)
        self._new_attempt(submission, problem, by)
        await self.repository.session.commit()
        await self._enqueue(queue, submission, problem, lane=Lane.BACKGROUND)
        return submission

    async def rejudge_problem(
        self, problem: m.Problem, *, by: m.User, queue: JudgeQueue
    ) -> tuple[list[m.Submission], int]:
        submissions = list(
            await self.repository.session.scalars(
                select(m.Submission)
                .where(m.Submission.problem_id == problem.id)
                .where(m.Submission.kind == m.SubmissionKind.SUBMISSION)
                .order_by(m.Submission.created_at)
                .with_for_update()
            )
        )
        chosen = [s for s in submissions if s.status is m.SubmissionStatus.DONE]
        for submission in chosen:
            self._new_attempt(submission, problem, by)
        await self.repository.session.commit()
        for submission in chosen:
            await self._enqueue(queue, submission, problem, lane=Lane.BACKGROUND)
        return chosen, len(submissions) - len(chosen)
