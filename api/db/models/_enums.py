"""Enumerations stored in the database as plain strings (portable across PostgreSQL and SQLite)."""

from __future__ import annotations

import enum

__all__ = ["ProblemVisibility", "Role", "SubmissionKind", "SubmissionStatus"]


class Role(enum.StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class ProblemVisibility(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class SubmissionKind(enum.StrEnum):
    SUBMISSION = "submission"  # graded against the problem's test set
    RUN = "run"  # the student's own input, not scored
    VALIDATION = "validation"  # a problem package's reference solution, judged before the package goes live
    JUDGE0 = "judge0"  # an ad-hoc run made through the Judge0-compatible API (api/domain/judge0)


class SubmissionStatus(enum.StrEnum):
    QUEUED = "queued"
    JUDGING = "judging"
    DONE = "done"
