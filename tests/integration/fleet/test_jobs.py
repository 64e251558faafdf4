"""The ``judge_submission`` job with real Redis and the real sandbox: the report handed to the API side, retries
for host faults only, IE with a reason after the last try."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from arq import Retry
from arq.connections import ArqRedis
from arq.jobs import Job

from judge_worker.contracts import API_TASKS_QUEUE, InlineTest, JudgeReport, JudgeRequest, Verdict, lease_key
from judge_worker.jobs import JUDGE_MAX_TRIES, WorkerState, judge_submission
from judge_worker.settings import JudgeSettings
from judge_worker.slots import SlotPool
from judge_worker.testdata import TestDataCache
from sandbox import Sandbox
from tests.support.judging import SpyExecutor

pytestmark = pytest.mark.sandbox


@pytest.fixture
async def state(judge_sandbox: Sandbox, redis_url: str, tmp_path: Path) -> AsyncIterator[WorkerState]:
    settings = JudgeSettings(redis_url=redis_url, worker_id="w-test", slots=2, api_url="http://127.0.0.1:1")
    cache = TestDataCache(tmp_path / "cache", max_bytes=1 << 20, api_url=settings.api_url, token="t")
    executor = SpyExecutor(judge_sandbox)
    yield WorkerState(
        settings=settings, executor=executor, slots=SlotPool(2), testdata=cache, languages=("python3", "cpp17")
    )
    await executor.warm.close()  # its idle jails and spare, which would hold their slots a while
    await cache.aclose()


def request(source: str = "print(int(input()) * 2)\n", **fields: Any) -> JudgeRequest:
    values: dict[str, Any] = {
        "submission_id": uuid.uuid4(),
        "attempt": 3,
        "language": "python3",
        "files": {"main.py": source},
        "inline_tests": (InlineTest(input=b"21\n", expected=b"42\n"),),
    }
    values.update(fields)
    return msgspec.convert(values, JudgeRequest)


async def run(state: WorkerState, redis: ArqRedis, req: JudgeRequest, job_try: int = 1) -> str:
    ctx = {"state": state, "redis": redis, "job_try": job_try, "job_id": f"judge:{req.submission_id}:{req.attempt}"}
    return await judge_submission(ctx, msgspec.to_builtins(req))


async def enqueued_report(redis: ArqRedis, req: JudgeRequest) -> JudgeReport:
    job_id = f"report:{req.submission_id}:{req.attempt}"
    job = Job(job_id, redis, _queue_name=API_TASKS_QUEUE, _deserializer=msgspec.msgpack.decode)
    info = await job.info()
    assert info is not None, "no report job was enqueued"
    assert info.function == "record_judge_report"
    return msgspec.convert(info.args[0], JudgeReport)


async def test_a_judged_request_hands_its_report_to_the_api_side(state: WorkerState, arq_redis: ArqRedis) -> None:
    req = request()
    assert await run(state, arq_redis, req) == "AC"
    report = await enqueued_report(arq_redis, req)
    assert (report.verdict, report.score, report.attempt, report.worker) == (Verdict.AC, 100.0, 3, "w-test")
    assert report.last_seq >= 4
    assert await arq_redis.exists(lease_key(f"judge:{req.submission_id}:3")) == 0
    assert state.jobs_done == 1
    assert state.slots.in_use == 0


async def test_a_host_fault_retries_then_ends_as_ie(
    state: WorkerState, arq_redis: ArqRedis, judge_sandbox: Sandbox
) -> None:
    state.executor = SpyExecutor(Sandbox(judge_sandbox.config))  # never started: every run is refused
    req = request()
    with pytest.raises(Retry):
        await run(state, arq_redis, req, job_try=1)
    assert await arq_redis.exists(f"arq:job:report:{req.submission_id}:3") == 0
    assert await run(state, arq_redis, req, job_try=JUDGE_MAX_TRIES) == "IE"
    report = await enqueued_report(arq_redis, req)
    assert report.verdict is Verdict.IE
    assert f"the judge failed {JUDGE_MAX_TRIES} times" in report.message
    assert state.slots.in_use == 0


async def test_a_language_this_worker_lacks_is_retried_elsewhere(state: WorkerState, arq_redis: ArqRedis) -> None:
    state.languages = ("cpp17",)
    with pytest.raises(Retry):
        await run(state, arq_redis, request(), job_try=1)
    req = request()
    assert await run(state, arq_redis, req, job_try=JUDGE_MAX_TRIES) == "IE"
    assert "is not enabled on judge w-test" in (await enqueued_report(arq_redis, req)).message


async def test_an_unknown_language_is_a_compile_error_not_a_retry(state: WorkerState, arq_redis: ArqRedis) -> None:
    req = request(language="brainfuck", files={"main.bf": "+."})
    assert await run(state, arq_redis, req) == "CE"


async def test_missing_test_data_retries_and_bad_test_data_ends_at_once(
    state: WorkerState, arq_redis: ArqRedis
) -> None:
    with pytest.raises(Retry):  # the API is unreachable: maybe later
        await run(state, arq_redis, request(testset_digest="a" * 64, inline_tests=()))
    req = request(testset_digest="not-a-digest", inline_tests=())
    assert await run(state, arq_redis, req) == "IE"  # never a digest: no retry helps
    assert "test data unavailable" in (await enqueued_report(arq_redis, req)).message
