"""The judge worker's logs: text lines by default, one JSON object a line with ``LOG_JSON=1`` (as the API's).

Each line written while a job runs carries that job's ``submission_id`` and the ``request_id`` of the API request
that enqueued it, so one submission can be followed from the API through the worker to api-tasks.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from typing import Final

__all__ = ["configure_logging", "job_context"]

_request_id: Final[contextvars.ContextVar[str]] = contextvars.ContextVar("judge_request_id", default="")
_submission_id: Final[contextvars.ContextVar[str]] = contextvars.ContextVar("judge_submission_id", default="")


@contextlib.contextmanager
def job_context(*, submission_id: str, request_id: str) -> Iterator[None]:
    """Tag every log line written inside with the job's submission and request ids."""
    tokens = (_submission_id.set(submission_id), _request_id.set(request_id))
    try:
        yield
    finally:
        _submission_id.reset(tokens[0])
        _request_id.reset(tokens[1])


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.submission_id = _submission_id.get()
        return True


class _JsonFormatter(logging.Formatter):
    def __init__(self, worker_id: str) -> None:
        super().__init__()
        self.worker_id = worker_id

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "worker": self.worker_id,
        }
        for key in ("request_id", "submission_id"):
            value = getattr(record, key, "")
            if value:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, level: str = "INFO", json_lines: bool = False, worker_id: str = "") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    if json_lines:
        handler.setFormatter(_JsonFormatter(worker_id))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s [%(submission_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
