"""In-process grading with the real sandbox: see tests/support/judging.py."""

from tests.support.judging import arq_redis, judge, judge_sandbox, plain_redis

__all__ = ["arq_redis", "judge", "judge_sandbox", "plain_redis"]
