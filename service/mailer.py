"""Sending the email outbox over SMTP (workers only; web requests never talk to SMTP)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from sqlalchemy import select

from service.models import OutboxEmail
from service.runtime import Runtime

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def send_outbox(runtime: Runtime, *, batch: int = 50) -> int:
    """Send unsent emails when SMTP is configured; returns how many went out.

    Without ``LAUREL_SMTP_URL`` (development) nothing is sent: the outbox is the mailbox, shown
    to admins at /admin/outbox. A failure is recorded on the email and retried next sweep.
    """
    url = runtime.settings.smtp_url
    if not url:
        return 0
    sent = 0
    with runtime.db.unit_of_work() as session:
        pending = list(session.scalars(
            select(OutboxEmail).where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxEmail.created_at).limit(batch).with_for_update(skip_locked=True)))
        if not pending:
            return 0
        try:
            with _connect(url) as smtp:
                for email in pending:
                    email.attempts += 1
                    smtp.send_message(_message(email, runtime.settings.mail_from))
                    email.sent_at = datetime.now(UTC)
                    sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP failed after %d email(s): %s", sent, exc)
            for email in pending:
                if email.sent_at is None:
                    email.last_error = str(exc)[:500]
    return sent


def _message(email: OutboxEmail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, email.to_address, email.subject
    msg.set_content(email.body)
    return msg


def _connect(url: str) -> smtplib.SMTP:
    parsed = urlparse(url)
    host, user, password = parsed.hostname or "localhost", parsed.username, parsed.password
    if parsed.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, parsed.port or 465, context=ssl.create_default_context(),
                                              timeout=20)
    else:
        smtp = smtplib.SMTP(host, parsed.port or 587, timeout=20)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
    if user:
        smtp.login(unquote(user), unquote(password or ""))
    return smtp
