"""Exam submissions are judged ahead of other students' work: the exam lane of the one judge queue."""

from __future__ import annotations

import uuid

from api.queue import JudgeQueue, Lane, create_arq_pool
from judge_worker.contracts import JUDGE_QUEUE, JudgeRequest


def _request() -> JudgeRequest:
    return JudgeRequest(submission_id=uuid.uuid4(), language="python3", files={"main.py": "print(1)\n"})


async def test_an_exam_submission_goes_ahead_of_earlier_practice_work(redis_url: str) -> None:
    pool = await create_arq_pool(redis_url)
    try:
        queue = JudgeQueue(pool)
        practice, run, exam = _request(), _request(), _request()
        await queue.enqueue_judge(practice)  # first in, the ordinary student lane
        await queue.enqueue_judge(run, lane=Lane.RUN)
        await queue.enqueue_judge(exam, lane=Lane.EXAM)  # last in
        order = [job.decode() for job in await pool.zrange(JUDGE_QUEUE, 0, -1)]
        assert order == [f"judge:{r.submission_id}:1" for r in (exam, practice, run)]
    finally:
        await pool.aclose()
