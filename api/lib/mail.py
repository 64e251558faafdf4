"""Outgoing mail: rendered from Jinja2 templates (HTML + text), sent through SMTP, or logged when none is set.

``Mailer.render("password_reset", to=..., subject=..., context={...})`` renders
``web/templates/mail/password_reset.txt.j2`` and ``.html.j2`` into an :class:`OutgoingMail`;
``await mailer.send(mail)`` delivers it with the standard library's ``smtplib`` in a worker thread (STARTTLS and
login when ``SMTP_STARTTLS`` / ``SMTP_USERNAME`` are set). With no ``SMTP_HOST`` the text part is written to the
``verdict.mail`` log instead, which is what ``verdict dev`` relies on. Sending never raises: a failure is logged,
because the person who triggered the mail must get the same answer either way.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any, Final

import msgspec
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.settings import Settings

__all__ = ["MAIL_TEMPLATES_DIR", "Mailer", "OutgoingMail"]

logger = logging.getLogger("verdict.mail")

MAIL_TEMPLATES_DIR: Final = Path(__file__).resolve().parent.parent.parent / "web" / "templates"
_SMTP_TIMEOUT_S: Final = 20


class OutgoingMail(msgspec.Struct, frozen=True, kw_only=True):
    to: str
    subject: str
    text: str
    html: str


class Mailer:
    def __init__(self, settings: Settings, *, templates_dir: Path = MAIL_TEMPLATES_DIR) -> None:
        self._settings = settings
        self._env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host)

    def render(self, template: str, *, to: str, subject: str, context: dict[str, Any]) -> OutgoingMail:
        values = {"site_url": self._settings.base_url, "subject": subject, **context}
        text = self._env.get_template(f"mail/{template}.txt.j2").render(values)
        html = self._env.get_template(f"mail/{template}.html.j2").render(values)
        return OutgoingMail(to=to, subject=subject, text=text, html=html)

    def build_message(self, mail: OutgoingMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.smtp_from
        message["To"] = str(Address(addr_spec=mail.to))
        message["Subject"] = mail.subject
        _name, sender = parseaddr(self._settings.smtp_from)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message

    async def send(self, mail: OutgoingMail) -> bool:
        """Deliver (or log) one message. Returns whether it was handed to an SMTP server."""
        if not self.configured:
            logger.info("mail (no SMTP_HOST: logged, not sent) to=%s subject=%r\n%s", mail.to, mail.subject, mail.text)
            return False
        try:
            await asyncio.to_thread(self._deliver, self.build_message(mail))
        except (OSError, smtplib.SMTPException) as exc:
            logger.exception("could not send mail to %s (%r): %s", mail.to, mail.subject, type(exc).__name__)
            return False
        logger.info("mail sent to %s: %r", mail.to, mail.subject)
        return True

    async def send_many(self, mails: Sequence[OutgoingMail], *, per_connection: int = 200) -> int:
        """Deliver many messages (a roster's invitations) over few connections. Returns how many were handed over."""
        if not self.configured:
            for mail in mails:
                logger.info("mail (no SMTP_HOST: logged, not sent) to=%s subject=%r", mail.to, mail.subject)
            return 0
        sent = 0
        for start in range(0, len(mails), per_connection):
            batch = [self.build_message(mail) for mail in mails[start : start + per_connection]]
            try:
                await asyncio.to_thread(self._deliver, *batch)
            except (OSError, smtplib.SMTPException) as exc:
                logger.exception("could not send %d mails: %s", len(batch), type(exc).__name__)
                continue
            sent += len(batch)
        logger.info("mail sent: %d of %d messages", sent, len(mails))
        return sent

    def _deliver(self, *messages: EmailMessage) -> None:
        settings = self._settings
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=_SMTP_TIMEOUT_S) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            for message in messages:
                smtp.send_message(message)
