"""Fixtures of the scanning tests: the courses tests' six callers and their course (as the assessments tests)."""

from __future__ import annotations

from tests.integration.accounts.conftest import MailSink, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.integration.courses.conftest import cast, client, settings_env  # noqa: F401 - fixtures
