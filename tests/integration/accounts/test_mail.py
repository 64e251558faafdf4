"""Mail through a real local SMTP server, and to the log when no SMTP server is configured."""

from __future__ import annotations

import logging

import msgspec
import pytest

from api.lib.mail import Mailer
from api.settings import Settings
from tests.integration.accounts.conftest import MailSink, html_of, text_of


async def test_a_message_has_text_and_html_parts_rendered_from_templates(settings: Settings, mailbox: MailSink) -> None:
    mailer = Mailer(settings)
    mail = mailer.render(
        "password_reset",
        to="ada@example.com",
        subject="Reset your Verdict password",
        context={
            "display_name": "Ada <script>",
            "reset_url": "https://verdict.example.org/reset-password?token=vmt_abc",
            "token": "vmt_abc",
            "expires_minutes": 60,
        },
    )
    assert await mailer.send(mail) is True
    (message,) = await mailbox.wait_for("ada@example.com")
    assert message["Subject"] == "Reset your Verdict password"
    assert "Hello Ada <script>," in text_of(message)
    html = html_of(message)
    assert "Ada &lt;script&gt;" in html  # the HTML part is escaped
    assert 'href="https://verdict.example.org/reset-password?token=vmt_abc"' in html
    assert message["Message-ID"].endswith("@verdict.example.org>")


async def test_without_smtp_the_mail_goes_to_the_log(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    mailer = Mailer(msgspec.structs.replace(settings, smtp_host=""))
    mail = mailer.render(
        "account_exists",
        to="ada@example.com",
        subject="You already have a Verdict account",
        context={"display_name": "Ada", "login_url": "http://x/login", "reset_url": "http://x/forgot-password"},
    )
    with caplog.at_level(logging.INFO, logger="verdict.mail"):
        assert await mailer.send(mail) is False
    assert "to=ada@example.com" in caplog.text
    assert "sign in at http://x/login" in caplog.text


async def test_an_unreachable_smtp_server_is_logged_not_raised(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    mailer = Mailer(msgspec.structs.replace(settings, smtp_host="127.0.0.1", smtp_port=1))
    mail = mailer.render(
        "account_exists",
        to="ada@example.com",
        subject="s",
        context={"display_name": "Ada", "login_url": "u", "reset_url": "u"},
    )
    with caplog.at_level(logging.ERROR, logger="verdict.mail"):
        assert await mailer.send(mail) is False
    assert "could not send mail to ada@example.com" in caplog.text
