"""Judge0's own error answers. Under ``/judge0`` they replace Verdict's problem-details format, byte for byte.

Judge0 (Rails) answers with small bodies: ``401``/``403`` with no body at all, ``400``/``503`` as
``{"error": "..."}``, ``404`` as Rails' ``{"status": 404, "error": "Not Found"}``, ``422`` as ``{attribute:
[messages]}``, and a submission created with ``wait=true`` whose result is not UTF-8 as ``201 {"token", "error"}``.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "NOT_UTF8_MANY",
    "NOT_UTF8_ONE",
    "Judge0Error",
    "bad_request",
    "forbidden",
    "not_found",
    "unauthorized",
    "unprocessable",
]

NOT_UTF8_ONE: Final = (
    "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter"
)
NOT_UTF8_MANY: Final = (
    "some attributes for one or more submissions cannot be converted to UTF-8, use base64_encoded=true query parameter"
)


class Judge0Error(Exception):
    """An answer in Judge0's shape: ``status_code`` and a JSON ``body`` (``None``: no body)."""

    def __init__(self, status_code: int, body: Any = None) -> None:
        super().__init__(f"{status_code} {body!r}")
        self.status_code = status_code
        self.body = body


def bad_request(message: str) -> Judge0Error:
    return Judge0Error(400, {"error": message})


def unauthorized() -> Judge0Error:
    return Judge0Error(401)


def forbidden() -> Judge0Error:
    return Judge0Error(403)


def not_found() -> Judge0Error:
    return Judge0Error(404, {"status": 404, "error": "Not Found"})


def unprocessable(errors: dict[str, list[str]]) -> Judge0Error:
    return Judge0Error(422, errors)
