"""Fixtures of the dashboards tests: the courses tests' six callers and their course (``cast``), and a small course
whose every aggregate is computed by hand in the tests (``known``)."""

from __future__ import annotations

from tests.integration.accounts.conftest import MailSink, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.integration.courses.conftest import cast, client, settings_env  # noqa: F401 - fixtures
from tests.integration.dashboards.known import known  # noqa: F401 - fixture
