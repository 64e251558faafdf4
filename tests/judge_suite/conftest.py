"""The judge suite grades in-process with the real sandbox: see tests/support/judging.py."""

from tests.support.judging import arq_redis, judge, judge_sandbox

__all__ = ["arq_redis", "judge", "judge_sandbox"]
