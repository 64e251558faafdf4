"""The Judge0 API's rules: create, read, list, delete and wait for Judge0 submissions, owner-scoped.

A Judge0 submission is two rows written in one transaction: the fleet's ``Submission`` (kind ``judge0``), which the
judge fills through ``record_judge_report``, and a ``Judge0Submission`` holding the Judge0 attributes. It is
committed first, then enqueued as an ordinary judge job whose inline tests are its ``stdin``/``expected_output``
repeated ``number_of_runs`` times, stopping at the first run not accepted.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Final
from uuid import UUID

import msgspec
from advanced_alchemy import repository, service
from redis.asyncio import Redis
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.judge0.config import Judge0Config
from api.domain.judge0.errors import Judge0Error, bad_request, not_found
from api.domain.judge0.languages import LANGUAGES, active_ids
from api.domain.judge0.results import Judge0Result, derive_result
from api.domain.judge0.validation import Errors, NewSubmission, validate_submission
from api.domain.system.services import list_workers
from api.lib.timeutil import utcnow
from api.queue import JudgeQueue
from judge_worker.contracts import (
    CheckerSpec,
    Finished,
    GradingPolicy,
    InlineTest,
    JudgeLimits,
    JudgeRequest,
    decode_event,
    progress_key,
    submission_channel,
)

__all__ = ["Judge0SubmissionService", "Stored", "build_judge_request"]

_POLL_S: Final = 2.0  # how often a waiting request re-reads the database between events


class Stored:
    """A Judge0 submission with the fleet submission that judges it."""

    __slots__ = ("row", "submission")

    def __init__(self, row: m.Judge0Submission, submission: m.Submission) -> None:
        self.row = row
        self.submission = submission


def build_judge_request(
    row: m.Judge0Submission, submission: m.Submission, *, max_cpu_time_limit: float
) -> JudgeRequest:
    """The fleet job for a Judge0 submission: inline tests, Judge0's limits mapped onto the sandbox's."""
    language = LANGUAGES[row.language_id]
    cpu = row.cpu_time_limit if row.cpu_time_limit > 0 else max_cpu_time_limit  # Judge0: 0 means "no limit"
    test = InlineTest(input=row.stdin or b"", expected=row.expected_output, visible=True)
    return JudgeRequest(
        submission_id=submission.id,
        attempt=submission.attempt,
        language=language.verdict_language,
        files={language.source_file: row.source_code.decode("utf-8", "replace")},
        limits=JudgeLimits(
            time_ms=max(1, math.ceil(cpu * 1000)),
            wall_ms=max(1, math.ceil(row.wall_time_limit * 1000)),
            memory_kib=row.memory_limit,
            output_kib=max(1, row.max_file_size),
            processes=row.max_processes_and_or_threads,
        ),
        checker=CheckerSpec(kind="lines"),
        inline_tests=(test,) * row.number_of_runs,
        policy=GradingPolicy(short_circuit=True),
        user_id=row.owner_id,
        kind=m.SubmissionKind.JUDGE0.value,
    )


class Judge0SubmissionService(service.SQLAlchemyAsyncRepositoryService[m.Judge0Submission]):
    class Repo(repository.SQLAlchemyAsyncRepository[m.Judge0Submission]):
        model_type = m.Judge0Submission

    repository_type = Repo

    def __init__(self, session: AsyncSession, *, redis: Redis, config: Judge0Config) -> None:
        super().__init__(session=session)
        self.redis = redis
        self.config = config

    @property
    def session(self) -> AsyncSession:
        session = self.repository.session
        assert isinstance(session, AsyncSession)
        return session

    # --- languages -------------------------------------------------------------------------------------------

    async def fleet_languages(self) -> frozenset[str] | None:
        """Languages the live workers offer (``None`` when no worker is up)."""
        workers = await list_workers(self.redis)
        if not workers:
            return None
        return frozenset(language for worker in workers for language in worker.languages)

    async def active_languages(self) -> frozenset[int]:
        return active_ids(self.config.languages, await self.fleet_languages())

    # --- create ----------------------------------------------------------------------------------------------

    async def check_queue(self, queue: JudgeQueue, count: int) -> None:
        if await queue.depth() + count > self.config.info.max_queue_size:
            raise Judge0Error(503, {"error": "queue is full"})

    async def add(self, *, owner_id: UUID, data: NewSubmission) -> Stored:
        """Write both rows (not yet committed)."""
        language = LANGUAGES[data.language_id]
        submission = m.Submission(
            id=uuid.uuid4(),
            user_id=owner_id,
            kind=m.SubmissionKind.JUDGE0,
            language=language.verdict_language,
            files={language.source_file: data.source_code.decode("utf-8", "replace")},
            status=m.SubmissionStatus.QUEUED,
            attempt=1,
        )
        row = m.Judge0Submission(
            token=uuid.uuid4(),
            owner_id=owner_id,
            submission_id=submission.id,
            language_id=data.language_id,
            source_code=data.source_code,
            stdin=data.stdin,
            expected_output=data.expected_output,
            number_of_runs=data.number_of_runs,
            cpu_time_limit=data.cpu_time_limit,
            cpu_extra_time=data.cpu_extra_time,
            wall_time_limit=data.wall_time_limit,
            memory_limit=data.memory_limit,
            stack_limit=data.stack_limit,
            max_processes_and_or_threads=data.max_processes_and_or_threads,
            enable_per_process_and_thread_time_limit=data.enable_per_process_and_thread_time_limit,
            enable_per_process_and_thread_memory_limit=data.enable_per_process_and_thread_memory_limit,
            max_file_size=data.max_file_size,
            redirect_stderr_to_stdout=data.redirect_stderr_to_stdout,
            enable_network=data.enable_network,
            callback_url=data.callback_url,
        )
        self.session.add(submission)
        await self.session.flush()
        self.session.add(row)
        await self.session.flush()
        return Stored(row, submission)

    async def enqueue(self, stored: Stored, queue: JudgeQueue) -> None:
        request = build_judge_request(
            stored.row, stored.submission, max_cpu_time_limit=self.config.info.max_cpu_time_limit
        )
        await queue.enqueue_judge(request)

    async def submit(
        self, *, owner_id: UUID, params: Mapping[str, Any], base64_encoded: bool, queue: JudgeQueue
    ) -> Stored | Errors:
        """Validate, commit, then enqueue one submission; Judge0's ``422`` errors when it is not valid."""
        data = validate_submission(
            params, base64_encoded=base64_encoded, config=self.config, active=await self.active_languages()
        )
        if not isinstance(data, NewSubmission):
            return data
        stored = await self.add(owner_id=owner_id, data=data)
        await self.session.commit()
        await self.enqueue(stored, queue)
        return stored

    async def submit_batch(
        self, *, owner_id: UUID, items: Sequence[Any], base64_encoded: bool, queue: JudgeQueue
    ) -> list[Stored | Errors]:
        """A batch: each item valid or not on its own; the valid ones are committed together, then enqueued."""
        active = await self.active_languages()
        outcomes: list[Stored | Errors] = []
        for item in items:
            params = item if isinstance(item, Mapping) else {}
            data = validate_submission(params, base64_encoded=base64_encoded, config=self.config, active=active)
            if isinstance(data, NewSubmission):
                outcomes.append(await self.add(owner_id=owner_id, data=data))
            else:
                outcomes.append(data)
        stored = [outcome for outcome in outcomes if isinstance(outcome, Stored)]
        if stored:
            await self.session.commit()
            for one in stored:
                await self.enqueue(one, queue)
        return outcomes

    # --- read --------------------------------------------------------------------------------------------------

    def _owned(self, owner_id: UUID) -> Any:
        return (
            select(m.Judge0Submission, m.Submission)
            .join(m.Submission, m.Submission.id == m.Judge0Submission.submission_id)
            .where(m.Judge0Submission.owner_id == owner_id)
            .execution_options(populate_existing=True)  # always the database's state, not the session's copy
        )

    async def find(self, owner_id: UUID, token: str) -> Stored:
        """The owner's submission with this token; ``404`` for anyone else's, exactly as for an unknown token."""
        try:
            parsed = UUID(token)
        except ValueError:
            raise not_found() from None
        row = (await self.session.execute(self._owned(owner_id).where(m.Judge0Submission.token == parsed))).first()
        if row is None:
            raise not_found()
        return Stored(row[0], row[1])

    async def find_many(self, owner_id: UUID, tokens: Sequence[str]) -> dict[str, Stored]:
        parsed: dict[UUID, str] = {}
        for token in tokens:
            try:
                parsed[UUID(token)] = token
            except ValueError:
                continue
        if not parsed:
            return {}
        rows = await self.session.execute(self._owned(owner_id).where(m.Judge0Submission.token.in_(list(parsed))))
        return {parsed[row[0].token]: Stored(row[0], row[1]) for row in rows}

    async def page(self, owner_id: UUID, *, page: int, per_page: int) -> tuple[list[Stored], int]:
        total = await self.session.scalar(
            select(func.count()).select_from(m.Judge0Submission).where(m.Judge0Submission.owner_id == owner_id)
        )
        if per_page <= 0:
            return [], int(total or 0)
        rows = await self.session.execute(
            self._owned(owner_id)
            .order_by(m.Judge0Submission.created_at.desc(), m.Judge0Submission.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        return [Stored(row[0], row[1]) for row in rows], int(total or 0)

    async def result(self, stored: Stored) -> Judge0Result:
        submission, row = stored.submission, stored.row
        processing = False
        if submission.status is m.SubmissionStatus.QUEUED:
            processing = bool(await self.redis.exists(progress_key(submission.id)))
        return derive_result(
            state=submission.status.value,
            processing=processing,
            verdict=submission.verdict,
            cases=submission.results,
            compile_output=submission.compile_output,
            message=submission.message,
            finished_at=submission.judged_at,
            cpu_limit_ms=math.ceil(row.cpu_time_limit * 1000),
            wall_limit_ms=math.ceil(row.wall_time_limit * 1000),
            redirect_stderr_to_stdout=row.redirect_stderr_to_stdout,
        )

    # --- delete ------------------------------------------------------------------------------------------------

    async def remove(self, owner_id: UUID, token: str) -> tuple[Stored, Judge0Result]:
        if not self.config.info.enable_submission_delete:
            raise bad_request("delete not allowed")
        stored = await self.find(owner_id, token)
        result = await self.result(stored)
        if not result.status.finished:
            raise bad_request(
                f"submission cannot be deleted because its status is {int(result.status)} ({result.status.description})"
            )
        await self.session.execute(delete(m.Judge0Submission).where(m.Judge0Submission.id == stored.row.id))
        await self.session.execute(delete(m.Submission).where(m.Submission.id == stored.submission.id))
        await self.session.commit()
        return stored, result

    # --- wait --------------------------------------------------------------------------------------------------

    async def _state(self, submission_id: UUID) -> m.SubmissionStatus | None:
        state = await self.session.scalar(select(m.Submission.status).where(m.Submission.id == submission_id))
        await self.session.commit()  # end the transaction: the connection goes back to the pool while waiting
        return state

    async def submit_and_wait(
        self, *, owner_id: UUID, params: Mapping[str, Any], base64_encoded: bool, queue: JudgeQueue
    ) -> Stored | Errors:
        """``wait=true``: create, then hold until the judge's report is recorded or ``JUDGE0_WAIT_TIMEOUT`` passes.

        The request subscribes to the submission's channel before the job is enqueued, so the final event cannot
        be missed; it also re-reads the database every couple of seconds, in case Redis dropped a message.
        Nothing here blocks the event loop.
        """
        data = validate_submission(
            params, base64_encoded=base64_encoded, config=self.config, active=await self.active_languages()
        )
        if not isinstance(data, NewSubmission):
            return data
        stored = await self.add(owner_id=owner_id, data=data)
        submission_id, token = stored.submission.id, str(stored.row.token)
        await self.session.commit()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.wait_timeout_s
        pubsub = self.redis.pubsub()
        try:
            await pubsub.subscribe(submission_channel(submission_id))
            await self.enqueue(stored, queue)
            next_poll = loop.time() + _POLL_S
            while (remaining := deadline - loop.time()) > 0:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=min(remaining, _POLL_S))
                finished = message is not None and _is_final(message.get("data"))
                if finished or loop.time() >= next_poll:
                    next_poll = loop.time() + _POLL_S
                    if await self._state(submission_id) is m.SubmissionStatus.DONE:
                        break
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py 5 leaves it untyped
        return await self.find(owner_id, token)

    # --- retention ---------------------------------------------------------------------------------------------

    async def delete_expired(self, *, older_than: timedelta, limit: int = 1000) -> int:
        """Delete Judge0 submissions (both rows) created before ``now - older_than``; how many were deleted."""
        cutoff = utcnow() - older_than
        rows = (
            await self.session.execute(
                select(m.Judge0Submission.id, m.Judge0Submission.submission_id)
                .where(m.Judge0Submission.created_at < cutoff)
                .order_by(m.Judge0Submission.created_at)
                .limit(limit)
            )
        ).all()
        if not rows:
            return 0
        await self.session.execute(delete(m.Judge0Submission).where(m.Judge0Submission.id.in_([r[0] for r in rows])))
        await self.session.execute(delete(m.Submission).where(m.Submission.id.in_([r[1] for r in rows])))
        await self.session.commit()
        return len(rows)


def _is_final(data: Any) -> bool:
    """Whether a message on the submission's channel is its final event (anything unreadable is not)."""
    if not isinstance(data, bytes | str):
        return False
    try:
        return isinstance(decode_event(data), Finished)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
